"""`incident pin [ID]`: rewrite a stage's references as permalinks at the commit judged."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._shared import open_workspace
from incidentflow.model.stages import BY_KEY, stage_named
from incidentflow.workflow.pin import pin_references


@click.command("pin")
@click.argument("incident_id", required=False, metavar="[ID]")
@click.option("--stage", type=click.Choice(list(BY_KEY)), help="Only this stage's file.")
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
def command(incident_id: str | None, stage: str | None, dry_run: bool) -> None:
    """Rewrite code references as permalinks: `path:13` becomes `<commit>:path:13`.

    Each reference is pinned at the commit it is judged at: where its line was written when
    the code has changed since, else HEAD. Commit ids and pinned references stay as they
    are; one not committed yet is left and named. Each stage file changes in one write, so
    `git diff` shows the whole change for review.

    \b
    Example:
      incident pin 2026-11-25-checkout --stage diagnosis
    """
    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    done = pin_references(
        workspace, chosen, only=stage_named(stage) if stage else None, write=not dry_run
    )
    verb = "would pin" if dry_run else "pinned"
    for found in done:
        for was, now in found.pinned:
            click.echo(f"{found.path}: {verb} `{was}` as `{now}`")
        for text in found.left:
            click.echo(
                f"{found.path}: left `{text}`: it does not resolve at a commit "
                "(commit the code it cites, or fix it)",
                err=True,
            )
    if not any(found.pinned for found in done):
        click.echo(f"{chosen}: no reference to pin", err=True)
