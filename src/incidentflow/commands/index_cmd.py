"""`incident index [--check]`: write incidents/README.md, a table of every incident."""

from __future__ import annotations

import click

from incidentflow.commands._shared import open_workspace, shown_path
from incidentflow.errors import ExitCode


@click.command("index")
@click.option(
    "--check", "check_only", is_flag=True, help="Change nothing; exit 1 if the index is stale."
)
@click.pass_context
def command(ctx: click.Context, check_only: bool) -> None:
    """Write incidents/README.md: a table of every incident, newest first.

    Columns: id (linked), started, severity, status, stage, title. The table sits
    between marker comments; text around it is kept. Once the file exists, the
    pre-commit hook keeps the rows of the incidents you commit current.
    """
    from incidentflow.reports.index import index_is_current, index_path, update_index

    workspace = open_workspace()
    path = shown_path(index_path(workspace.config))
    if check_only:
        if index_is_current(workspace.config):
            click.echo(f"{path} is up to date", err=True)
            return
        click.echo(f"{path} is out of date; run: incident index")
        ctx.exit(int(ExitCode.FAILED))
    existed = index_path(workspace.config).exists()
    if update_index(workspace.config):
        click.echo(f"{'updated' if existed else 'created'} {path}")
    else:
        click.echo(f"{path} is up to date", err=True)
