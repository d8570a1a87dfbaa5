"""The rows of `incident list`: status and stage derived from the files, never stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from incidentflow.incidents import evaluate
from incidentflow.stages import POSTMORTEM, STAGES
from incidentflow.timeutil import format_duration
from incidentflow.workspace import Workspace


@dataclass(frozen=True)
class Row:
    """One incident in the list."""

    id: str
    severity: str
    status: str
    stage: str
    title: str
    age: str
    started_at: str | None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


def list_rows(
    workspace: Workspace,
    *,
    now: dt.datetime,
    only_open: bool = False,
    severities: tuple[str, ...] = (),
) -> list[Row]:
    """Every incident, newest first, filtered by openness and severity."""
    rows = []
    tree = workspace.tree
    for incident_id in reversed(workspace.ids()):
        # Only the postmortem's goal decides "closed"; other stages need just to exist.
        report = evaluate(tree, workspace.config, incident_id, only=[POSTMORTEM])
        if severities and report.meta.severity not in severities:
            continue
        if only_open and not report.is_open:
            continue
        stage = "-"
        directory = workspace.root / report.directory
        for candidate in reversed(STAGES):
            if (directory / candidate.filename).is_file():
                stage = candidate.key
                break
        age = report.age(now)
        started = report.meta.time("started_at")
        rows.append(
            Row(
                id=incident_id,
                severity=report.meta.severity or "?",
                status=report.status,
                stage=stage,
                title=report.meta.title,
                age=format_duration(age) if age is not None else "?",
                started_at=started.isoformat() if started else None,
            )
        )
    return rows
