"""Action items across every postmortem: who owes what, by when, and what is overdue."""

from __future__ import annotations

import datetime as dt

from incidentflow.files.markdown_sections import meaningful_text, without_drafts_and_comments
from incidentflow.files.tables import first_table
from incidentflow.model.goals import ACTION_COLUMNS, row_is_done
from incidentflow.model.incidents import StageResult, evaluate
from incidentflow.model.stages import POSTMORTEM
from incidentflow.model.workspace import Workspace
from incidentflow.records import Record


class ActionItem(Record):
    """One row of a postmortem's Action items table."""

    __slots__ = ("action", "done", "due", "incident", "line", "overdue", "owner", "path", "type")

    def __init__(
        self,
        *,
        incident: str,
        action: str,
        owner: str,
        due: str,
        type: str,
        done: bool,
        overdue: bool,
        path: str,
        line: int,
    ) -> None:
        self.incident = incident
        self.action = action
        self.owner = owner
        self.due = due
        self.type = type
        self.done = done
        self.overdue = overdue
        self.path = path
        self.line = line


def action_items(
    workspace: Workspace, *, today: dt.date, owner: str | None = None, overdue_only: bool = False
) -> list[ActionItem]:
    """Rows from every postmortem (drafts ignored), oldest incident first.

    Overdue means: due before ``today`` and not marked done.
    """
    items = []
    for incident_id in workspace.ids():
        report = evaluate(workspace.tree, workspace.config, incident_id, only=[POSTMORTEM])
        for item in postmortem_items(
            report.result(POSTMORTEM), incident_id=incident_id, today=today
        ):
            if owner and owner.casefold().lstrip("@") != item.owner.casefold().lstrip("@"):
                continue
            if overdue_only and not item.overdue:
                continue
            items.append(item)
    return items


def postmortem_items(
    result: StageResult | None, *, incident_id: str, today: dt.date
) -> list[ActionItem]:
    """The rows of one postmortem's Action items table (AI drafts and comments ignored)."""
    if result is None or not result.exists:
        return []
    section = result.doc.section("Action items")
    if section is None:
        return []
    table = first_table(without_drafts_and_comments(section.body), first_line=section.body_line)
    if table is None:
        return []
    items = []
    for row in table.rows:
        cells = {name.casefold(): meaningful_text(value) for name, value in row.cells.items()}
        values = {column: cells.get(column.casefold(), "") for column in ACTION_COLUMNS}
        done = row_is_done(row.cells)
        items.append(
            ActionItem(
                incident=incident_id,
                action=values["Action"],
                owner=values["Owner"],
                due=values["Due"],
                type=values["Type"],
                done=done,
                overdue=not done and _before(values["Due"], today),
                path=result.path,
                line=row.line,
            )
        )
    return items


def _before(due: str, today: dt.date) -> bool:
    try:
        return dt.date.fromisoformat(due) < today
    except ValueError:
        return False
