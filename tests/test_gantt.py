"""The Mermaid gantt chart: labels safe for the grammar, the response window, the axis.

The browser tests draw the charts with the pinned mermaid.js in headless Chromium and read
back what it drew, so a label the grammar misreads (a keyword, a comment, a task's data)
shows up as a parse error or as a missing or altered label.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo, incident
from helpers_chromium import CHROMIUM, Browser
from helpers_incident import advance, app_file, complete, new_incident, set_meta
from helpers_mermaid import Drawn, chart_source, draw
from helpers_node import NEEDS_MERMAID

from incidentflow.timeline.assemble import Event
from incidentflow.timeline.gantt import (
    MAX_LABEL,
    MAX_PLOTTED,
    chart_label,
    mermaid_gantt,
    mermaid_text,
    response_window,
    shorten,
)

UTC = dt.timezone.utc
NEEDS_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


TIMES = {
    "started_at": at(25, 14, 2),
    "detected_at": at(25, 14, 9),
    "contained_at": at(25, 14, 31),
    "resolved_at": at(25, 16, 40),
}

# Event texts that Mermaid's gantt grammar (or mermaid's pass over the text before it) would
# misread if passed literally: every keyword of the grammar, in any case, comments and
# directives, a task's data separators, entities, HTML, Markdown, unicode, empty text.
HOSTILE = [
    "click here to open the dashboard",
    "CLICK",
    "section Database",
    "title Not the title",
    "excludes weekends",
    "includes 2026-11-28",
    "dateFormat YYYY",
    "axisFormat %d",
    "tickInterval 1day",
    "todayMarker off",
    "weekday monday",
    "weekend friday",
    "inclusiveEndDates",
    "topAxisFlip",
    "accTitle: screen reader title",
    "accDescr: a description",
    "accDescr { opened a block",
    "accDescription of the chart",
    "call oncall(now)",
    'href "https://example.com"',
    "displayMode compact",
    "gantt",
    "vert line",
    "2026-11-25 deploy of 2.31",
    "%% not a comment",
    "%%{init: {'theme': 'forest'}}%%",
    "5% of checkouts fail",
    "a}%%{b",
    "p99: 12s; errors #3 at 50%",
    "ratio 3:1",
    "<script>alert(1)</script>",
    "<b>bold</b> & <i>more</i>",
    "&amp; &lt;b&gt; &#35; #quot; #9829; #35;",
    "entity #lt;script#gt; by hand",
    "\ufb02\u00b0\u00b0 \u00b6\u00df markers of mermaid's entity pass",
    "`code span` and ``` a fence",
    "\"double\" and 'single' quotes",
    "back\\slash and | pipe",
    "é ü ß 漢字 😀 e\u0301 right-to-left \u05e9\u05dc\u05d5\u05dd",
    "tab\there and\x00nul and \x1b[31mansi",
    "",
    "   ",
    "x" * 200,
    "rolled back the checkout service to the previous release, "
    "then purged the CDN cache and watched the error rate",
]


def events_of(texts: list[str], *, day: int = 25) -> list[Event]:
    return [
        Event(at(day, 14, 10 + i % 50), text, f"timeline.md:{i + 5}", "bo")
        for i, text in enumerate(texts)
    ]


# --- Labels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("rolled back web", "rolled back web"),
        ("click here", "#99;lick here"),
        ("Section 2 failed", "#83;ection 2 failed"),
        ("TITLE", "#84;ITLE"),
        ("2026-11-25 deploy", "#50;026-11-25 deploy"),
        ("2026 budget", "2026 budget"),
        ("p99: 12s; #3", "p99#58; 12s#59; #35;3"),
        ("%% x", "#37;#37; x"),
        ("5% fail", "5#37; fail"),
        ("<b>", "#lt;b#gt;"),
        ("accTitle: x", "#97;ccTitle#58; x"),
        ("clicked", "#99;licked"),
        ("\ufb02\u00b6", "#64258;#182;"),
        ('R&D "x" `y`', 'R&D "x" `y`'),
    ],
)
def test_mermaid_text(text: str, written: str) -> None:
    assert mermaid_text(text) == written


def test_long_text_is_cut_at_a_word_boundary() -> None:
    text = HOSTILE[-1]
    label = chart_label(text)
    assert label == "rolled back the checkout service to the previous release, then purged the CDN…"
    assert len(label) <= MAX_LABEL
    assert text.startswith(label[:-1])


def test_a_single_long_word_is_cut_inside_it() -> None:
    assert chart_label("x" * 200) == "x" * (MAX_LABEL - 1) + "…"
    assert shorten("a " + "y" * 100, 20) == "a " + "y" * 17 + "…"


def test_a_combining_mark_stays_with_its_letter() -> None:
    text = "e" * 78 + "e\u0301" + "zz"
    assert shorten(text, 80) == "e" * 78 + "…"


@pytest.mark.parametrize(
    ("text", "label"),
    [("", "(no text)"), ("  \t ", "(no text)"), ("a\nb\x00c", "a b c"), ("short", "short")],
)
def test_labels_are_one_line_and_never_empty(text: str, label: str) -> None:
    assert chart_label(text) == label


def test_every_line_of_a_hostile_chart_is_a_task_or_our_own() -> None:
    chart = mermaid_gantt(events_of(HOSTILE), title=HOSTILE[0], times=TIMES, tz=UTC)
    body = chart_source(chart).splitlines()
    own = {"gantt", "    dateFormat YYYY-MM-DD HH:mm", "    axisFormat %H:%M"}
    task = re.compile(r"^    [^:%\n]+ :(crit, |milestone, )?[\d :-]+, ([\d :-]+|0m)$")
    for line in body:
        assert (
            line in own
            or line in ("    section Response", "    section Events")
            or line.startswith("    title #99;lick")
            or task.match(line)
        ), line
    assert len(body) == 3 + 1 + 4 + 1 + min(len(HOSTILE), MAX_PLOTTED)


# --- The response window ------------------------------------------------------------------


def test_window_of_a_resolved_incident_has_a_margin() -> None:
    window = response_window([], TIMES)
    assert window is not None
    # 2 h 38 m from start to resolution; a tenth of that is under the 30-minute minimum.
    assert (window.start, window.end) == (at(25, 13, 32), at(25, 17, 10))


def test_window_margin_is_a_tenth_of_a_long_response() -> None:
    times = {**TIMES, "resolved_at": at(27, 14, 2)}
    window = response_window([], times)
    assert window is not None
    assert (window.start, window.end) == (
        at(25, 14, 2) - dt.timedelta(hours=4, minutes=48),
        at(27, 14, 2) + dt.timedelta(hours=4, minutes=48),
    )


def test_unresolved_window_ends_at_the_last_response_event_before_a_quiet_day() -> None:
    times = {"started_at": at(25, 14, 0), "detected_at": at(25, 14, 5)}
    events = [
        Event(at(25, 15, 0), "rolled back", "timeline.md:5"),
        Event(at(26, 9, 0), "still degraded", "timeline.md:6"),
        Event(at(28, 10, 0), "postmortem meeting booked", "timeline.md:7"),
        Event(at(29, 10, 0), "Triage first committed", "git abc1234"),
    ]
    window = response_window(events, times)
    assert window is not None
    margin = dt.timedelta(minutes=114)  # a tenth of the 19 hours from 14:00 to 09:00
    assert (window.start, window.end) == (at(25, 14, 0) - margin, at(26, 9, 0) + margin)


def test_every_milestone_is_inside_even_out_of_order() -> None:
    # resolved_at before contained_at (which `incident check` reports): both stay on the chart.
    times = {**TIMES, "contained_at": at(25, 18, 0), "resolved_at": at(25, 15, 0)}
    window = response_window([], times)
    assert window is not None and all(when in window for when in times.values())


def test_without_milestones_the_window_follows_the_timeline() -> None:
    events = [Event(at(25, 9, 0), "first", "timeline.md:5"), Event(at(25, 10, 0), "b", "git x")]
    window = response_window(events, {})
    assert window is not None and window.start == at(25, 8, 30) and window.end == at(25, 9, 30)
    assert response_window([], {}) is None


def test_events_outside_the_window_are_listed_under_the_chart() -> None:
    # Opened as a retrospective a month later; the postmortem committed weeks after that.
    events = [
        Event(at(25, 14, 2), "Impact started", "incident.yaml", milestone="started_at"),
        Event(at(25, 14, 20), "rolled back", "timeline.md:6", "bo"),
        Event(dt.datetime(2026, 12, 28, 9, 0, tzinfo=UTC), "Incident opened: #2", "timeline.md:5"),
        Event(dt.datetime(2027, 1, 20, 11, 0, tzinfo=UTC), "Postmortem first committed", "git a"),
    ]
    chart = mermaid_gantt(events, title="Checkout", times=TIMES, tz=UTC)
    source = chart_source(chart)
    assert "rolled back :milestone" in source
    assert "Incident opened" not in source and "Postmortem" not in source
    assert "axisFormat %H:%M" in source  # the response fits in one day
    assert chart.split("```\n", 1)[1].splitlines() == [
        "",
        "Outside the response window (2026-11-25 13:32 to 2026-11-25 17:10, UTC), not plotted:",
        "",
        "- 2026-12-28 09:00 — Incident opened: #2",
        "- 2027-01-20 11:00 — Postmortem first committed",
    ]


def test_a_milestone_logged_on_an_entry_is_named() -> None:
    events = [Event(at(25, 14, 31), "flag off", "timeline.md:7", "bo", milestone="contained_at")]
    chart = mermaid_gantt(events, title="T", times=TIMES, tz=UTC)
    assert "    [Contained] flag off :milestone, 2026-11-25 14:31, 0m" in chart


def test_times_are_shown_in_the_configured_timezone() -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    chart = mermaid_gantt(events_of(["late"], day=25), title="T", times=TIMES, tz=berlin)
    assert "    Detection :crit, 2026-11-25 15:02, 2026-11-25 15:09" in chart
    assert "    late :milestone, 2026-11-25 15:10, 0m" in chart


def test_dates_on_the_axis_when_the_chart_spans_midnight() -> None:
    times = {
        "started_at": at(25, 22, 0),
        "detected_at": at(25, 22, 10),
        "contained_at": at(25, 23, 40),
        "resolved_at": at(26, 1, 30),
    }
    assert "    axisFormat %b %d %H:%M" in mermaid_gantt([], title="T", times=times, tz=UTC)


def test_past_the_plotted_limit_the_rest_is_named() -> None:
    texts = [f"step {i}" for i in range(MAX_PLOTTED + 3)]
    chart = mermaid_gantt(events_of(texts), title="T", times=TIMES, tz=UTC)
    assert chart.count(":milestone,") == MAX_PLOTTED
    assert chart.endswith("```\n\n3 more events are in the table above.")


# --- Drawn by mermaid.js --------------------------------------------------------------------


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    chrome = Browser(tmp_path / "profile")
    yield chrome
    chrome.close()


def drawn_labels(drawn: Drawn) -> list[str]:
    """The task names mermaid drew (it keeps the space before a task's `:`)."""
    return [text.strip() for text in drawn.tasks]


@NEEDS_CHROMIUM
@NEEDS_MERMAID
def test_hostile_event_texts_are_drawn_as_written(tmp_path: Path, browser: Browser) -> None:
    events = events_of(HOSTILE)
    half = len(events) // 2
    title = "Checkout: 50% down; #1 <b>"
    together = [
        mermaid_gantt(part, title=title, times=TIMES, tz=UTC)
        for part in (events[:half], events[half:])
    ]
    alone = [mermaid_gantt([e], title=e.text, times=TIMES, tz=UTC) for e in events]
    drawn = draw(browser, tmp_path, [chart_source(c) for c in [*together, *alone]])
    assert [d.error for d in drawn] == [None] * len(drawn)
    phases = ["Detection", "Containment", "Resolution"]
    for texts, one in ((HOSTILE[:half], drawn[0]), (HOSTILE[half:], drawn[1])):
        assert sorted(drawn_labels(one)) == sorted(phases + [chart_label(t) for t in texts])
        assert one.sections == ["Response", "Events"]
        assert one.title == [title]
    for text, one in zip(HOSTILE, drawn[2:], strict=True):
        assert sorted(drawn_labels(one)) == sorted([*phases, chart_label(text)]), text
        assert one.sections == ["Response", "Events"], text
        assert [t for t in one.title if t] == ([chart_label(text)] if text.strip() else []), text


@NEEDS_CHROMIUM
@NEEDS_MERMAID
def test_multi_day_incident_has_dates_on_the_axis(tmp_path: Path, browser: Browser) -> None:
    times = {
        "started_at": at(24, 22, 0),
        "detected_at": at(25, 1, 0),
        "contained_at": at(25, 9, 0),
        "resolved_at": at(27, 18, 0),
    }
    events = [Event(at(26, 12, 0), "fix deployed", "timeline.md:5")]
    (drawn,) = draw(
        browser, tmp_path, [chart_source(mermaid_gantt(events, title="T", times=times, tz=UTC))]
    )
    assert drawn.error is None
    assert drawn.ticks and all(re.fullmatch(r"Nov \d\d \d\d:\d\d", t) for t in drawn.ticks)
    assert len(set(drawn.ticks)) == len(drawn.ticks)
    assert {t[:6] for t in drawn.ticks} >= {"Nov 25", "Nov 26", "Nov 27"}


@NEEDS_CHROMIUM
@NEEDS_MERMAID
def test_the_chart_check_catches_misread_labels(tmp_path: Path, browser: Browser) -> None:
    """Passed literally, a keyword breaks the chart or takes a label away: the checks see it."""
    head = "gantt\n    dateFormat YYYY-MM-DD HH:mm\n    section Events\n"
    task = " :milestone, 2026-11-25 14:10, 0m\n"
    broken, swallowed, commented = draw(
        browser,
        tmp_path,
        [
            head + "    click here" + task,
            head + "    section Database" + task + "    later" + task,
            head + "    %% not a comment" + task,
        ],
    )
    assert broken.error is not None and "Parse error" in broken.error
    assert drawn_labels(swallowed) == ["later"]
    assert swallowed.sections[-1].startswith("Database")
    assert commented.error is None and drawn_labels(commented) == []


@NEEDS_CHROMIUM
@NEEDS_MERMAID
def test_scaffolded_postmortem_chart_draws_every_event(
    repo: Repo, tmp_path: Path, browser: Browser
) -> None:
    app_file(repo)
    incident_id = new_incident("Checkout: 50% of carts #fail")
    # Room for the four milestones within what the chart plots.
    logged = [t for t in HOSTILE if t.strip() and t.isprintable() and t not in HOSTILE[1:6]]
    assert len(logged) + 4 == MAX_PLOTTED
    for minute, text in enumerate(logged):
        result = incident("log", text, "--at", f"2026-11-25T11:{minute:02d}:00+00:00")
        assert result.exit_code == 0, result.stderr
    complete(repo, incident_id, "01-triage.md")
    for stage_file in ("02-diagnosis.md", "03-summary.md"):
        advance(incident_id)
        complete(repo, incident_id, stage_file)
    set_meta(repo, incident_id, "resolved_at", '"2026-11-25T12:00:00+00:00"')
    advance(incident_id)
    postmortem = repo.read(f"incidents/{incident_id}/04-postmortem.md")
    timeline = incident("timeline", incident_id, "--mermaid")
    assert timeline.exit_code == 0, timeline.stderr
    charts = [chart_source(postmortem.split("## Timeline", 1)[1]), chart_source(timeline.stdout)]
    drawn = draw(browser, tmp_path, charts)
    for one in drawn:
        assert one.error is None
        labels = drawn_labels(one)
        for text in logged:
            assert chart_label(text) in labels, text
        assert {"Impact started", "Detected", "Contained", "Resolved"} <= set(labels)
        assert one.title == ["Checkout: 50% of carts #fail"]
    # `incident new` logged "Incident opened" now, long after the response: listed, not drawn.
    assert "Incident opened" not in " ".join(drawn_labels(drawn[0]))
    assert "Outside the response window" in postmortem
