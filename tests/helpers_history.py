"""A repository holding several incidents written directly as files, at times relative to now."""

from __future__ import annotations

import datetime as dt

from conftest import Repo

NOW = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)


def ago(**delta: float) -> dt.datetime:
    """A moment this long before the test started."""
    return NOW - dt.timedelta(**delta)


def write_incident(
    repo: Repo,
    slug: str,
    *,
    severity: str,
    started: dt.datetime,
    resolved: dt.datetime | None = None,
    services: tuple[str, ...] = (),
    kind: str | None = None,
    stages: dict[str, str] | None = None,
) -> str:
    """Write `incident.yaml` (detected 5 minutes and contained 30 after ``started``) and
    the given stage files (`04-postmortem.md`: text); return the id."""
    incident_id = f"{started:%Y-%m-%d}-{slug}"
    lines = [
        f"id: {incident_id}",
        f'title: "{slug.replace("-", " ").capitalize()}"',
        f"severity: {severity}",
        *([f"type: {kind}"] if kind else []),
        'commander: "ana"',
        f"services: [{', '.join(services)}]",
        f'started_at: "{started.isoformat()}"',
        f'detected_at: "{(started + dt.timedelta(minutes=5)).isoformat()}"',
        f'contained_at: "{(started + dt.timedelta(minutes=30)).isoformat()}"',
        f'resolved_at: "{resolved.isoformat()}"' if resolved else "resolved_at: null",
    ]
    repo.write(f"incidents/{incident_id}/incident.yaml", "\n".join(lines) + "\n")
    for name, text in (stages or {}).items():
        repo.write(f"incidents/{incident_id}/{name}", text)
    return incident_id


def stage_text(stage: str, incident_id: str, sections: dict[str, str]) -> str:
    """A stage file with front matter and the given `##` sections."""
    body = "".join(f"## {title}\n\n{text}\n\n" for title, text in sections.items())
    return f"---\nstage: {stage}\nincident: {incident_id}\n---\n\n# {stage.capitalize()}\n\n{body}"
