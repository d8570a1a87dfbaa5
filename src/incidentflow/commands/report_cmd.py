"""`incident report [ID] [--format markdown|text|html] [-o FILE]`: a stakeholder summary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import emit, now, open_workspace
from incidentflow.reports.report import FORMATS

_BY_SUFFIX = {".html": "html", ".htm": "html", ".txt": "text", ".text": "text"}


@click.command("report")
@click.argument("incident_id", required=False, metavar="[ID]", shell_complete=incident_ids)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    help="Output format. Default: from the -o file's extension (.html, .txt), else markdown.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE instead of stdout.",
)
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True, help="Pretend today is this date."
)
def command(
    incident_id: str | None, fmt: str | None, output: Path | None, today: dt.datetime | None
) -> None:
    """Summarize one incident for stakeholders, on one page.

    Title, severity, status, the summary stage's sections, key times with time to
    detect, contain and resolve, impact, and action items (overdue ones marked).
    --format html writes a single self-contained file: inline CSS, no scripts, nothing
    loaded from the network; it reads well on a phone and prints cleanly.

    \b
    Examples:
      incident report
      incident report checkout -o report.html
      incident report --format text | mail -s "Incident report" stakeholders@example.com
    """
    from incidentflow.reports.report import load_digest, render_report

    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    day = today.date() if today else now().astimezone(workspace.config.tz()).date()
    suffix = output.suffix.lower() if output else ""
    chosen_format = fmt or _BY_SUFFIX.get(suffix, "markdown")
    text = render_report(
        load_digest(workspace, chosen, today=day), config=workspace.config, fmt=chosen_format
    )
    emit(text, output)
