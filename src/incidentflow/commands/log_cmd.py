"""`incident log [ID] TEXT`: append a timeline entry, optionally setting a milestone."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import first_of_id_and_text
from incidentflow.commands._shared import at_option, event_time, now, open_workspace
from incidentflow.workflow.logbook import MILESTONE_NAMES, log_entry


@click.command("log")
@click.argument(
    "args", nargs=-1, required=True, metavar="[ID] TEXT", shell_complete=first_of_id_and_text
)
@at_option("it happened")
@click.option(
    "--milestone", type=click.Choice(MILESTONE_NAMES), help="Also set this time in incident.yaml."
)
@click.option("--author", help="Who did it; default: your git user.name.")
def command(
    args: tuple[str, ...], at: str | None, milestone: str | None, author: str | None
) -> None:
    """Append `- <time> — TEXT (<author>)` to the incident's timeline.md.

    With --milestone detected|contained|resolved the time is also set in incident.yaml,
    refusing a time that breaks started <= detected <= contained <= resolved.

    \b
    Examples:
      incident log "p99 12s, 30% of POST /checkout fail"
      incident log "flag payments.retry_v2 off" --milestone contained --at 14:31
      incident log checkout "fix deployed" --milestone resolved
    """
    if len(args) > 2:
        raise click.UsageError('quote the entry text: incident log [ID] "TEXT"')
    query, text = (args[0], args[1]) if len(args) == 2 else (None, args[0])
    workspace = open_workspace()
    chosen = workspace.resolve_id(query, cwd=Path.cwd())
    clock = now()
    when = event_time(workspace, chosen, at, clock=clock)
    lines = log_entry(
        workspace,
        chosen,
        text,
        at=when,
        author=author or workspace.git.user_name(),
        milestone=milestone,
        now=clock,
    )
    for line in lines:
        click.echo(line)
