"""`incident new TITLE`: start an incident."""

from __future__ import annotations

import click

from incidentflow.commands._complete import incident_types, severities
from incidentflow.commands._shared import TIME_FORMS, now, open_workspace, shown_path
from incidentflow.model.times import parse_user_time
from incidentflow.workflow.scaffold import NewIncident, create_incident


@click.command("new")
@click.argument("title")
@click.option(
    "--severity",
    shell_complete=severities,
    help="One of the configured levels (default SEV1..SEV4); default: the middle one.",
)
@click.option(
    "--type",
    "kind",
    shell_complete=incident_types,
    help="A configured incident type (types: in .incident.yaml): its sections and runbooks.",
)
@click.option("--commander", help="Incident commander; default: your git user.name.")
@click.option("--service", "services", multiple=True, help="An affected service (repeatable).")
@click.option(
    "--started-at",
    help=f"When impact began: {TIME_FORMS} Default: now.",
)
@click.option(
    "--detected-at",
    help=f"When it was noticed: {TIME_FORMS} Default: now.",
)
@click.option("--branch", is_flag=True, help="Create and switch to git branch incident/<id> first.")
def command(
    title: str,
    severity: str | None,
    kind: str | None,
    commander: str | None,
    services: tuple[str, ...],
    started_at: str | None,
    detected_at: str | None,
    branch: bool,
) -> None:
    """Start an incident: its directory, metadata, timeline and the triage stage file.

    Prints the new incident's directory.

    \b
    Examples:
      incident new "Checkout API returning 500s"
      incident new "Login errors" --severity SEV2 --service auth --started-at 14:02 --branch
      incident new "Leaked API token in a public gist" --type security --severity sev1
    """
    workspace = open_workspace()
    clock = now()
    tz = workspace.config.tz()
    started = (
        parse_user_time(started_at, now=clock, tz=tz, option="--started-at") if started_at else None
    )
    request = NewIncident(
        title=title,
        severity=severity,
        commander=commander,
        services=services,
        started_at=started,
        detected_at=parse_user_time(
            detected_at, now=clock, tz=tz, option="--detected-at", started=started
        )
        if detected_at
        else None,
        branch=branch,
        kind=kind,
    )
    notes: list[str] = []
    path = create_incident(workspace, request, now=clock, notes=notes)
    for note in notes:
        click.echo(note, err=True)
    click.echo(shown_path(path))
