"""`incident draft [ID]`: ask a model for the current stage and file the answer as drafts."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.ai.excerpts import parse_file_spec
from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import now, open_workspace, shown_path
from incidentflow.commands.prompt_cmd import context_options


@click.command("draft")
@click.argument("incident_id", required=False, metavar="[ID]", shell_complete=incident_ids)
@click.option(
    "-m",
    "--model",
    help="An llm model id (default: ai.model in .incident.yaml, else llm's default).",
)
@click.option("--system", help="A system prompt to send along.")
@click.option("--dry-run", is_flag=True, help="Print exactly what would be sent, and send nothing.")
@context_options
def command(
    incident_id: str | None,
    model: str | None,
    system: str | None,
    dry_run: bool,
    with_files: tuple[str, ...],
    rev: str,
) -> None:
    """Send the current stage's prompt through `llm` and insert the answer as AI drafts.

    Each answer section lands at the top of the matching section between ai-draft markers
    (newest first); it counts towards no goal until you edit it and remove the markers.
    The answer streams to stderr; the stage file is untouched if anything fails. Needs
    the llm library: pip install 'incidentflow[ai]' (pipx: pipx inject incidentflow llm).

    \b
    Examples:
      incident draft --dry-run
      incident draft -m gpt-4o-mini --with-file src/app/pool.py:40-60
    """
    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    specs = [parse_file_spec(value) for value in with_files]
    if dry_run:
        from incidentflow.ai.prompts import prompt_for

        stage, prompt = prompt_for(workspace, chosen, with_files=specs, rev=rev)
        for note in prompt.notes(where=f"{stage.key} prompt"):
            click.echo(note, err=True)
        click.echo(prompt.text, nl=False)
        return
    from incidentflow.ai.draft import draft_stage

    drafted = draft_stage(
        workspace,
        chosen,
        now=now(),
        model=model,
        system=system,
        with_files=specs,
        on_chunk=lambda chunk: click.echo(chunk, nl=False, err=True),
    )
    click.echo("", err=True)
    for note in drafted.notes():
        click.echo(note, err=True)
    where = ", ".join(drafted.sections) if drafted.sections else "one block above the first section"
    click.echo(
        f"{shown_path(drafted.path)}: AI draft from {drafted.model} in {where}; "
        "review it, then remove the markers"
    )
