"""`incident init`: set up the repository."""

from __future__ import annotations

import click

from incidentflow.commands._shared import open_workspace
from incidentflow.workflow.setup import init_repository


@click.command("init")
@click.option(
    "--git-hook",
    is_flag=True,
    help="Install a plain .git/hooks/pre-commit instead of using pre-commit.",
)
@click.option("--force", is_flag=True, help="With --git-hook, replace an existing different hook.")
def command(git_hook: bool, force: bool) -> None:
    """Set up this repository: incidents/, .incident.yaml, .gitattributes and the hook.

    The hook is added to .pre-commit-config.yaml (merged into an existing file without
    changing a byte of it). Running init again changes nothing.
    """
    workspace = open_workspace()
    result = init_repository(
        workspace.config, workspace.git.hooks_dir(), git_hook=git_hook, force=force
    )
    for path in result.changed:
        click.echo(f"{'created' if path in result.created else 'updated'} {path}")
    if not result.changed:
        click.echo("already set up; nothing changed")
    elif not git_hook:
        click.echo(
            "next: pre-commit install -t pre-commit -t pre-merge-commit   "
            "(or use incident init --git-hook without pre-commit)"
        )
