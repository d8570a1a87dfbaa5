"""`incident prompt [ID] [--stage S]`: print a stage's prompt, fresh from the files."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.ai.excerpts import parse_file_spec
from incidentflow.ai.prompts import prompt_for
from incidentflow.commands._complete import incident_ids, stage_names
from incidentflow.commands._shared import open_workspace
from incidentflow.model.stages import BY_KEY, stage_named


def context_options(function: click.decorators.FC) -> click.decorators.FC:
    """The options that add repository context to a prompt (shared with `incident draft`)."""
    function = click.option(
        "--rev", default="HEAD", show_default=True, help="Revision to read --with-file excerpts at."
    )(function)
    return click.option(
        "--with-file",
        "with_files",
        multiple=True,
        metavar="PATH[:LINES]",
        help="Add an excerpt of this file (e.g. src/app.py:40-60) to the prompt (repeatable).",
    )(function)


@click.command("prompt")
@click.argument("incident_id", required=False, metavar="[ID]", shell_complete=incident_ids)
@click.option(
    "--stage",
    type=click.Choice(list(BY_KEY)),
    shell_complete=stage_names,
    help="Which stage (default: the current one).",
)
@context_options
def command(
    incident_id: str | None, stage: str | None, with_files: tuple[str, ...], rev: str
) -> None:
    """Print the stage's AI prompt to stdout, rendered from the incident's files as they are now.

    Pipe it to any assistant, e.g. `incident prompt | llm`. Lines that look like credentials
    are redacted (reported on stderr).

    \b
    Examples:
      incident prompt | llm
      incident prompt --stage diagnosis --with-file src/app/pool.py:40-60 > prompt.md
    """
    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    specs = [parse_file_spec(value) for value in with_files]
    chosen_stage, prompt = prompt_for(
        workspace, chosen, stage_named(stage) if stage else None, with_files=specs, rev=rev
    )
    for note in prompt.notes(where=f"{chosen_stage.key} prompt"):
        click.echo(note, err=True)
    click.echo(prompt.text, nl=False)
