"""Postmortem deadlines per severity, counted from resolved_at; severities that need none."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import Repo, incident
from helpers_history import ago, write_incident

from incidentflow.model.config import Span, load_config
from incidentflow.model.deadlines import postmortem_due


@pytest.fixture
def history(repo: Repo) -> dict[str, str]:
    """A SEV1 resolved a day ago, a SEV2 resolved three weeks ago, a SEV3 still active and a
    SEV4 resolved a week ago, none with a postmortem; committed."""
    ids = {
        "fresh": write_incident(
            repo, "fresh-sev1", severity="SEV1", started=ago(days=1, hours=2), resolved=ago(days=1)
        ),
        "late": write_incident(
            repo, "late-sev2", severity="SEV2", started=ago(days=21, hours=1), resolved=ago(days=21)
        ),
        "active": write_incident(repo, "active-sev3", severity="SEV3", started=ago(hours=1)),
        "minor": write_incident(
            repo, "minor-sev4", severity="SEV4", started=ago(days=7, hours=1), resolved=ago(days=7)
        ),
    }
    repo.commit_all("incidents")
    return ids


def test_the_defaults_count_days_and_business_days(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    friday = dt.datetime(2026, 12, 4, 16, 0, tzinfo=dt.timezone.utc)
    assert postmortem_due(config, severity="SEV1", resolved_at=friday) == friday + dt.timedelta(
        days=3
    )
    # Five business days after a Friday: the next Friday; ten: the Friday after.
    assert postmortem_due(config, severity="SEV2", resolved_at=friday) == friday + dt.timedelta(
        days=7
    )
    assert postmortem_due(config, severity="sev3", resolved_at=friday) == friday + dt.timedelta(
        days=14
    )
    assert postmortem_due(config, severity="SEV4", resolved_at=friday) is None
    assert postmortem_due(config, severity="SEV1", resolved_at=None) is None
    assert Span(5, "bd").after(friday).weekday() == 4


def test_list_shows_the_deadline_and_overdue_lists_only_those(history: dict[str, str]) -> None:
    listed = incident("list")
    assert listed.exit_code == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()[1:]}
    assert "resolved, postmortem due 1d 23h" in lines[history["fresh"]]
    assert "resolved, postmortem OVERDUE" in lines[history["late"]]
    assert "postmortem" not in lines[history["active"]]
    assert " closed " in lines[history["minor"]]  # SEV4: closed once resolved

    overdue = incident("list", "--overdue", "--json")
    assert overdue.exit_code == 0
    rows = json.loads(overdue.stdout)
    assert [row["id"] for row in rows] == [history["late"]]
    assert rows[0]["postmortem_overdue"] is True
    assert rows[0]["postmortem_due"] is not None


def test_show_says_how_long_is_left(history: dict[str, str]) -> None:
    shown = incident("show", history["fresh"])
    assert shown.exit_code == 0, shown.stderr
    assert "  postmortem due in 1d 23h (" in shown.stdout
    late = incident("show", history["late"], "--json")
    data = json.loads(late.stdout)
    assert data["postmortem_overdue"] is True
    assert data["status"] == "resolved"
    minor = incident("show", history["minor"])
    assert "  status     closed" in minor.stdout
    assert "postmortem not needed for SEV4" in minor.stdout


def test_a_severity_configured_without_a_postmortem_is_finished(
    repo: Repo, history: dict[str, str]
) -> None:
    repo.write(
        ".incident.yaml",
        "severities:\n"
        "  - {name: SEV1, postmortem: 1d}\n"
        "  - {name: SEV2, postmortem: none}\n"
        "  - {name: SEV3}\n"
        "  - {name: SEV4}\n",
    )
    rows = {row["id"]: row for row in json.loads(incident("list", "--json").stdout)}
    assert rows[history["late"]]["status"] == "closed"
    assert rows[history["late"]]["postmortem_due"] is None
    # A SEV4 listed without `postmortem` needs one again, with no deadline.
    assert rows[history["minor"]]["status"] == "resolved"
    assert rows[history["minor"]]["postmortem_due"] is None
    assert rows[history["fresh"]]["postmortem_overdue"] is True  # one day after resolve
    assert incident("list", "--open", "--json").stdout.count(history["late"]) == 0
