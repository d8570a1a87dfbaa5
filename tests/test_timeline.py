"""incident log, milestones, and the timeline assembled from files, metadata and git."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo, incident

from incidentflow.timeline.entries import parse_timeline

ID = "2026-11-25-checkout-api-500s"
ENTRY = re.compile(r"^- \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2} — .+ \(.+\)$")


@pytest.fixture
def opened(repo: Repo) -> Path:
    result = incident(
        "new",
        "Checkout API 500s",
        "--severity",
        "SEV2",
        "--started-at",
        "2026-11-25T14:02:00Z",
        "--detected-at",
        "2026-11-25T14:09:00Z",
    )
    assert result.exit_code == 0, result.stderr
    return repo.root / "incidents" / ID


def test_log_appends_an_entry(opened: Path) -> None:
    result = incident(
        "log", "rolled back web to v41", "--at", "2026-11-25T14:20:00Z", "--author", "bo"
    )
    assert result.stdout == "- 2026-11-25T14:20:00+00:00 — rolled back web to v41 (bo)\n"
    assert (opened / "timeline.md").read_text().endswith(result.stdout)


def test_milestone_sets_the_time_and_keeps_comments(opened: Path) -> None:
    meta = opened / "incident.yaml"
    meta.write_text(
        meta.read_text().replace("contained_at: null", "contained_at: null  # set when stable")
    )
    before = meta.read_text()
    result = incident("log", "flag off", "--at", "2026-11-25T14:31:00Z", "--milestone", "contained")
    assert result.exit_code == 0, result.stderr
    after = meta.read_text()
    assert after == before.replace(
        "contained_at: null  # set when stable",
        'contained_at: "2026-11-25T14:31:00+00:00"  # set when stable',
    )
    assert incident("show", "--json").stdout.count('"status": "contained"') == 1


@pytest.mark.parametrize(
    ("milestone", "at", "message"),
    [
        (
            "detected",
            "2026-11-25T13:00:00Z",
            "detected_at (2026-11-25T13:00:00+00:00) is before started_at (2026-11-25T14:02:00+00:00)",
        ),
        (
            "contained",
            "2026-11-25T14:05:00Z",
            "contained_at (2026-11-25T14:05:00+00:00) is before detected_at (2026-11-25T14:09:00+00:00)",
        ),
    ],
)
def test_milestone_out_of_order_is_refused(
    opened: Path, milestone: str, at: str, message: str
) -> None:
    before = {p.name: p.read_bytes() for p in opened.iterdir()}
    result = incident("log", "x", "--at", at, "--milestone", milestone)
    assert result.exit_code == 2
    line = {"detected": 10, "contained": 11}[milestone]
    assert result.stderr == (
        f"error: refusing to set {milestone}_at: incidents/{ID}/incident.yaml:{line}: {message}\n"
    )
    assert {p.name: p.read_bytes() for p in opened.iterdir()} == before


def test_resolved_before_contained_is_refused(opened: Path) -> None:
    assert (
        incident("log", "ok", "--at", "2026-11-25T15:00:00Z", "--milestone", "contained").exit_code
        == 0
    )
    refused = incident("log", "fix", "--at", "2026-11-25T14:50:00Z", "--milestone", "resolved")
    assert refused.exit_code == 2
    assert "resolved_at (2026-11-25T14:50:00+00:00) is before contained_at" in refused.stderr


def test_times_typed_as_clock_or_relative(opened: Path) -> None:
    assert re.match(
        r"^- \d{4}-\d{2}-\d{2}T09:15:00\+00:00 — x \(Ana Oncall\)$",
        incident("log", "x", "--at", "09:15").stdout,
    )
    assert incident("log", "x", "--at", "-15m").exit_code == 0
    bad = incident("log", "x", "--at", "yesterday-ish")
    assert (
        bad.stderr
        == "error: invalid time 'yesterday-ish': use ISO-8601 (2026-11-25T14:05+01:00), HH:MM or -15m\n"
    )


def test_concurrent_processes_lose_no_entry(opened: Path, repo: Repo) -> None:
    script = (
        "import sys\n"
        "from incidentflow.main import main\n"
        "for n in range(200):\n"
        "    try:\n"
        "        main(['log', f'writer {sys.argv[1]} entry {n}', '--author', 'w' + sys.argv[1]])\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
    )
    env = {**os.environ}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(n)],
            cwd=repo.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    lines = [
        line for line in (opened / "timeline.md").read_text().splitlines() if line.startswith("- ")
    ]
    assert len(lines) == 1 + 3 * 200
    assert all(ENTRY.match(line) for line in lines)
    for writer in range(3):
        for n in range(200):
            assert sum(f"— writer {writer} entry {n} (w{writer})" in line for line in lines) == 1


def test_timeline_from_files_metadata_and_git(repo: Repo, opened: Path) -> None:
    timeline = opened / "timeline.md"
    timeline.write_text(
        "# Timeline\n\n"
        "- 2026-11-25T14:12:00+00:00 — paged payments on-call (ana)\n"
        "- 2026-11-25T14:31:00+00:00 — flag payments.retry_v2 off (bo)\n"
        "- 2026-11-25T14:31:00+00:00 — flag payments.retry_v2 off (bo)\n"
        "- not a time — broken line (x)\n"
    )
    meta = opened / "incident.yaml"
    meta.write_text(
        meta.read_text().replace("contained_at: null", 'contained_at: "2026-11-25T14:31:00+00:00"')
    )
    sha = repo.commit_all("triage", date="2026-11-25T14:40:00+00:00")
    result = incident("timeline", "--json")
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: incidents/{ID}/timeline.md:6: skipped: not `- <ISO time> — <text> (<author>)`\n"
    )
    rows = [
        (e["time"], e["event"], e["source"], e["author"], e["milestone"])
        for e in json.loads(result.stdout)
    ]
    assert rows == [
        ("2026-11-25T14:02:00+00:00", "Impact started", "incident.yaml", "", "started_at"),
        ("2026-11-25T14:09:00+00:00", "Detected", "incident.yaml", "", "detected_at"),
        ("2026-11-25T14:12:00+00:00", "paged payments on-call", "timeline.md:3", "ana", None),
        (
            "2026-11-25T14:31:00+00:00",
            "flag payments.retry_v2 off",
            "timeline.md:4",
            "bo",
            "contained_at",
        ),
        (
            "2026-11-25T14:40:00+00:00",
            "Triage first committed",
            f"git {sha[:7]}",
            "Ana Oncall",
            None,
        ),
    ]
    assert "- not a time — broken line (x)" in timeline.read_text()
    table = incident("timeline").stdout.splitlines()
    assert (
        table[5]
        == "| 2026-11-25T14:31:00+00:00 | **Contained:** flag payments.retry_v2 off (bo) | timeline.md:4 |"
    )


def test_timeline_table_and_mermaid_chart() -> None:
    import datetime as dt

    from incidentflow.timeline.assemble import Event, markdown_table
    from incidentflow.timeline.gantt import mermaid_gantt

    utc = dt.timezone.utc
    t = lambda h, m: dt.datetime(2026, 11, 25, h, m, tzinfo=utc)  # noqa: E731
    times = {
        "started_at": t(14, 2),
        "detected_at": t(14, 9),
        "contained_at": t(14, 31),
        "resolved_at": t(16, 40),
    }
    events = [
        Event(t(14, 2), "Impact started", "incident.yaml", milestone="started_at"),
        Event(t(14, 20), "rolled back | web", "timeline.md:5", "bo"),
    ]
    assert markdown_table(events).splitlines() == [
        "| Time | Event | Source |",
        "| --- | --- | --- |",
        "| 2026-11-25T14:02:00+00:00 | **Impact started** | incident.yaml |",
        "| 2026-11-25T14:20:00+00:00 | rolled back \\| web (bo) | timeline.md:5 |",
    ]
    chart = mermaid_gantt(events, title="Checkout: API 500s; #1", times=times, tz=utc)
    assert chart.splitlines() == [
        "```mermaid",
        "gantt",
        "    title Checkout#58; API 500s#59; #35;1",
        "    dateFormat YYYY-MM-DD HH:mm",
        "    axisFormat %H:%M",
        "    section Response",
        "    Detection :crit, 2026-11-25 14:02, 2026-11-25 14:09",
        "    Containment :2026-11-25 14:09, 2026-11-25 14:31",
        "    Resolution :2026-11-25 14:31, 2026-11-25 16:40",
        "    section Events",
        "    Impact started :milestone, 2026-11-25 14:02, 0m",
        "    rolled back | web :milestone, 2026-11-25 14:20, 0m",
        "```",
    ]


def test_parse_timeline_sorts_and_dedupes() -> None:
    entries, skipped = parse_timeline(
        "# T\n- 2026-11-25T15:00:00+00:00 — b (x)\n- 2026-11-25T14:00:00+00:00 — a (x)\n"
        "- 2026-11-25T15:00:00+00:00 — b (x)\n- garbage\n"
    )
    assert [e.text for e in entries] == ["a", "b"]
    assert [s.line for s in skipped] == [5]
