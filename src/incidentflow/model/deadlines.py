"""When a postmortem is due: its severity's `postmortem` span after `resolved_at`."""

from __future__ import annotations

import datetime as dt

from incidentflow.model.config import Config
from incidentflow.model.times import format_duration
from incidentflow.records import Record


class Deadline(Record):
    """A postmortem's due time and how long is left at ``now`` (negative: overdue)."""

    __slots__ = ("due", "left")

    def __init__(self, due: dt.datetime, left: dt.timedelta) -> None:
        self.due = due
        self.left = left

    @property
    def overdue(self) -> bool:
        """The due time has passed."""
        return self.left < dt.timedelta(0)

    def describe(self) -> str:
        """`due in 2d 3h (2026-11-30 12:00)` or `overdue by 1d 2h (2026-11-30 12:00)`."""
        when = self.due.strftime("%Y-%m-%d %H:%M")
        if self.overdue:
            return f"overdue by {format_duration(-self.left)} ({when})"
        return f"due in {format_duration(self.left)} ({when})"

    def short(self) -> str:
        """`due 2d 3h` or `OVERDUE 1d 2h`, for a table cell."""
        if self.overdue:
            return f"OVERDUE {format_duration(-self.left)}"
        return f"due {format_duration(self.left)}"


def needs_postmortem(config: Config, severity: str | None) -> bool:
    """Whether an incident of ``severity`` needs a postmortem (an unknown one does)."""
    found = config.severity(severity) if severity else None
    return found is None or found.postmortem


def postmortem_due(
    config: Config, *, severity: str | None, resolved_at: dt.datetime | None
) -> dt.datetime | None:
    """When the postmortem is due, in the configured timezone; None without a deadline
    (not resolved, no postmortem needed, or none configured for the severity). Business
    days are counted in the configured timezone."""
    found = config.severity(severity) if severity else None
    if resolved_at is None or found is None or not found.postmortem:
        return None
    if found.postmortem_within is None:
        return None
    return found.postmortem_within.after(resolved_at.astimezone(config.tz()))


def postmortem_deadline(
    config: Config,
    *,
    severity: str | None,
    resolved_at: dt.datetime | None,
    finished: bool,
    now: dt.datetime,
) -> Deadline | None:
    """The deadline of a postmortem not finished yet, as seen at ``now``; else None."""
    if finished:
        return None
    due = postmortem_due(config, severity=severity, resolved_at=resolved_at)
    return None if due is None else Deadline(due, due - now)
