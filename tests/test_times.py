"""Times that are honest: none in the future, records after the fact, corrections kept."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import Repo, incident

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["new", "Later", "--started-at", "+1h"], None),  # not a form at all
        (["new", "Later", "--started-at", iso(NOW + dt.timedelta(hours=2))], "--started-at"),
        (
            [
                "new",
                "Later",
                "--started-at",
                "-1h",
                "--detected-at",
                iso(NOW + dt.timedelta(minutes=5)),
            ],
            "--detected-at",
        ),
    ],
)
def test_a_time_in_the_future_is_refused(repo: Repo, args: list[str], option: str | None) -> None:
    result = incident(*args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    if option:
        assert result.stderr.startswith(f"error: {option} ") and "is in the future" in result.stderr
    assert not (repo.root / "incidents").exists()


def test_log_refuses_a_future_time_but_allows_clock_skew(repo: Repo) -> None:
    assert incident("new", "Queue backlog", "--started-at", "-1h").exit_code == 0
    ahead = incident("log", "x", "--at", iso(NOW + dt.timedelta(seconds=30)))
    assert ahead.exit_code == 0, ahead.stderr  # within a minute: a laptop's clock
    later = incident("log", "x", "--at", iso(NOW + dt.timedelta(minutes=10)))
    assert (
        later.exit_code == 2 and "error: --at " in later.stderr and "in the future" in later.stderr
    )


def test_a_record_after_the_fact_needs_the_detection_time(repo: Repo) -> None:
    """Written up three years later, "detected now" would make time to detect 3 years."""
    refused = incident(
        "new", "Database deleted on the wrong host", "--started-at", "2017-01-31T21:00:00Z"
    )
    assert refused.exit_code == 2
    assert "more than a day ago" in refused.stderr and "--detected-at" in refused.stderr
    created = incident(
        "new",
        "Database deleted on the wrong host",
        "--started-at",
        "2017-01-31T21:00:00Z",
        "--detected-at",
        "2017-01-31T23:27:00Z",
    )
    assert created.exit_code == 0, created.stderr
    directory = repo.root / created.stdout.strip()
    timeline = (directory / "timeline.md").read_text()
    assert not re.search(r"(?m)^- ", timeline)  # opening the record is no response event
    assert "Recorded after the fact on" in timeline
    shown = incident("show", "--json").stdout
    assert '"minutes": 147' in shown  # time to detect: 21:00 → 23:27


def test_a_clock_time_for_an_old_incident_is_ambiguous(repo: Repo) -> None:
    incident(
        "new",
        "Capacity removed",
        "--started-at",
        "2017-02-28T17:37:00Z",
        "--detected-at",
        "2017-02-28T17:40:00Z",
    )
    result = incident("log", "restart began", "--at", "18:04")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --at '18:04' is a time of day, but the incident started on 2017-02-28, more "
        "than a day ago; give the date too, e.g. 2017-02-28T18:04\n"
    )
    assert incident("log", "restart began", "--at", "2017-02-28T18:04:00Z").exit_code == 0


def test_moving_a_milestone_logs_the_correction(repo: Repo) -> None:
    incident("new", "Checkout 500s", "--started-at", "-2h", "--detected-at", "-110m")
    first = NOW - dt.timedelta(minutes=60)
    second = NOW - dt.timedelta(minutes=57)
    incident("log", "flag off", "--milestone", "contained", "--at", iso(first))
    moved = incident(
        "log", "flag off on the last node", "--milestone", "contained", "--at", iso(second)
    )
    assert moved.exit_code == 0, moved.stderr
    lines = moved.stdout.splitlines()
    assert len(lines) == 2
    assert f"Corrected contained_at: {iso(first)} → {iso(second)}" in lines[1]
    directory = next((repo.root / "incidents").iterdir())
    timeline = (directory / "timeline.md").read_text()
    assert f"Corrected contained_at: {iso(first)} → {iso(second)}" in timeline
    same = incident("log", "confirmed", "--milestone", "contained", "--at", iso(second))
    assert len(same.stdout.splitlines()) == 1  # the same time: nothing to correct


def test_entries_of_the_same_moment_keep_their_logged_order(repo: Repo) -> None:
    incident("new", "Queue backlog", "--started-at", "-1h")
    at = iso(NOW - dt.timedelta(minutes=20))
    for text in ("zeta: paged the DBA", "alpha: DBA joined", "mu: failover started"):
        assert incident("log", text, "--at", at).exit_code == 0
    shown = incident("timeline", "--json").stdout
    order = [text for text in ("zeta", "alpha", "mu") if f'"{text}:' in shown]
    assert order == ["zeta", "alpha", "mu"]
    positions = [shown.index(f'"{text}:') for text in order]
    assert positions == sorted(positions)
    table = incident("timeline").stdout
    assert table.index("zeta:") < table.index("alpha:") < table.index("mu:")


def test_every_duration_says_its_base(repo: Repo) -> None:
    incident(
        "new",
        "Checkout 500s",
        "--started-at",
        "2026-11-25T14:02:00Z",
        "--detected-at",
        "2026-11-25T14:09:00Z",
    )
    incident("log", "flag off", "--milestone", "contained", "--at", "2026-11-25T14:31:00Z")
    shown = incident("show").stdout
    assert "(7m to detect: started → detected)" in shown
    assert "(22m to contain: detected → contained)" in shown
    assert "+29m" not in shown  # once counted from the start, unlike the report
    stats = incident("stats").stdout
    assert "time to contain (detected → contained): median 22m" in stats
