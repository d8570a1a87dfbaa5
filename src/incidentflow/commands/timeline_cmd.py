"""`incident timeline [ID]`: the assembled timeline of one incident."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import echo_json, open_workspace
from incidentflow.timeline.assemble import assemble, markdown_table
from incidentflow.timeline.gantt import mermaid_gantt


@click.command("timeline")
@click.argument("incident_id", required=False, metavar="[ID]", shell_complete=incident_ids)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--mermaid", is_flag=True, help="Also print the Mermaid gantt chart.")
def command(incident_id: str | None, as_json: bool, mermaid: bool) -> None:
    """Print the incident's timeline: timeline.md, the milestones and the git history merged.

    Lines of timeline.md that do not parse are skipped with a warning naming the line; they
    are never removed from the file.
    """
    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    report = workspace.report(chosen, with_refs=False)
    events, skipped = assemble(workspace, report)
    for bad in skipped:
        click.echo(
            f"warning: {report.directory}/timeline.md:{bad.line}: skipped: {bad.reason}", err=True
        )
    if as_json:
        echo_json([event.as_dict() for event in events])
        return
    click.echo(markdown_table(events))
    if mermaid:
        click.echo("")
        click.echo(
            mermaid_gantt(
                events, title=report.meta.title, times=report.meta.times, tz=workspace.config.tz()
            )
        )
