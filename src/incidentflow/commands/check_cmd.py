"""`incident check [ID…] [--all]`: validate goals, metadata and ordering."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.checking import check_incidents
from incidentflow.commands._shared import echo_json, open_workspace
from incidentflow.errors import ExitCode


@click.command("check")
@click.argument("incident_ids", nargs=-1, metavar="[ID]...")
@click.option("--all", "check_all", is_flag=True, help="Check every incident.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
def command(
    ctx: click.Context, incident_ids: tuple[str, ...], check_all: bool, as_json: bool
) -> None:
    """Check incidents' metadata, stage order and stage goals (exit 1 on any problem).

    Each problem is printed as path:line: message. Stage files that exist are held to
    their goals, except the latest, which may still be a work in progress.
    """
    workspace = open_workspace()
    if check_all:
        chosen = workspace.ids()
    elif incident_ids:
        chosen = [workspace.resolve_id(query, cwd=Path.cwd()) for query in incident_ids]
    else:
        chosen = [workspace.resolve_id(None, cwd=Path.cwd())]
    problems = check_incidents(workspace, chosen)
    if as_json:
        echo_json([p.as_dict() for p in problems])
    else:
        for problem in problems:
            click.echo(str(problem))
        noun = "incident" if len(chosen) == 1 else "incidents"
        summary = (
            f"{len(problems)} problem(s) in {len(chosen)} {noun}"
            if problems
            else f"{len(chosen)} {noun} OK"
        )
        click.echo(summary, err=True)
    ctx.exit(int(ExitCode.FAILED) if problems else 0)
