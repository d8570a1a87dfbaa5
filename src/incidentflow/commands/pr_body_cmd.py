"""`incident pr-body [ID]`: markdown for the description of the incident's pull request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import now, open_workspace


@click.command("pr-body")
@click.argument("incident_id", required=False, metavar="[ID]", shell_complete=incident_ids)
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True, help="Pretend today is this date."
)
def command(incident_id: str | None, today: dt.datetime | None) -> None:
    """Print a pull-request description for the incident, in markdown.

    Title, severity, status, a checklist of each stage's goal (checked when met, with
    what is missing), the summary's "What happened" and the open action items. Pipe it:
    incident pr-body | gh pr create --title "..." --body-file -
    """
    from incidentflow.reports.report import load_digest, render_pr_body

    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    day = today.date() if today else now().astimezone(workspace.config.tz()).date()
    body = render_pr_body(load_digest(workspace, chosen, today=day), config=workspace.config)
    click.echo(body, nl=False)
