"""`incident refresh [ID]`: draw the postmortem's generated timeline again."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import open_workspace
from incidentflow.workflow.refresh import refresh_incident


@click.command("refresh")
@click.argument("incident_id", required=False, metavar="[ID]", shell_complete=incident_ids)
def command(incident_id: str | None) -> None:
    """Draw the postmortem's generated timeline again from timeline.md and incident.yaml.

    The key times, the table of events and the chart between the generated markers are
    replaced; text around them is never touched. `incident log` does this itself; run it
    after editing timeline.md or incident.yaml by hand (`incident check` says when).

    \b
    Example:
      incident refresh 2026-11-25-checkout
    """
    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    changed = refresh_incident(workspace, chosen)
    if changed:
        click.echo(f"updated {changed}")
    else:
        click.echo(f"{chosen}: the generated timeline is current", err=True)
