"""A finished postmortem's changelog entry: its text, severity, date and link.

Kept apart from the formats so the hook can tell whether a landing postmortem is finished
before it imports (or reads) anything else of the changelog.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from incidentflow.changelog.entries import ChangelogEntry
from incidentflow.model.config import Config
from incidentflow.model.incidents import IncidentReport
from incidentflow.model.stages import POSTMORTEM

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    import datetime as dt


def is_finished(report: IncidentReport) -> bool:
    """Whether the incident's postmortem meets its goal, so it has a changelog entry."""
    return _finished(report) is not None


def finished_entry(
    report: IncidentReport, config: Config, *, relative_to: str
) -> ChangelogEntry | None:
    """The changelog entry of an incident whose postmortem meets its goal, else None.

    Its link to the postmortem is relative to ``relative_to``, the directory of the file
    the entry ends up in.
    """
    found = _finished(report)
    if found is None:
        return None
    text, resolved, postmortem = found
    return ChangelogEntry(
        incident_id=report.id,
        text=text,
        severity=report.meta.severity,
        date=resolved.astimezone(config.tz()).date().isoformat(),
        link=posixpath.relpath(postmortem, relative_to or "."),
    )


def finished_entries(
    reports: Sequence[IncidentReport], config: Config, *, relative_to: str
) -> list[ChangelogEntry]:
    """The entries of the finished postmortems among ``reports``."""
    found = (finished_entry(r, config, relative_to=relative_to) for r in reports)
    return [entry for entry in found if entry is not None]


def _finished(report: IncidentReport) -> tuple[str, dt.datetime, str] | None:
    """The Changelog entry's text, `resolved_at` and the postmortem's path, when finished."""
    result = report.result(POSTMORTEM)
    if result is None or not result.met or report.meta_problems:
        return None
    section = result.doc.section("Changelog entry")
    resolved = report.meta.time("resolved_at")
    if section is None or resolved is None:
        return None
    return " ".join(section.filled_text().split()), resolved, result.path
