"""`incident next [ID]`: scaffold the next stage once the current one meets its goal."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import at_option, event_time, now, open_workspace, shown_path
from incidentflow.workflow.scaffold import Override, scaffold_next_stage


@click.command("next")
@click.argument("incident_id", required=False, metavar="[ID]", shell_complete=incident_ids)
@click.option(
    "--override",
    metavar="REASON",
    help="Start the next stage although the current one does not meet its goal; "
    "the reason, who and when are logged and kept in the new stage's front matter.",
)
@at_option("the override was decided")
def command(incident_id: str | None, override: str | None, at: str | None) -> None:
    """Scaffold the next stage file, with its AI prompt pre-filled, and print its path.

    Refuses (exit 1, listing what is missing as path:line: message) until every stage
    written so far meets its goal. Never overwrites an existing file.

    --override REASON starts it anyway, deliberately and visibly: for a diagnosis that must
    begin during an 18-hour restore. The hook and `incident check` then accept the earlier
    stage as a work in progress and show what it still lacks as a warning; the postmortem's
    prompt lists the override.

    \b
    Examples:
      incident next
      incident next 2026-11-25-checkout-api-500s
      incident next --override "restore takes 18 h; the diagnosis cannot wait"
    """
    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    notes: list[str] = []
    request = None
    if override is not None:
        when = event_time(workspace, chosen, at, clock=now())
        request = Override(override, author=workspace.git.user_name(), at=when)
    path = scaffold_next_stage(workspace, chosen, notes=notes, override=request)
    for note in notes:
        click.echo(note, err=True)
    click.echo(shown_path(path))
