"""The postmortem's generated timeline: key times, the table of events and the chart.

Drawn from `timeline.md` and the milestones of `incident.yaml` alone (see
`model/generated` for the markers that keep it current), so the same files always give the
same block; the git history of the incident's files is left to `incident timeline`.
"""

from __future__ import annotations

from incidentflow.model.durations import LABELS, spans
from incidentflow.model.generated import (
    TIMELINE_BLOCK,
    find_block,
    staleness,
    timeline_facts,
    wrap,
)
from incidentflow.model.metadata import MILESTONES, Metadata
from incidentflow.model.timeline import decode_timeline
from incidentflow.model.times import format_duration, zone
from incidentflow.timeline.assemble import markdown_table, response_events, table_row
from incidentflow.timeline.gantt import mermaid_gantt


def key_times(meta: Metadata, *, timezone: str) -> str:
    """A table of the four milestones, each duration beside the milestone that ends it."""
    tz = zone(timezone)
    ending = {span.end: span for span in spans(meta)}
    rows = [table_row(["Key time", f"When ({timezone})", "Duration"]), table_row(["---"] * 3)]
    for key in MILESTONES:
        moment = meta.time(key)
        span = ending.get(key)
        took = ""
        if span is not None and span.length is not None:
            took = f"{format_duration(span.length)} to {span.verb} ({span.base})"
        shown = moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "not yet"
        rows.append(table_row([LABELS[key], shown, took]))
    return "\n".join(rows)


def timeline_block(meta: Metadata, timeline: bytes | None, *, timezone: str) -> str:
    """The whole block, markers included."""
    tz = zone(timezone)
    events = response_events(meta, timeline, tz)
    body = "\n\n".join(
        (
            key_times(meta, timezone=timezone),
            markdown_table(events),
            mermaid_gantt(events, title=meta.title, times=meta.times, tz=tz),
        )
    )
    return wrap(TIMELINE_BLOCK, body, facts=_facts(meta, timeline, timezone=timezone))


def refreshed(text: str, meta: Metadata, timeline: bytes | None, *, timezone: str) -> str | None:
    """``text`` (a postmortem) with its timeline block drawn again, or None when it has no
    block or the block is current (every byte outside the block is kept)."""
    block = find_block(text, TIMELINE_BLOCK)
    if block is None:
        return None
    if staleness(block, text, facts=_facts(meta, timeline, timezone=timezone)) is None:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    fresh = timeline_block(meta, timeline, timezone=timezone)
    if newline != "\n":
        fresh = fresh.replace("\n", newline)
    return text[: block.start] + fresh + text[block.end :]


def _facts(meta: Metadata, timeline: bytes | None, *, timezone: str) -> str:
    text = decode_timeline(timeline)[0] if timeline is not None else None
    return timeline_facts(meta, text, timezone=timezone)
