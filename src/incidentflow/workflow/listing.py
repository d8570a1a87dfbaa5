"""The rows of `incident list`: status and stage derived from the files, never stored."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from incidentflow.git.snapshot import WorkingTree
from incidentflow.model import history
from incidentflow.model.deadlines import Deadline, postmortem_deadline
from incidentflow.model.incidents import evaluate, incident_dir
from incidentflow.model.stages import POSTMORTEM, STAGES
from incidentflow.model.times import format_duration
from incidentflow.model.workspace import Workspace
from incidentflow.records import Record
from incidentflow.speed.evalcache import ContentCache


class Row(Record):
    """One incident in the list."""

    __slots__ = (
        "age",
        "id",
        "postmortem",
        "severity",
        "stage",
        "started_at",
        "status",
        "title",
        "update_due",
        "update_overdue",
    )

    def __init__(
        self,
        *,
        id: str,
        severity: str,
        status: str,
        stage: str,
        title: str,
        age: str,
        started_at: str | None,
        update_due: str | None = None,
        update_overdue: bool = False,
        postmortem: Deadline | None = None,
    ) -> None:
        self.id = id
        self.severity = severity
        self.status = status
        self.stage = stage
        self.title = title
        self.age = age
        self.started_at = started_at
        self.update_due = update_due  # the next stakeholder update, while unresolved
        self.update_overdue = update_overdue
        self.postmortem = postmortem  # the deadline of a postmortem still to write

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, in the order of the columns."""
        return {
            "id": self.id,
            "severity": self.severity,
            "status": self.status,
            "stage": self.stage,
            "title": self.title,
            "age": self.age,
            "started_at": self.started_at,
            "next_update_due": self.update_due,
            "update_overdue": self.update_overdue,
            "postmortem_due": self.postmortem.due.isoformat() if self.postmortem else None,
            "postmortem_overdue": self.postmortem.overdue if self.postmortem else False,
        }


def list_rows(
    workspace: Workspace,
    *,
    now: dt.datetime,
    only_open: bool = False,
    severities: tuple[str, ...] = (),
    overdue_only: bool = False,
) -> list[Row]:
    """Every incident, newest first, filtered by openness, severity and (``overdue_only``)
    a postmortem past its deadline."""
    rows = []
    # The directory listing first: the cache's git queries, started next, stat every file.
    ids = list(reversed(workspace.ids()))
    cache = ContentCache(workspace.git, workspace.root, workspace.config.incidents_dir)
    summaries = cache.results(
        "list",
        {i: incident_dir(workspace.config, i) for i in ids},
        lambda i, tree: _summary(workspace, i, tree),
    )
    for incident_id in ids:
        severity, status, stage, title, started_at, due, resolved_at = summaries[incident_id]
        if severities and severity not in severities:
            continue
        if only_open and status == "closed":
            continue
        deadline = postmortem_deadline(
            workspace.config,
            severity=severity,
            resolved_at=dt.datetime.fromisoformat(resolved_at) if resolved_at else None,
            finished=status == "closed",
            now=now,
        )
        if overdue_only and (deadline is None or not deadline.overdue):
            continue
        started = dt.datetime.fromisoformat(started_at) if started_at else None
        rows.append(
            Row(
                id=incident_id,
                severity=severity or "?",
                status=status,
                stage=stage,
                title=title,
                age=format_duration(now - started) if started else "?",
                started_at=started_at,
                update_due=due,
                update_overdue=due is not None and dt.datetime.fromisoformat(due) < now,
                postmortem=deadline,
            )
        )
    cache.save()
    return rows


def _summary(workspace: Workspace, incident_id: str, tree: WorkingTree) -> list[Any]:
    """What a row needs, from the files alone (cacheable by their content): severity,
    status, stage, title, start time, the next stakeholder update due and resolve time (a
    list: it is stored in the cache as JSON)."""
    # Only the postmortem's goal decides "closed"; other stages need just to exist.
    report = evaluate(tree, workspace.config, incident_id, only=[POSTMORTEM])
    stage = "-"
    if report.stages[0].text:  # read, so a regular file: no need to look again
        stage = POSTMORTEM.key
    else:
        directory = os.path.join(workspace.root, report.directory)
        for candidate in reversed(STAGES):
            if os.path.isfile(os.path.join(directory, candidate.filename)):
                stage = candidate.key
                break
    started, resolved = report.meta.time("started_at"), report.meta.time("resolved_at")
    due = None
    level = workspace.config.severity(report.meta.severity) if report.meta.severity else None
    if level is not None and level.updates is not None and not resolved:
        # Only an unresolved incident with a cadence has an update due: its timeline is read.
        entries = history.timeline_entries(tree, report.directory)
        # The due time does not depend on the clock, only whether it has passed.
        found = history.next_update(report.meta, entries, cadence=level.updates, now=_EPOCH)
        due = found[0].isoformat() if found else None
    return [
        report.meta.severity,
        report.status,
        stage,
        report.meta.title,
        started.isoformat() if started else None,
        due,
        resolved.isoformat() if resolved else None,
    ]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
