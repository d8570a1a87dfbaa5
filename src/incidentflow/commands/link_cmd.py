"""`incident link [ID] OTHER [--as RELATION]`: link two incidents, both sides."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import at_option, event_time, now, open_workspace
from incidentflow.workflow.amend import RELATIONS, link_incidents


@click.command("link")
@click.argument("args", nargs=-1, required=True, metavar="[ID] OTHER", shell_complete=incident_ids)
@click.option(
    "--as",
    "relation",
    type=click.Choice(sorted(RELATIONS)),
    default="related",
    show_default=True,
    help="How this incident relates to OTHER; OTHER gets the inverse.",
)
@click.option("--reason", help="Why they are linked; logged with the link.")
@at_option("they were linked")
@click.option("--author", help="Who linked them; default: your git user.name.")
def command(
    args: tuple[str, ...], relation: str, reason: str | None, at: str | None, author: str | None
) -> None:
    """Link this incident to OTHER; OTHER's incident.yaml gets the inverse link.

    Both ids must exist. `--as caused-by` here writes `causes` there, `duplicate-of` writes
    `duplicates`, `related` is related both ways. Each side's timeline logs it; `show`,
    `report` and the index list the links, and `incident check` reports a link to an id
    that does not exist.

    \b
    Examples:
      incident link 2026-11-25-storage-outage --as caused-by
      incident link 2026-11-25-status-page-stale 2026-11-25-storage-outage --as caused-by
    """
    if len(args) == 2:
        query, other = args
    elif len(args) == 1:
        query, other = None, args[0]
    else:
        raise click.UsageError("give [ID] OTHER: two incident ids at most")
    workspace = open_workspace()
    chosen = workspace.resolve_id(query, cwd=Path.cwd())
    target = workspace.resolve_id(other, cwd=Path.cwd())
    lines = link_incidents(
        workspace,
        chosen,
        target,
        relation,
        reason=reason,
        author=author or workspace.git.user_name(),
        at=event_time(workspace, chosen, at, clock=now()),
    )
    for line in lines:
        click.echo(line)
