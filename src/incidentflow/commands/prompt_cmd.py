"""`incident prompt [ID] [--stage S]`: print a stage's prompt, fresh from the files."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._shared import open_workspace
from incidentflow.prompts import prompt_for
from incidentflow.stages import BY_KEY, stage_named


@click.command("prompt")
@click.argument("incident_id", required=False, metavar="[ID]")
@click.option(
    "--stage", type=click.Choice(list(BY_KEY)), help="Which stage (default: the current one)."
)
def command(incident_id: str | None, stage: str | None) -> None:
    """Print the stage's AI prompt to stdout, rendered from the incident's files as they are now.

    Pipe it to any assistant, e.g. `incident prompt | llm`.
    """
    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    _, text = prompt_for(workspace, chosen, stage_named(stage) if stage else None)
    click.echo(text, nl=False)
