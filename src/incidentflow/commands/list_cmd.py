"""`incident list`: one row per incident."""

from __future__ import annotations

import click

from incidentflow.commands._complete import severities
from incidentflow.commands._shared import echo_json, level_names, now, open_workspace
from incidentflow.workflow.listing import Row, list_rows


@click.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only incidents not closed yet.")
@click.option(
    "--severity",
    "severities",
    multiple=True,
    shell_complete=severities,
    help="Only these severities (repeatable).",
)
@click.option(
    "--overdue", is_flag=True, help="Only incidents whose postmortem is past its deadline."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def command(only_open: bool, severities: tuple[str, ...], overdue: bool, as_json: bool) -> None:
    """List incidents: id, severity, status, current stage, title, age.

    DUE names what is due next: a stakeholder update, `update-by-HH:MM` (the time as
    stored) or `update-overdue` (see incident update); --json gives the exact times.
    A resolved incident whose postmortem is not finished shows its deadline in the
    status: `resolved, postmortem due 2d 3h` or `OVERDUE 1d`.

    \b
    Examples:
      incident list --open
      incident list --overdue
      incident list --severity SEV1 --severity SEV2 --json
    """
    workspace = open_workspace()
    rows = list_rows(
        workspace,
        now=now(),
        only_open=only_open,
        severities=level_names(workspace.config, severities),
        overdue_only=overdue,
    )
    if as_json:
        echo_json([row.as_dict() for row in rows])
        return
    _table(rows)


def _table(rows: list[Row]) -> None:
    headers = ("ID", "SEVERITY", "STATUS", "STAGE", "AGE", "DUE", "TITLE")
    cells = [
        headers,
        *((r.id, r.severity, _status(r), r.stage, r.age, _due(r), r.title) for r in rows),
    ]
    widths = [max(map(len, column)) for column in zip(*cells, strict=True)]
    # Every column but the last padded to its width; one format call a row.
    template = "".join(f"{{:<{width}}}  " for width in widths[:-1]) + "{}"
    lines = [template.format(*row).rstrip() for row in cells]
    click.echo("\n".join(lines))  # one write: thousands of rows, one echo


def _status(row: Row) -> str:
    """The status, with the deadline of a postmortem still to write."""
    if row.postmortem is None:
        return row.status
    return f"{row.status}, postmortem {row.postmortem.short()}"


def _due(row: Row) -> str:
    """What is due next, one word: a stakeholder update (overdue, or by HH:MM UTC)."""
    if row.update_due is None:
        return "-"
    if row.update_overdue:
        return "update-overdue"
    return "update-by-" + row.update_due[11:16]
