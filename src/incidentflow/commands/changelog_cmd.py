"""`incident changelog [--check]`: the changelog entry of every finished postmortem."""

from __future__ import annotations

import click

from incidentflow.changelog.sync import sync_changelog
from incidentflow.commands._shared import open_workspace
from incidentflow.errors import ExitCode
from incidentflow.model.incidents import evaluate
from incidentflow.model.stages import POSTMORTEM


@click.command("changelog")
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Change nothing; exit 1 if an entry is missing or no longer reads as its postmortem.",
)
@click.pass_context
def command(ctx: click.Context, check_only: bool) -> None:
    """Add (or bring up to date) the changelog entry of every finished postmortem.

    The format is the one the repository keeps: Keep a Changelog, towncrier or scriv news
    fragments, or a changelog generated from commit messages (then it prints the commit
    line to use). An entry is found by its <!-- incident:ID --> marker or its fragment's
    name, so it is never added twice; a line already released under a version is never
    changed.
    """
    workspace = open_workspace()
    config = workspace.config
    reports = [
        evaluate(workspace.tree, config, incident_id, only=[POSTMORTEM])
        for incident_id in workspace.ids()
    ]
    outcome = sync_changelog(config=config, git=workspace.git, reports=reports, check=check_only)
    for to_stderr, line in outcome.lines:
        click.echo(line, err=to_stderr)
    ctx.exit(int(ExitCode.FAILED) if outcome.failed else 0)
