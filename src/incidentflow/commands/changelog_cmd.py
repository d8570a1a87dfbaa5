"""`incident changelog [--check]`: add missing changelog entries for finished postmortems."""

from __future__ import annotations

import click

from incidentflow.changelog.update import add_entries, finished_entry, missing_entries
from incidentflow.commands._shared import open_workspace
from incidentflow.errors import ExitCode
from incidentflow.model.incidents import evaluate
from incidentflow.model.stages import POSTMORTEM


@click.command("changelog")
@click.option(
    "--check", "check_only", is_flag=True, help="Change nothing; exit 1 if an entry is missing."
)
@click.pass_context
def command(ctx: click.Context, check_only: bool) -> None:
    """Add the changelog entry of every finished postmortem that lacks one.

    An entry is recognised by its <!-- incident:ID --> marker anywhere in the file, so an
    entry already released under a version is never added twice.
    """
    workspace = open_workspace()
    config = workspace.config
    entries = []
    for incident_id in workspace.ids():
        report = evaluate(workspace.tree, config, incident_id, only=[POSTMORTEM])
        entry = finished_entry(report, config)
        if entry is not None:
            entries.append(entry)
    if check_only:
        missing = missing_entries(config, entries)
        for entry in missing:
            click.echo(f"{config.changelog}: missing the entry for {entry.incident_id}")
        ctx.exit(int(ExitCode.FAILED) if missing else 0)
    added = add_entries(config, entries)
    for entry in added:
        click.echo(f"{config.changelog}: added the entry for {entry.incident_id}")
    if not added:
        click.echo(f"{config.changelog} is up to date", err=True)
