"""Incident ids: slugs from any title, `-2` suffixes, and finding an incident from a hint."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import Repo, incident
from hypothesis import given
from hypothesis import strategies as st

from incidentflow.errors import IncidentError
from incidentflow.model.ids import ID_PATTERN, new_id, slugify

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Checkout API 500s", "checkout-api-500s"),
        ("Café crème: paiement échoué", "cafe-creme-paiement-echoue"),
        ("../../etc/passwd", "etc-passwd"),
        ("🔥🔥🔥", "incident"),
        ("שגיאה בתשלום", "incident"),
        ("  --  ", "incident"),
        ("DB pool exhausted (payments) — EU-West", "db-pool-exhausted-payments-eu-west"),
        ("x" * 300, "x" * 50),
        ("word " * 30, "word-word-word-word-word-word-word-word-word-word"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


@given(st.text())
def test_slug_is_always_valid(title: str) -> None:
    slug = slugify(title)
    assert SLUG.match(slug)
    assert len(slug) <= 50


def test_same_day_same_title_gets_suffixes() -> None:
    when = dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.timezone.utc)
    taken = ["2026-11-25-db-down", "2026-11-25-db-down-2"]
    assert (
        new_id("DB down", started_at=when, tz=dt.timezone.utc, taken=taken)
        == "2026-11-25-db-down-3"
    )
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert new_id("DB down", started_at=when, tz=berlin, taken=taken) == "2026-11-26-db-down"
    assert ID_PATTERN.match("2026-11-25-db-down-3")


def test_second_incident_with_same_title(repo: Repo) -> None:
    first = incident(
        "new",
        "DB down",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    second = incident(
        "new",
        "DB down",
        "--started-at",
        "2026-11-25T11:00:00Z",
        "--detected-at",
        "2026-11-25T11:00:00Z",
    )
    assert first.stdout == "incidents/2026-11-25-db-down\n"
    assert second.stdout == "incidents/2026-11-25-db-down-2\n"


def test_resolution_by_prefix_substring_cwd_and_only_open(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-24T10:00:00Z",
        "--detected-at",
        "2026-11-24T10:00:00Z",
    )
    solo = incident("show", "--json")
    assert '"id": "2026-11-24-checkout-api-500s"' in solo.stdout
    incident(
        "new",
        "Search latency",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    incident(
        "new",
        "Search outage",
        "--started-at",
        "2026-11-25T11:00:00Z",
        "--detected-at",
        "2026-11-25T11:00:00Z",
    )
    assert '"id": "2026-11-24-checkout-api-500s"' in incident("show", "2026-11-24", "--json").stdout
    assert '"id": "2026-11-25-search-outage"' in incident("show", "outage", "--json").stdout
    ambiguous = incident("show", "search")
    assert ambiguous.exit_code == 2
    assert ambiguous.stderr == (
        "error: 'search' matches 2 incidents by substring: 2026-11-25-search-latency, "
        "2026-11-25-search-outage; be more specific\n"
    )
    unknown = incident("show", "nothing-like-it")
    assert (
        unknown.stderr
        == "error: no incident matches 'nothing-like-it'; run `incident list` to see the ids\n"
    )
    none_given = incident("show")
    assert none_given.exit_code == 2
    assert none_given.stderr == (
        "error: 3 incidents are open; name one: 2026-11-24-checkout-api-500s, "
        "2026-11-25-search-latency, 2026-11-25-search-outage\n"
    )
    monkeypatch.chdir(repo.root / "incidents" / "2026-11-25-search-latency")
    assert '"id": "2026-11-25-search-latency"' in incident("show", "--json").stdout


def test_no_id_on_an_incident_branch_or_with_everything_closed(repo: Repo) -> None:
    incident(
        "new",
        "First",
        "--started-at",
        "2026-11-24T10:00:00Z",
        "--detected-at",
        "2026-11-24T10:00:00Z",
    )
    incident(
        "new",
        "Second",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
        "--branch",
    )
    incident(
        "new",
        "Third",
        "--started-at",
        "2026-11-25T11:00:00Z",
        "--detected-at",
        "2026-11-25T11:00:00Z",
    )
    # On the branch `incident new --branch` made, that incident is the one meant.
    assert '"id": "2026-11-25-second"' in incident("show", "--json").stdout
    repo.git("switch", "-q", "-c", "elsewhere")
    assert incident("show").stderr.startswith("error: 3 incidents are open; name one:")


def test_clock_times_later_than_now_are_last_night(repo: Repo) -> None:
    import datetime as dt

    from incidentflow.model.times import parse_user_time

    now = dt.datetime(2026, 11, 26, 0, 20, tzinfo=dt.timezone.utc)
    assert parse_user_time("23:50", now=now, tz=dt.timezone.utc) == dt.datetime(
        2026, 11, 25, 23, 50, tzinfo=dt.timezone.utc
    )
    assert parse_user_time("00:05", now=now, tz=dt.timezone.utc) == dt.datetime(
        2026, 11, 26, 0, 5, tzinfo=dt.timezone.utc
    )


def test_clock_times_use_the_day_of_the_configured_zone_not_of_utc() -> None:
    import datetime as dt

    from incidentflow.model.times import parse_user_time, zone

    kolkata = zone("Asia/Kolkata")
    now = dt.datetime(2026, 11, 25, 18, 40, tzinfo=dt.timezone.utc)  # 00:10 on the 26th there
    typed = {
        "00:05": "2026-11-26T00:05:00+05:30",
        "23:50": "2026-11-25T23:50:00+05:30",
        "-15m": "2026-11-25T23:55:00+05:30",
    }
    for value, expected in typed.items():
        assert parse_user_time(value, now=now, tz=kolkata).isoformat() == expected, value
    los_angeles = zone("America/Los_Angeles")
    now = dt.datetime(2026, 11, 26, 7, 50, tzinfo=dt.timezone.utc)  # 23:50 on the 25th there
    assert parse_user_time("23:30", now=now, tz=los_angeles).isoformat() == (
        "2026-11-25T23:30:00-08:00"
    )
    assert parse_user_time("23:55", now=now, tz=los_angeles).isoformat() == (
        "2026-11-24T23:55:00-08:00"
    )


def test_clock_times_on_the_days_clocks_change() -> None:
    import datetime as dt

    from incidentflow.model.times import parse_user_time, zone

    los_angeles = zone("America/Los_Angeles")
    # 2026-11-01: 01:00-02:00 happens twice (PDT, then PST). At 09:07 UTC (01:07 PST),
    # 01:30 PDT was 37 minutes ago; 01:30 PST has not happened yet.
    now = dt.datetime(2026, 11, 1, 9, 7, tzinfo=dt.timezone.utc)
    assert parse_user_time("01:30", now=now, tz=los_angeles).isoformat() == (
        "2026-11-01T01:30:00-07:00"
    )
    later = dt.datetime(2026, 11, 1, 9, 45, tzinfo=dt.timezone.utc)  # 01:45 PST
    assert parse_user_time("01:30", now=later, tz=los_angeles).isoformat() == (
        "2026-11-01T01:30:00-08:00"
    )
    # 2026-03-08: 02:00-03:00 is skipped, so 02:30 names no moment that day.
    spring = dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.timezone.utc)  # 05:00 PDT
    assert parse_user_time("03:30", now=spring, tz=los_angeles).isoformat() == (
        "2026-03-08T03:30:00-07:00"
    )
    skipped = "the clocks in America/Los_Angeles skipped it on 2026-03-08"
    with pytest.raises(IncidentError, match=skipped):
        parse_user_time("02:30", now=spring, tz=los_angeles)
    # At 01:00 the next day, 02:30 means yesterday's, which was skipped too.
    next_night = dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.timezone.utc)  # 01:00 PDT
    with pytest.raises(IncidentError, match=skipped):
        parse_user_time("02:30", now=next_night, tz=los_angeles)
    assert parse_user_time("00:30", now=next_night, tz=los_angeles).isoformat() == (
        "2026-03-09T00:30:00-07:00"
    )


def test_letters_without_accents_are_transliterated() -> None:
    assert slugify("Zürich façade naïve Ærøskøbing ß") == "zurich-facade-naive-aeroskobing-ss"
