"""`incident update`: a stakeholder update, kept in the timeline with its promised next one."""

from __future__ import annotations

import datetime as dt

from incidentflow.errors import IncidentError
from incidentflow.model import history
from incidentflow.model.config import Config, parse_span
from incidentflow.model.incidents import IncidentReport
from incidentflow.model.timeline import Entry
from incidentflow.model.workspace import Workspace
from incidentflow.workflow.logbook import log_entry


def post_update(
    workspace: Workspace,
    incident_id: str,
    text: str,
    *,
    audience: str,
    next_in: str | None,
    author: str,
    at: dt.datetime,
) -> list[str]:
    """Log the update; return the timeline line written."""
    if audience not in history.AUDIENCES:
        raise IncidentError(f"unknown audience {audience!r}; choose {', '.join(history.AUDIENCES)}")
    if next_in is not None:
        span = parse_span(next_in)
        if span is None or span.unit not in ("m", "h", "d"):
            raise IncidentError(f"--next {next_in!r} is not a length of time like 30m, 2h or 1d")
        next_in = str(span)
    line = history.update_line(" ".join(text.split()), audience=audience, next_in=next_in)
    return log_entry(workspace, incident_id, line, at=at, author=author)


def update_due(
    config: Config, report: IncidentReport, entries: list[Entry], *, now: dt.datetime
) -> tuple[dt.datetime, bool] | None:
    """When the next stakeholder update is due and whether it is overdue (see history)."""
    level = config.severity(report.meta.severity) if report.meta.severity else None
    cadence = level.updates if level is not None else None
    return history.next_update(report.meta, entries, cadence=cadence, now=now)
