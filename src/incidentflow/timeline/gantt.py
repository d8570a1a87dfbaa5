"""The Mermaid gantt chart of an incident's response, as GitHub and GitLab draw it.

Event text reaches Mermaid's gantt grammar, whose lexer acts on keywords at the start of a
line (`click`, `section`, `title`, `excludes`, …, case-insensitive), on `%` (comments and
directives), on `:` (a task's data) and, in mermaid's own entity pass, on `#…;`; its HTML
sanitizer drops tags. Every label is therefore written with those characters as Mermaid
entity codes (`#58;` for `:`), which Mermaid turns back into the character in the drawn
chart, and a label that would start with a keyword or a date gets its first character as an
entity code too.

The chart covers the response window only (see ``response_window``), so one event logged
weeks later cannot squeeze the response into a sliver; such events are listed under it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

from incidentflow.records import Record
from incidentflow.timeline.assemble import Event, labelled

MAX_LABEL = 80
MAX_PLOTTED = 40
# An unresolved incident's window ends at the last response event before a quiet day.
MAX_GAP = dt.timedelta(days=1)
MIN_MARGIN = dt.timedelta(minutes=30)
_DATE_FORMAT = "%Y-%m-%d %H:%M"
_PHASES = (
    ("Detection", "started_at", "detected_at"),
    ("Containment", "detected_at", "contained_at"),
    ("Resolution", "contained_at", "resolved_at"),
)
# Characters that the grammar, mermaid's entity pass or its HTML sanitizer (`<`, `>`) act on
# anywhere in a label; `ﬂ` and `¶` are the markers of the entity pass, so a literal one must
# not be taken for a marker.
_ENTITIES = {
    ":": "#58;",
    ";": "#59;",
    "#": "#35;",
    "%": "#37;",
    "<": "#lt;",
    ">": "#gt;",
    "\ufb02": "#64258;",
    "\u00b6": "#182;",
}
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")
# What the gantt lexer (mermaid 11 and 12) reads as a statement at the start of a line,
# rather than as a task name: keywords (as prefixes, since some need no word boundary)
# and a date.
_STATEMENT_START = re.compile(
    r"(?:accdescr|acctitle|axisformat|call|click|dateformat|displaymode|excludes|gantt|href"
    r"|includes|inclusiveenddates|section|tickinterval|title|todaymarker|topaxis|vert"
    r"|weekday|weekend)"
    r"|\d{4}-\d\d-\d\d",
    re.IGNORECASE,
)


class Window(Record):
    """The span the chart shows: the response, widened by a margin on each side."""

    __slots__ = ("end", "start")

    def __init__(self, start: dt.datetime, end: dt.datetime) -> None:
        self.start = start
        self.end = end

    def __contains__(self, when: object) -> bool:
        return isinstance(when, dt.datetime) and self.start <= when <= self.end


def response_window(events: list[Event], times: Mapping[str, dt.datetime | None]) -> Window | None:
    """From the start of impact to the resolution, widened by a tenth (at least 30 minutes).

    Unresolved, the window ends at the last milestone or timeline.md entry reached from the
    start without a quiet day between two of them. Without any milestone it starts at the
    first timeline.md entry (else the first event); with no events and no times there is none.
    """
    milestones = sorted(when for when in times.values() if when is not None)
    response = sorted(e.time for e in events if e.milestone or e.source.startswith("timeline.md"))
    anchors = milestones or response or sorted(e.time for e in events)
    if not anchors:
        return None
    start = anchors[0]
    resolved = times.get("resolved_at")
    end = resolved if resolved is not None else start
    if resolved is None:
        for when in response:
            if when <= end:
                continue
            if when - end > MAX_GAP:
                break
            end = when
    # Every milestone is inside, even when they are out of order (reported by `check`).
    end = max(end, start, *milestones)
    margin = max(MIN_MARGIN, (end - start) / 10)
    return Window(start - margin, end + margin)


def chart_label(text: str) -> str:
    """The text as Mermaid shows it: one line, at most MAX_LABEL characters, never empty."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    return shorten(cleaned, MAX_LABEL) or "(no text)"


def shorten(text: str, limit: int) -> str:
    """Cut at the last word boundary before ``limit`` and end with an ellipsis.

    A single word longer than half the limit is cut inside it (there is no boundary to
    keep); a combining mark is never separated from its letter.
    """
    if len(text) <= limit:
        return text
    cut = limit - 1
    space = text.rfind(" ", 0, cut + 1)
    if space > limit // 2:
        cut = space
    while cut > 0 and unicodedata.combining(text[cut]):
        cut -= 1
    return text[:cut].rstrip(" ,;:.-–—") + "…"


def mermaid_text(text: str) -> str:
    """``text`` (already one line) written so the gantt grammar reads it as a task name."""
    escaped = _SPECIAL.sub(lambda m: _ENTITIES[m.group(0)], text)
    if _STATEMENT_START.match(escaped):
        escaped = f"#{ord(escaped[0])};{escaped[1:]}"
    return escaped


def mermaid_gantt(
    events: list[Event],
    *,
    title: str,
    times: Mapping[str, dt.datetime | None],
    tz: dt.tzinfo,
) -> str:
    """A fenced Mermaid gantt chart (response phases as bars, events as milestones, a
    milestone logged on an entry as `[Contained] …`), then the events it leaves out as a
    Markdown list."""
    window = response_window(events, times)
    inside: list[Event] = []
    outside: list[Event] = []
    for event in events:
        (inside if window is not None and event.time in window else outside).append(event)
    plotted = inside[:MAX_PLOTTED]
    bars = []
    for name, start_key, end_key in _PHASES:
        start, end = times.get(start_key), times.get(end_key)
        if start is not None and end is not None and end > start:
            bars.append((name, start, end))
    shown_times = [e.time for e in plotted] + [t for _, s, e in bars for t in (s, e)]
    lines = ["```mermaid", "gantt"]
    if title.strip():
        lines.append(f"    title {mermaid_text(chart_label(title))}")
    lines += [
        "    dateFormat YYYY-MM-DD HH:mm",
        f"    axisFormat {_axis_format(shown_times, tz)}",
    ]
    if bars:
        lines.append("    section Response")
        for name, start, end in bars:
            crit = "crit, " if name == "Detection" else ""
            lines.append(f"    {name} :{crit}{_when(start, tz)}, {_when(end, tz)}")
    if plotted:
        lines.append("    section Events")
        for event in plotted:
            label = mermaid_text(chart_label(labelled(event)))
            lines.append(f"    {label} :milestone, {_when(event.time, tz)}, 0m")
    lines.append("```")
    if len(inside) > len(plotted):
        lines += ["", f"{len(inside) - len(plotted)} more events are in the table above."]
    if outside and window is not None:
        lines += [
            "",
            f"Outside the response window ({_when(window.start, tz)} to "
            f"{_when(window.end, tz)}, {tz}), not plotted:",
            "",
        ]
        for event in outside:
            who = f" ({event.author})" if event.author else ""
            lines.append(f"- {_when(event.time, tz)} — {labelled(event)}{who}")
    return "\n".join(lines)


def _when(moment: dt.datetime, tz: dt.tzinfo) -> str:
    return moment.astimezone(tz).strftime(_DATE_FORMAT)


def _axis_format(moments: list[dt.datetime], tz: dt.tzinfo) -> str:
    """Times of day when everything falls on one day; otherwise dates too."""
    days = {moment.astimezone(tz).date() for moment in moments}
    return "%H:%M" if len(days) <= 1 else "%b %d %H:%M"
