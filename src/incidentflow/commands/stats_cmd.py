"""`incident stats`: counts per severity and time to detect, contain and resolve."""

from __future__ import annotations

import datetime as dt

import click

from incidentflow.commands._shared import echo_json, open_workspace
from incidentflow.model.durations import LABELS, MEASURES
from incidentflow.reports.stats import compute_stats


@click.command("stats")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Only incidents started on or after this date.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(since: dt.datetime | None, as_json: bool) -> None:
    """Count incidents per severity; median and p90 of time to detect, contain and resolve.

    Time to detect is detected - started, to contain contained - detected, to resolve
    resolved - started. Incidents without the needed times are left out (and counted).
    p90 uses the nearest-rank method.
    """
    workspace = open_workspace()
    stats = compute_stats(workspace, since=since.date() if since else None)
    if as_json:
        echo_json(stats.as_dict())
        return
    click.echo(f"incidents: {stats.incidents}")
    for severity, count in stats.by_severity.items():
        click.echo(f"  {severity:<6} {count}")
    for name, measure in stats.measures.items():
        start, end = MEASURES[name]
        label = f"{name.replace('_', ' ')} ({LABELS[start].lower()} → {LABELS[end].lower()})"
        if measure.median_minutes is None or measure.p90_minutes is None:
            click.echo(f"{label}: no incident has the times needed")
            continue
        left_out = f", {measure.left_out} left out" if measure.left_out else ""
        median, high = _minutes(measure.median_minutes), _minutes(measure.p90_minutes)
        plural = "" if measure.count == 1 else "s"
        counted = f"{measure.count} incident{plural}{left_out}"
        click.echo(f"{label}: median {median}, p90 {high} ({counted})")
    at = {level: minutes for level, minutes in stats.minutes_at_severity.items() if minutes}
    if at:
        shown = ", ".join(f"{level} {_minutes(minutes)}" for level, minutes in at.items())
        click.echo(f"time at each severity (start → resolved, changes from the timeline): {shown}")


def _minutes(value: float) -> str:
    from incidentflow.model.times import format_duration

    return format_duration(dt.timedelta(minutes=value))
