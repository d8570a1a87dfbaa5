"""`override:` in a stage file's front matter: the stage was started, deliberately, before the
one before it met its goal (`incident next --override REASON`)."""

from __future__ import annotations

from typing import Any

from incidentflow.model.problems import Problem
from incidentflow.records import Record

KEY = "override"


class StageOverride(Record):
    """Who started the stage early, when, why, and which stage it skipped."""

    __slots__ = ("at", "by", "line", "reason", "skipped")

    def __init__(self, *, skipped: str, reason: str, by: str, at: str, line: int) -> None:
        self.skipped = skipped
        self.reason = reason
        self.by = by
        self.at = at
        self.line = line  # in the stage file


def front_matter_lines(*, skipped: str, reason: str, by: str, at: str) -> str:
    """The front matter lines `next --override` writes."""
    from incidentflow.files.yamlio import quote

    return (
        f"{KEY}:\n  skipped: {skipped}\n  reason: {quote(reason)}\n"
        f"  by: {quote(by)}\n  at: {quote(at)}\n"
    )


def read_override(
    data: dict[Any, Any], *, previous: str | None, path: str, line: int
) -> tuple[StageOverride | None, list[Problem]]:
    """The override in front matter ``data`` (already parsed), and what is wrong with it;
    ``previous`` is the key of the stage before this one."""
    value = data.get(KEY)
    if value is None:
        return None, []
    if previous is None:
        return None, [Problem(path, line, "the first stage has nothing to override")]
    if not isinstance(value, dict):
        return None, [Problem(path, line, "override must be a mapping: skipped, reason, by, at")]
    reason, by, at = (value.get(k) for k in ("reason", "by", "at"))
    if value.get("skipped") != previous:
        return None, [Problem(path, line, f"override.skipped must be {previous!r}")]
    if not isinstance(reason, str) or len(reason.split()) < 2:
        return None, [Problem(path, line, "override.reason must say in a few words why")]
    override = StageOverride(
        skipped=previous, reason=reason, by=str(by or "?"), at=str(at or "?"), line=line
    )
    return override, []
