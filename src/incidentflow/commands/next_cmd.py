"""`incident next [ID]`: scaffold the next stage once the current one meets its goal."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import open_workspace, shown_path
from incidentflow.workflow.scaffold import scaffold_next_stage


@click.command("next")
@click.argument("incident_id", required=False, metavar="[ID]", shell_complete=incident_ids)
def command(incident_id: str | None) -> None:
    """Scaffold the next stage file, with its AI prompt pre-filled, and print its path.

    Refuses (exit 1, listing what is missing as path:line: message) until every stage
    written so far meets its goal. Never overwrites an existing file.

    \b
    Examples:
      incident next
      incident next 2026-11-25-checkout-api-500s
    """
    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    notes: list[str] = []
    path = scaffold_next_stage(workspace, chosen, notes=notes)
    for note in notes:
        click.echo(note, err=True)
    click.echo(shown_path(path))
