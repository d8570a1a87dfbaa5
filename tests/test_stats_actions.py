"""incident stats on incidents with known times, and incident actions with a pinned today."""

from __future__ import annotations

import json

from conftest import Repo, incident

from incidentflow.reports.stats import p90


def write_incident(
    repo: Repo, incident_id: str, severity: str, times: dict[str, str | None], postmortem: str = ""
) -> None:
    lines = [
        f"id: {incident_id}",
        'title: "x"',
        f"severity: {severity}",
        'commander: "a"',
        "services: []",
    ]
    for key in ("started_at", "detected_at", "contained_at", "resolved_at"):
        value = times.get(key)
        lines.append(f'{key}: "{value}"' if value else f"{key}: null")
    repo.write(f"incidents/{incident_id}/incident.yaml", "\n".join(lines) + "\n")
    if postmortem:
        repo.write(f"incidents/{incident_id}/04-postmortem.md", postmortem)


def t(hhmm: str, day: int = 10) -> str:
    return f"2026-11-{day:02d}T{hhmm}:00+00:00"


def test_p90_is_nearest_rank() -> None:
    assert p90([5.0]) == 5.0
    assert p90([float(n) for n in range(1, 11)]) == 9.0
    assert p90([float(n) for n in range(1, 12)]) == 10.0


def test_stats_medians_and_p90s(repo: Repo) -> None:
    # time to detect (min): 5, 10, 20, 40 -> median 15, p90 40
    # time to contain (min): 30, 60, 90 (one incident never contained) -> median 60, p90 90
    # time to resolve (min): 120, 240 -> median 180, p90 240
    write_incident(
        repo,
        "2026-11-10-a",
        "SEV1",
        {
            "started_at": t("10:00"),
            "detected_at": t("10:05"),
            "contained_at": t("10:35"),
            "resolved_at": t("12:00"),
        },
    )
    write_incident(
        repo,
        "2026-11-11-b",
        "SEV2",
        {
            "started_at": t("10:00", 11),
            "detected_at": t("10:10", 11),
            "contained_at": t("11:10", 11),
            "resolved_at": t("14:00", 11),
        },
    )
    write_incident(
        repo,
        "2026-11-12-c",
        "SEV2",
        {
            "started_at": t("10:00", 12),
            "detected_at": t("10:20", 12),
            "contained_at": t("11:50", 12),
        },
    )
    write_incident(
        repo, "2026-11-13-d", "SEV3", {"started_at": t("10:00", 13), "detected_at": t("10:40", 13)}
    )
    result = json.loads(incident("stats", "--json").stdout)
    assert result["incidents"] == 4
    assert result["by_severity"] == {"SEV1": 1, "SEV2": 2, "SEV3": 1, "SEV4": 0}
    m = result["measures"]
    assert m["time_to_detect"] == {
        "count": 4,
        "left_out": 0,
        "median_minutes": 15.0,
        "p90_minutes": 40.0,
    }
    assert m["time_to_contain"] == {
        "count": 3,
        "left_out": 1,
        "median_minutes": 60,
        "p90_minutes": 90.0,
    }
    assert m["time_to_resolve"] == {
        "count": 2,
        "left_out": 2,
        "median_minutes": 180.0,
        "p90_minutes": 240.0,
    }
    text = incident("stats").stdout.splitlines()
    assert (
        "time to contain (detected → contained): median 1h 0m, p90 1h 30m (3 incidents, 1 left out)"
        in text
    )
    since = json.loads(incident("stats", "--since", "2026-11-12", "--json").stdout)
    assert since["incidents"] == 2
    assert since["measures"]["time_to_detect"]["median_minutes"] == 30.0


POSTMORTEM = """---
stage: postmortem
incident: {id}
---
# Postmortem

## Action items

<!-- | Action | Owner | Due | Type | Status | in a comment is not the table -->
| Action | Owner | Due | Type | Status |
|--------|-------|-----|------|--------|
| Cap payment retries | @ana | 2026-11-20 | prevent | done |
| Alert on pool wait | bo | 2026-11-20 | detect | |
| [x] Runbook for flag | bo | 2026-11-01 | process | |
| Load test checkout | ana | 2026-12-15 | prevent | |
| Decide on budget | ? | soon | process | |
"""


def test_actions_across_postmortems(repo: Repo) -> None:
    write_incident(
        repo,
        "2026-11-10-a",
        "SEV2",
        {"started_at": t("10:00")},
        POSTMORTEM.format(id="2026-11-10-a"),
    )
    write_incident(repo, "2026-11-11-b", "SEV3", {"started_at": t("10:00", 11)})
    rows = json.loads(incident("actions", "--json", "--today", "2026-11-25").stdout)
    assert [
        (r["action"], r["owner"], r["due"], r["type"], r["done"], r["overdue"]) for r in rows
    ] == [
        ("Cap payment retries", "@ana", "2026-11-20", "prevent", True, False),
        ("Alert on pool wait", "bo", "2026-11-20", "detect", False, True),
        ("[x] Runbook for flag", "bo", "2026-11-01", "process", True, False),
        ("Load test checkout", "ana", "2026-12-15", "prevent", False, False),
        ("Decide on budget", "?", "soon", "process", False, False),
    ]
    assert rows[0]["incident"] == "2026-11-10-a" and rows[0]["line"] == 12
    overdue = json.loads(incident("actions", "--overdue", "--json", "--today", "2026-11-25").stdout)
    assert [r["action"] for r in overdue] == ["Alert on pool wait"]
    assert [
        r["action"] for r in json.loads(incident("actions", "--owner", "ANA", "--json").stdout)
    ] == [
        "Cap payment retries",
        "Load test checkout",
    ]
    table = incident("actions", "--today", "2026-12-31").stdout.splitlines()
    assert table[0].split() == [
        "INCIDENT", "OWNER", "DUE", "TYPE", "STATE", "STATUS", "FIXED", "BY", "TICKET", "ACTION"
    ]  # fmt: skip
    assert "OVERDUE" in table[4] and "Load test checkout" in table[4]
