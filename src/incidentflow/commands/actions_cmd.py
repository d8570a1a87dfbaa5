"""`incident actions`: action items across all postmortems."""

from __future__ import annotations

import datetime as dt

import click

from incidentflow.commands._shared import echo_json, now, open_workspace
from incidentflow.reports.actions import action_items


@click.command("actions")
@click.option("--owner", help="Only items owned by this person (case-insensitive, @ optional).")
@click.option("--overdue", is_flag=True, help="Only items due before today and not done.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True, help="Pretend today is this date."
)
def command(owner: str | None, overdue: bool, as_json: bool, today: dt.datetime | None) -> None:
    """List action items from every postmortem: incident, action, owner, due, type, overdue.

    A row is done when its Status column says done (or closed/fixed/✅) or its action
    starts with [x]; overdue means due before today and not done.
    """
    workspace = open_workspace()
    day = today.date() if today else now().astimezone(workspace.config.tz()).date()
    items = action_items(workspace, today=day, owner=owner, overdue_only=overdue)
    if as_json:
        echo_json([item.as_dict() for item in items])
        return
    headers = ("INCIDENT", "OWNER", "DUE", "TYPE", "STATE", "ACTION")
    rows = [
        (
            i.incident,
            i.owner or "-",
            i.due or "-",
            i.type or "-",
            _state(i.done, i.overdue),
            i.action,
        )
        for i in items
    ]
    widths = [max([len(h)] + [len(r[n]) for r in rows]) for n, h in enumerate(headers)]
    for row in [headers, *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _state(done: bool, overdue: bool) -> str:
    return "done" if done else ("OVERDUE" if overdue else "open")
