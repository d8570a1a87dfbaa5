"""Build incidents whose stage files meet (or miss) their goals, using the CLI itself."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import Repo, incident

DAY = "2026-11-25"
# Milestones as times of the incident's day (the date its id starts with), in order.
STARTED = "T10:00:00+00:00"
DETECTED = "T10:05:00+00:00"
CONTAINED = "T10:40:00+00:00"
RESOLVED = "T12:00:00+00:00"

STAGE_FILES = ("01-triage.md", "02-diagnosis.md", "03-summary.md", "04-postmortem.md")

ACTION_ROW = "| Reject empty carts before pricing | ana | 2026-12-15 | prevent"

# What each section gets when a stage is completed; anything not listed gets generic prose.
SECTION_TEXT = {
    "Failing path": "POST /checkout calls `app.py:1`, which divides by the item count.",
    "Action items": (f"| Action | Owner | Due | Type |\n|---|---|---|---|\n{ACTION_ROW} |"),
    "What happened": "Checkout failed for carts left empty after a coupon removed every item.",
}

_HEADING = re.compile(r"^## (.+?)\s*$")


def app_file(repo: Repo) -> None:
    """Commit the source file the diagnosis cites (`app.py:1`), so the reference resolves."""
    repo.write("app.py", "def price(total, count):\n    return total / count\n")
    repo.git("add", "app.py")
    repo.git("commit", "-q", "--no-verify", "-m", "app")


def new_incident(
    title: str = "Checkout API 500s", *, severity: str = "SEV2", day: str = DAY
) -> str:
    """Run `incident new` for an incident that started on ``day``; return its id."""
    result = incident(
        "new",
        title,
        "--severity",
        severity,
        "--started-at",
        day + STARTED,
        "--detected-at",
        day + DETECTED,
    )
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip()).name


def set_meta(repo: Repo, incident_id: str, key: str, value: str) -> None:
    """Replace one top-level line of `incident.yaml` (value written as given)."""
    relpath = f"incidents/{incident_id}/incident.yaml"
    text, count = re.subn(rf"(?m)^{key}:.*$", f"{key}: {value}", repo.read(relpath))
    assert count == 1, f"{key} not found in {relpath}"
    repo.write(relpath, text)


def fill(repo: Repo, relpath: str, texts: dict[str, str] | None = None) -> None:
    """Fill every `TODO` placeholder of a stage file, section by section.

    A scaffolded Action items table without rows gets one row (blank extra columns).
    """
    chosen = {**SECTION_TEXT, **(texts or {})}
    section = ""
    lines = []
    for line in repo.read(relpath).splitlines():
        heading = _HEADING.match(line)
        if heading:
            section = heading.group(1)
        if line.strip() == "TODO":
            line = chosen.get(section, f"{section}: written down by the responders.")
        lines.append(line)
        if section == "Action items" and re.fullmatch(r"\|[-| :]+\|", line.strip()):
            extra = line.strip().count("|") - 5
            lines.append(ACTION_ROW + " |" + " |" * extra)
    repo.write(relpath, "\n".join(lines) + "\n")


def changelog_text(incident_id: str) -> str:
    """The changelog entry the helper writes for an incident."""
    return f"Checkout no longer fails when a coupon empties the cart ({incident_id})."


def complete(repo: Repo, incident_id: str, stage_file: str) -> None:
    """Make one stage file meet its goal (setting the milestone it needs)."""
    relpath = f"incidents/{incident_id}/{stage_file}"
    day = incident_id[:10]
    if stage_file == STAGE_FILES[0]:
        set_meta(repo, incident_id, "contained_at", f'"{day}{CONTAINED}"')
    if stage_file == STAGE_FILES[3]:
        set_meta(repo, incident_id, "resolved_at", f'"{day}{RESOLVED}"')
    fill(repo, relpath, {"Changelog entry": changelog_text(incident_id)})


def advance(incident_id: str) -> None:
    """Scaffold the next stage; fails the test if the current one misses its goal."""
    result = incident("next", incident_id)
    assert result.exit_code == 0, result.stdout + result.stderr


def build(repo: Repo, incident_id: str, *, through: int, last_complete: bool = True) -> None:
    """Write stage files 1..``through`` of a new incident, each earlier one complete."""
    for number in range(1, through + 1):
        if number > 1:
            advance(incident_id)
        if number < through or last_complete:
            complete(repo, incident_id, STAGE_FILES[number - 1])


def stage_path(incident_id: str, number: int) -> str:
    """Repo-relative path of stage ``number`` (1-4) of an incident."""
    return f"incidents/{incident_id}/{STAGE_FILES[number - 1]}"
