"""`incident check [ID…] [--all] [--changed [--base REF]]`: validate goals, metadata, order."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import echo_json, open_workspace
from incidentflow.errors import ExitCode
from incidentflow.model.problems import Problem
from incidentflow.model.workspace import Workspace
from incidentflow.workflow.checking import check_incidents


@click.command("check")
@click.argument("incident_ids", nargs=-1, metavar="[ID]...", shell_complete=incident_ids)
@click.option("--all", "check_all", is_flag=True, help="Check every incident.")
@click.option(
    "--changed",
    is_flag=True,
    help="Check only incidents with files changed since the base branch (for pull requests).",
)
@click.option(
    "--base",
    metavar="REF",
    help="With --changed: compare with the merge base of REF and HEAD. "
    "Default: origin/HEAD, else main, else master.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
def command(
    ctx: click.Context,
    incident_ids: tuple[str, ...],
    check_all: bool,
    changed: bool,
    base: str | None,
    as_json: bool,
) -> None:
    """Check incidents' metadata, stage order and stage goals (exit 1 on any problem).

    Each problem is printed as path:line: message. Stage files that exist are held to
    their goals, except the latest, which may still be a work in progress.

    --changed checks the incidents whose files differ between the merge base of the base
    branch and the working tree: what a pull request changes. Run it in CI.

    \b
    Examples:
      incident check
      incident check --all --json
      incident check --changed --base origin/main
    """
    if base is not None and not changed:
        raise click.UsageError("--base REF only applies with --changed")
    if sum((check_all, changed, bool(incident_ids))) > 1:
        raise click.UsageError("give incident ids, --all or --changed, not several")
    workspace = open_workspace()
    if changed:
        chosen = _changed(workspace, base)
        if not chosen:
            if as_json:
                echo_json([])
            ctx.exit(0)
    elif check_all:
        chosen = workspace.ids()
    elif incident_ids:
        chosen = [workspace.resolve_id(query, cwd=Path.cwd()) for query in incident_ids]
    else:
        chosen = [workspace.resolve_id(None, cwd=Path.cwd())]
    warnings: list[Problem] = []
    problems = check_incidents(workspace, chosen, warnings=warnings)
    for warning in warnings:
        click.echo(str(warning), err=True)
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


def _changed(workspace: Workspace, base: str | None) -> list[str]:
    """The changed incidents' ids, naming them (and the base) on stderr."""
    from incidentflow.workflow.changes import changed_incident_ids, find_base

    found = find_base(workspace.git, ref=base)
    chosen = changed_incident_ids(
        workspace.git, workspace.config, base=found, known=workspace.ids()
    )
    if chosen:
        click.echo(f"changed since {found.label}: {', '.join(chosen)}", err=True)
    else:
        click.echo(f"no incident changed since {found.label}", err=True)
    return chosen
