"""`incident show [ID]`: metadata, each stage's goal status, unmet goals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from incidentflow.commands._complete import incident_ids
from incidentflow.commands._shared import echo_json, now, open_workspace
from incidentflow.model import history
from incidentflow.model.deadlines import postmortem_deadline
from incidentflow.model.durations import spans
from incidentflow.model.gate import ordering_problems, override_warnings
from incidentflow.model.incidents import judged_in_the_past
from incidentflow.model.metadata import MILESTONES
from incidentflow.model.times import format_duration
from incidentflow.timeline.assemble import assemble, labelled
from incidentflow.workflow.updates import update_due


@click.command("show")
@click.argument("incident_id", required=False, metavar="[ID]", shell_complete=incident_ids)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(incident_id: str | None, as_json: bool) -> None:
    """Show an incident: metadata, derived status, and each stage's goal.

    ID is a full id, a unique prefix or substring; without it, the incident around the
    current directory, else the only open one.

    \b
    Examples:
      incident show
      incident show checkout --json
    """
    workspace = open_workspace()
    chosen = workspace.resolve_id(incident_id, cwd=Path.cwd())
    report = workspace.report(chosen)
    problems = [*report.meta_problems, *ordering_problems(report)]
    events, _ = assemble(workspace, report)
    meta = report.meta
    past = judged_in_the_past(report, workspace.head_resolver())
    clock = now()
    entries = history.timeline_entries(workspace.tree, report.directory)
    due = update_due(workspace.config, report, entries, now=clock)
    held = history.role_holders(meta, entries, workspace.config.roles)
    overrides = history.overrides(entries)
    warnings = override_warnings(report)
    deadline = postmortem_deadline(
        workspace.config,
        severity=meta.severity,
        resolved_at=meta.time("resolved_at"),
        finished=report.finished,
        now=clock,
    )
    if as_json:
        echo_json(
            {
                "id": report.id,
                "title": meta.title,
                "severity": meta.severity,
                "type": meta.kind,
                "commander": meta.commander,
                "roles": meta.roles,
                "services": meta.services,
                "links": meta.links,
                "custom": meta.custom,
                "severity_history": [c.as_dict() for c in history.severity_changes(entries)],
                "time_at_severity_minutes": {
                    level: int(spent.total_seconds() // 60)
                    for level, spent in history.time_at_severity(meta, entries, now=clock).items()
                },
                "roles_held": [
                    {"role": role, "person": person, "from": _iso(since), "until": _iso(until)}
                    for role, person, since, until in held
                ],
                "updates": [u.as_dict() for u in history.updates(entries)],
                "next_update": (
                    {"due": due[0].isoformat(), "overdue": due[1]} if due is not None else None
                ),
                "overrides": [o.as_dict() for o in overrides],
                "warnings": [w.as_dict() for w in warnings],
                "status": report.status,
                "postmortem_needed": report.postmortem_needed,
                "postmortem_due": deadline.due.isoformat() if deadline else None,
                "postmortem_overdue": deadline.overdue if deadline else False,
                "stage": report.current.stage.key if report.current else None,
                **{key: _iso(meta.time(key)) for key in MILESTONES},
                "durations": {
                    span.name: {
                        "minutes": int(span.length.total_seconds() // 60) if span.length else None,
                        "from": span.start,
                        "to": span.end,
                    }
                    for span in spans(meta)
                },
                "metadata_problems": [p.as_dict() for p in problems],
                "timeline": [event.as_dict() for event in events],
                "references_judged_in_the_past": [
                    {"path": path, "line": ref.line, "reference": ref.text, "judged_at": commit}
                    for path, ref, commit in past
                ],
                "stages": [
                    {
                        "stage": r.stage.key,
                        "path": r.path,
                        "exists": r.exists,
                        "goal_met": r.met,
                        "problems": [p.as_dict() for p in r.problems],
                    }
                    for r in report.stages
                ],
            }
        )
        return
    click.echo(f"{report.id}  {meta.title}")
    click.echo(f"  severity   {meta.severity or '?'}")
    click.echo(f"  status     {report.status}")
    if deadline is not None:
        click.echo(f"  postmortem {deadline.describe()}")
    elif not report.postmortem_needed:
        click.echo(f"  postmortem not needed for {meta.severity}: closed once resolved")
    if meta.kind:
        click.echo(f"  type       {meta.kind}")
    click.echo(f"  commander  {meta.commander or '-'}")
    for role, person in meta.roles.items():
        click.echo(f"  {role:<10} {person}")
    click.echo(f"  services   {', '.join(meta.services) or '-'}")
    for relation, others in meta.links.items():
        click.echo(f"  {relation.replace('_', ' '):<10} {', '.join(others)}")
    if due is not None:
        local = due[0].astimezone(workspace.config.tz())
        today = clock.astimezone(workspace.config.tz()).date()
        when = local.strftime("%H:%M %Z" if local.date() == today else "%Y-%m-%d %H:%M %Z")
        state = f"OVERDUE since {when}" if due[1] else f"due by {when}"
        click.echo(f"  update     {state} (incident update TEXT)")
    ending = {span.end: span for span in spans(meta)}
    for key in MILESTONES:
        value = meta.time(key)
        span = ending.get(key)
        took = ""
        if span is not None and span.length is not None:
            took = f"  ({format_duration(span.length)} to {span.verb}: {span.base})"
        click.echo(f"  {key:<13}{value.isoformat() if value else '-'}{took}")
    age = report.age(clock)
    if age is not None and report.is_open and meta.time("resolved_at") is None:
        click.echo(f"  open for   {format_duration(age)}")
    click.echo("")
    for result in report.stages:
        mark = "done" if result.met else ("open" if result.exists else "    ")
        goal = result.stage.goal if result.exists or result.stage.number == 1 else ""
        click.echo(f"  [{mark}] {result.stage.number}. {result.stage.key:<11}{goal}")
        for problem in result.problems:
            click.echo(f"         {problem}")
    for problem in [*problems, *warnings]:
        click.echo(f"  {problem}")
    changes = history.severity_changes(entries)
    if changes or len(held) > len(meta.roles) + 1:
        click.echo("")
        click.echo("  history")
        for change in changes:
            said = f"severity {change.old} → {change.new}: {change.reason} ({change.author})"
            click.echo(f"    {change.time.isoformat()}  {said}")
        for role, person, since, until in held:
            held_for = f"{_iso(since) or 'start'} → {_iso(until) or 'now'}"
            click.echo(f"    {role:<10} {person}  {held_for}")
    if past:
        click.echo("")
        click.echo("  code cited that has changed since (information, not a problem)")
        for path, ref, commit in past:
            what = "is no longer in this clone" if ref.commit else "has changed since"
            click.echo(
                f"    {path}:{ref.line}: `{ref.text}` {what}; judged at {commit[:12]}, as it "
                "was when the line was written (incident pin makes it a permalink)"
            )
    if events:
        click.echo("")
        click.echo("  timeline")
        for event in events:
            who = f" ({event.author})" if event.author else ""
            click.echo(f"    {event.time.isoformat()}  {labelled(event)}{who}")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
