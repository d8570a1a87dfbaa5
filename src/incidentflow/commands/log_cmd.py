"""`incident log [ID] TEXT`: append a timeline entry, optionally setting a milestone."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._shared import now, open_workspace
from incidentflow.model.times import parse_user_time
from incidentflow.workflow.logbook import MILESTONE_NAMES, log_entry


@click.command("log")
@click.argument("args", nargs=-1, required=True, metavar="[ID] TEXT")
@click.option("--at", "at", help="When it happened: ISO-8601, HH:MM today, or -15m. Default: now.")
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
    """
    if len(args) > 2:
        raise click.UsageError('quote the entry text: incident log [ID] "TEXT"')
    query, text = (args[0], args[1]) if len(args) == 2 else (None, args[0])
    workspace = open_workspace()
    chosen = workspace.resolve_id(query, cwd=Path.cwd())
    clock = now()
    when = parse_user_time(at, now=clock, tz=workspace.config.tz()) if at else clock
    line = log_entry(
        workspace,
        chosen,
        text,
        at=when,
        author=author or workspace.git.user_name(),
        milestone=milestone,
    )
    click.echo(line)
