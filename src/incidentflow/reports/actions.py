"""Action items across every postmortem: who owes what, by when, and what is overdue."""

from __future__ import annotations

import datetime as dt

from incidentflow.files.markdown_sections import meaningful_text, without_drafts_and_comments
from incidentflow.files.tables import first_table
from incidentflow.git.repo import Git
from incidentflow.model.action_status import evidence
from incidentflow.model.goals import ACTION_COLUMNS, row_is_done
from incidentflow.model.incidents import StageResult, evaluate
from incidentflow.model.stages import POSTMORTEM
from incidentflow.model.workspace import Workspace
from incidentflow.records import Record


class ActionItem(Record):
    """One row of a postmortem's Action items table."""

    __slots__ = (
        "action",
        "commit_date",
        "commits",
        "done",
        "due",
        "fixed_by",
        "incident",
        "incident_title",
        "line",
        "overdue",
        "owner",
        "path",
        "refs",
        "status",
        "ticket",
        "type",
    )

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
        status: str = "",
        ticket: str = "",
        commits: tuple[str, ...] = (),
        refs: tuple[str, ...] = (),
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
        self.status = status  # as written, whatever it says
        self.ticket = ticket  # `#123`, `PROJ-45`, a URL; empty when none is recorded
        self.commits = commits  # the commits the row cites, as written
        self.refs = refs  # the code references it cites
        self.incident_title = ""  # set by `action_items`
        self.fixed_by: str | None = None  # the first cited commit that resolves (full id)
        self.commit_date: str | None = None  # its committer date

    def resolve(self, git: Git) -> None:
        """Look the cited commits up: the first one in this repository is the fix."""
        for name in self.commits:
            found = git.commit_summary(name)
            if found is not None:
                self.fixed_by, self.commit_date = found[0], found[1]
                return


def action_items(
    workspace: Workspace, *, today: dt.date, owner: str | None = None, overdue_only: bool = False
) -> list[ActionItem]:
    """Rows from every postmortem (drafts ignored), oldest incident first, their cited
    commits looked up in the repository.

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
            item.resolve(workspace.git)
            item.incident_title = report.meta.title
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
        cited = evidence({name: meaningful_text(value) for name, value in row.cells.items()})
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
                status=cells.get("status", ""),
                ticket=cited.ticket,
                commits=cited.commits,
                refs=tuple(ref.text for ref in cited.refs),
            )
        )
    return items


def _before(due: str, today: dt.date) -> bool:
    try:
        return dt.date.fromisoformat(due) < today
    except ValueError:
        return False
