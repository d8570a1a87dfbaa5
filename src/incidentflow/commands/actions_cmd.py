"""`incident actions`: action items across all postmortems, and their export to a tracker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from incidentflow.commands._shared import echo_json, emit, now, open_workspace
from incidentflow.reports.actions import ActionItem, action_items


@click.command("actions")
@click.option("--owner", help="Only items owned by this person (case-insensitive, @ optional).")
@click.option("--overdue", is_flag=True, help="Only items due before today and not done.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--export",
    "export",
    type=click.Choice(["csv", "gh"]),
    help="csv: a file for the CSV importers of Jira and GitHub; gh: a script of "
    "`gh issue create` commands. Only items not done and without a ticket.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the export to FILE instead of stdout.",
)
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True, help="Pretend today is this date."
)
def command(
    owner: str | None,
    overdue: bool,
    as_json: bool,
    export: str | None,
    output: Path | None,
    today: dt.datetime | None,
) -> None:
    """List action items from every postmortem: incident, owner, due, type, state, the
    status as written, the fixing commit and its date, the ticket, the action.

    A row is done when its Status says so (done, Done ✅, fixed, closed, [x], in any case)
    or its action starts with [x]; any other status is shown as written. Overdue means due
    before today and not done. A commit in the Status ("done in 1a2b3c4") is the fix; a
    Ticket column (#123, PROJ-45, a URL) records the issue, and --export leaves the row out.

    \b
    Examples:
      incident actions --overdue
      incident actions --export csv -o actions.csv      # then import it in Jira
      incident actions --export gh > issues.sh && bash issues.sh
    """
    if export is not None and as_json:
        raise click.UsageError("--json and --export cannot be used together")
    if output is not None and export is None:
        raise click.UsageError("-o/--output needs --export")
    workspace = open_workspace()
    day = today.date() if today else now().astimezone(workspace.config.tz()).date()
    items = action_items(workspace, today=day, owner=owner, overdue_only=overdue)
    if export is not None:
        _export(export, items, remote=workspace.git.remote_url(), output=output)
        return
    if as_json:
        echo_json([item.as_dict() for item in items])
        return
    headers = ("INCIDENT", "OWNER", "DUE", "TYPE", "STATE", "STATUS", "FIXED BY", "TICKET")
    rows = [(*_cells(i), i.action) for i in items]
    widths = [max([len(h)] + [len(r[n]) for r in rows]) for n, h in enumerate(headers)]
    for row in [(*headers, "ACTION"), *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, [*widths, 0], strict=True)).rstrip())


def _export(kind: str, items: list[ActionItem], *, remote: str | None, output: Path | None) -> None:
    from incidentflow.reports.exports import gh_script, tracker_csv

    text = (tracker_csv if kind == "csv" else gh_script)(items, remote=remote)
    emit(text, output)


def _cells(item: ActionItem) -> tuple[str, ...]:
    fixed = "-"
    if item.fixed_by and item.commit_date:
        fixed = f"{item.fixed_by[:10]} {item.commit_date[:10]}"
    elif item.commits:
        fixed = f"{item.commits[0]} (not here)"
    return (
        item.incident,
        item.owner or "-",
        item.due or "-",
        item.type or "-",
        _state(item.done, item.overdue),
        item.status or "-",
        fixed,
        item.ticket or "-",
    )


def _state(done: bool, overdue: bool) -> str:
    return "done" if done else ("OVERDUE" if overdue else "open")
