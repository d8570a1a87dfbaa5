"""An incident's timeline from three sources: timeline.md, the milestones, and git history.

Rendered as a markdown table here, and as a Mermaid gantt chart by `gantt`.
"""

from __future__ import annotations

import datetime as dt

from incidentflow.model.incidents import TIMELINE_NAME, IncidentReport
from incidentflow.model.metadata import MILESTONES, Metadata
from incidentflow.model.stages import BY_FILENAME
from incidentflow.model.timeline import Skipped, decode_timeline, parse_timeline
from incidentflow.model.times import parse_iso
from incidentflow.model.workspace import Workspace
from incidentflow.records import Record

MILESTONE_EVENTS = {
    "started_at": "Impact started",
    "detected_at": "Detected",
    "contained_at": "Contained",
    "resolved_at": "Resolved",
}


class Event(Record):
    """One row of the timeline."""

    __slots__ = ("author", "milestone", "source", "text", "time")

    def __init__(
        self,
        time: dt.datetime,
        text: str,
        source: str,
        author: str = "",
        milestone: str | None = None,
    ) -> None:
        self.time = time
        self.text = text
        self.source = source
        self.author = author
        self.milestone = milestone

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "time": self.time.isoformat(),
            "event": self.text,
            "source": self.source,
            "author": self.author,
            "milestone": self.milestone,
        }


def assemble(workspace: Workspace, report: IncidentReport) -> tuple[list[Event], list[Skipped]]:
    """Every event, sorted by time, with duplicates merged; plus unparseable timeline lines."""
    tz = workspace.config.tz()
    raw = workspace.tree.read(f"{report.directory}/{TIMELINE_NAME}")
    events, skipped = _response_events(report.meta, raw, tz)
    for added in workspace.git.files_added(report.directory):
        stage = BY_FILENAME.get(added.path.rsplit("/", 1)[-1])
        if stage is None:
            continue
        when = parse_iso(added.date).astimezone(tz)
        events.append(
            Event(
                when,
                f"{stage.key.capitalize()} first committed",
                f"git {added.sha[:7]}",
                added.author,
            )
        )
    return _merge(events), skipped


def response_events(meta: Metadata, timeline: bytes | None, tz: dt.tzinfo) -> list[Event]:
    """The response as the incident's own files tell it: `timeline.md`'s entries and the
    milestones, merged, in time order (what the postmortem's generated timeline shows; the
    git history of the files is bookkeeping, not response)."""
    events, _ = _response_events(meta, timeline, tz)
    return _merge(events)


def _response_events(
    meta: Metadata, timeline: bytes | None, tz: dt.tzinfo
) -> tuple[list[Event], list[Skipped]]:
    events: list[Event] = []
    skipped: list[Skipped] = []
    if timeline is not None:
        text, skipped = decode_timeline(timeline)
        entries, unparsed = parse_timeline(text)
        skipped = sorted(skipped + unparsed, key=lambda s: s.line)
        events += [
            Event(e.time.astimezone(tz), e.text, f"{TIMELINE_NAME}:{e.line}", e.author)
            for e in entries
        ]
    for key in MILESTONES:
        value = meta.time(key)
        if value is not None:
            events.append(
                Event(value.astimezone(tz), MILESTONE_EVENTS[key], "incident.yaml", milestone=key)
            )
    return events, skipped


def _merge(events: list[Event]) -> list[Event]:
    """Drop exact repeats; fold a milestone into a timeline entry logged at the same moment."""
    by_time: dict[dt.datetime, list[Event]] = {}
    for event in sorted(events, key=lambda e: (e.time, e.milestone is not None)):
        bucket = by_time.setdefault(event.time, [])
        if any(_same(event, other) for other in bucket):
            continue
        logged = [o for o in bucket if o.source.startswith(TIMELINE_NAME) and o.milestone is None]
        if event.milestone and logged:
            first = logged[0]
            bucket[bucket.index(first)] = Event(
                first.time, first.text, first.source, first.author, milestone=event.milestone
            )
            continue
        bucket.append(event)
    return [event for bucket in by_time.values() for event in bucket]


def _same(one: Event, other: Event) -> bool:
    return " ".join(one.text.split()).casefold() == " ".join(other.text.split()).casefold()


def labelled(event: Event) -> str:
    """The event's text, prefixed with its milestone when it marks one (`[Contained] …`)."""
    if event.milestone is None or event.text == MILESTONE_EVENTS[event.milestone]:
        return event.text
    return f"[{MILESTONE_EVENTS[event.milestone]}] {event.text}"


def markdown_table(events: list[Event]) -> str:
    """A `| Time | Event | Source |` table; milestones are marked in bold.

    Written in markdownlint's compact table style (one space inside each pipe).
    """
    lines = [table_row(["Time", "Event", "Source"]), table_row(["---"] * 3)]
    for event in events:
        text = _cell(event.text)
        if event.milestone:
            label = MILESTONE_EVENTS[event.milestone]
            text = f"**{label}:** {text}" if text and text != label else f"**{label}**"
        who = f" ({_cell(event.author)})" if event.author else ""
        lines.append(table_row([event.time.isoformat(), f"{text}{who}", _cell(event.source)]))
    return "\n".join(lines)


def table_row(cells: list[str]) -> str:
    """One Markdown table line with exactly one space inside each pipe, even around an
    empty cell (`| a | | b |`), as markdownlint's compact style wants."""
    return "|" + "".join(f" {cell} |" if cell else " |" for cell in cells)


def _cell(text: str) -> str:
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())
