"""What changed over an incident's life, read back from its timeline.

Every change a command makes (`incident set`, `role`, `link`, `update`, `next --override`) is
one timeline line in a fixed form, written by the functions here and read back by them: the
timeline is the record, so the history is a diff in review like everything else, and a line a
person writes by hand in the same form counts the same.

    Severity SEV3 → SEV1: the restore will take hours
    Title "Slow checkout" → "Checkout down": scope grew
    Role scribe: nobody → Bo Li
    Services: +billing −cart: billing fails too
    Link causes 2026-11-25-status-page-stale
    Update (external, next 30m): We are restoring from the 6-hour-old backup.
    Override: diagnosis started before triage met its goal: restore takes 18 h
"""

from __future__ import annotations

import datetime as dt
import re

from incidentflow.git.snapshot import Snapshot
from incidentflow.model.config import Span, parse_span
from incidentflow.model.metadata import Metadata
from incidentflow.model.timeline import Entry, decode_timeline, parse_timeline
from incidentflow.records import Record

NOBODY = "nobody"
AUDIENCES = ("internal", "external")

_SEVERITY = re.compile(r"^Severity (\S+) → (\S+)(?:: (.*))?$")
_ROLE = re.compile(r"^Role ([\w-]+): (.+?) → (.+?)(?:: (.*))?$")
_UPDATE = re.compile(r"^Update \((internal|external)(?:, next (\d+[mhd]))?\): (.*)$")
_OVERRIDE = re.compile(r"^Override: (\w+) started before (\w+) met its goal: (.*)$")


def severity_line(old: str, new: str, reason: str) -> str:
    return f"Severity {old} → {new}: {reason}"


def title_line(old: str, new: str, reason: str) -> str:
    return f"Title {_quoted(old)} → {_quoted(new)}: {reason}"


def role_line(role: str, old: str, new: str, reason: str | None) -> str:
    said = f"Role {role}: {old or NOBODY} → {new or NOBODY}"
    return f"{said}: {reason}" if reason else said


def services_line(added: list[str], removed: list[str], reason: str) -> str:
    changes = " ".join([*(f"+{s}" for s in added), *(f"−{s}" for s in removed)])
    return f"Services: {changes}: {reason}"


def link_line(relation: str, other: str, reason: str | None) -> str:
    said = f"Link {relation.replace('_', '-')} {other}"
    return f"{said}: {reason}" if reason else said


def update_line(text: str, *, audience: str, next_in: str | None) -> str:
    cadence = f", next {next_in}" if next_in else ""
    return f"Update ({audience}{cadence}): {text}"


def override_line(stage: str, skipped: str, reason: str) -> str:
    return f"Override: {stage} started before {skipped} met its goal: {reason}"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


class Change(Record):
    """One change of a value over time: when, from what, to what, who said so and why."""

    __slots__ = ("author", "new", "old", "reason", "time")

    def __init__(
        self, time: dt.datetime, old: str, new: str, author: str, reason: str = ""
    ) -> None:
        self.time = time
        self.old = old
        self.new = new
        self.author = author
        self.reason = reason

    def as_dict(self) -> dict[str, object]:
        return {
            "at": self.time.isoformat(),
            "from": self.old,
            "to": self.new,
            "by": self.author,
            "reason": self.reason,
        }


class Update(Record):
    """A stakeholder update, and when the next one was promised."""

    __slots__ = ("audience", "author", "next_in", "text", "time")

    def __init__(
        self, time: dt.datetime, text: str, audience: str, next_in: str | None, author: str
    ) -> None:
        self.time = time
        self.text = text
        self.audience = audience
        self.next_in = next_in  # as written: 30m, 2h
        self.author = author

    def as_dict(self) -> dict[str, object]:
        return {
            "at": self.time.isoformat(),
            "audience": self.audience,
            "next": self.next_in,
            "text": self.text,
            "by": self.author,
        }


class Override(Record):
    """A stage started before the one before it met its goal, deliberately."""

    __slots__ = ("author", "reason", "skipped", "stage", "time")

    def __init__(
        self, time: dt.datetime, stage: str, skipped: str, reason: str, author: str
    ) -> None:
        self.time = time
        self.stage = stage
        self.skipped = skipped
        self.reason = reason
        self.author = author

    def as_dict(self) -> dict[str, object]:
        return {
            "at": self.time.isoformat(),
            "stage": self.stage,
            "skipped": self.skipped,
            "reason": self.reason,
            "by": self.author,
        }


def severity_changes(entries: list[Entry]) -> list[Change]:
    """Every `Severity A → B` line, in time order."""
    found = []
    for entry in entries:
        if entry.text.startswith("Severity "):
            match = _SEVERITY.match(entry.text)
            if match:
                old, new, reason = match.groups()
                found.append(Change(entry.time, old, new, entry.author, reason or ""))
    return found


def severity_spans(
    meta: Metadata, entries: list[Entry], *, now: dt.datetime
) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(severity, from, until) from the start to resolution (or ``now``): the first level is
    the one the incident opened as, each change starts the next."""
    started = meta.time("started_at")
    if started is None:
        return []
    end = meta.time("resolved_at") or now
    changes = severity_changes(entries)
    first = changes[0].old if changes else meta.severity
    spans = []
    level, since = first, started
    for change in changes:
        moment = min(max(change.time, started), end)
        spans.append((level, since, moment))
        level, since = change.new, moment
    spans.append((level, since, max(since, end)))
    return spans  # a level held for no time at all was still reached


def time_at_severity(
    meta: Metadata, entries: list[Entry], *, now: dt.datetime
) -> dict[str, dt.timedelta]:
    """How long the incident spent at each severity, in the order first reached."""
    spent: dict[str, dt.timedelta] = {}
    for level, since, until in severity_spans(meta, entries, now=now):
        spent[level] = spent.get(level, dt.timedelta()) + (until - since)
    return spent


def role_changes(entries: list[Entry]) -> list[tuple[str, Change]]:
    """(role, change) for every handoff line, in time order; `nobody` reads as empty."""
    found = []
    for entry in entries:
        if entry.text.startswith("Role "):
            match = _ROLE.match(entry.text)
            if match:
                role, old, new, reason = match.groups()
                change = Change(entry.time, _person(old), _person(new), entry.author, reason or "")
                found.append((role, change))
    return found


def role_holders(
    meta: Metadata, entries: list[Entry], roles: tuple[str, ...]
) -> list[tuple[str, str, dt.datetime | None, dt.datetime | None]]:
    """Who held which role when: (role, person, from, until), ``None`` for the incident's
    start and, while it is unresolved, for now (a resolved incident's last holders held
    their role until it was resolved). A role nobody held is left out."""
    changes: dict[str, list[Change]] = {}
    for role, change in role_changes(entries):
        changes.setdefault(role, []).append(change)
    held: list[tuple[str, str, dt.datetime | None, dt.datetime | None]] = []
    for role in roles:
        own = changes.get(role, [])
        person = own[0].old if own else meta.holder(role)
        since: dt.datetime | None = None
        for change in own:
            if person:
                held.append((role, person, since, change.time))
            person, since = change.new, change.time
        if person:
            held.append((role, person, since, meta.time("resolved_at")))
    return held


def _person(said: str) -> str:
    return "" if said.strip().casefold() == NOBODY else said.strip()


def updates(entries: list[Entry]) -> list[Update]:
    """The stakeholder updates, in time order."""
    found = []
    for entry in entries:
        if entry.text.startswith("Update ("):
            match = _UPDATE.match(entry.text)
            if match:
                audience, next_in, text = match.groups()
                found.append(Update(entry.time, text, audience, next_in, entry.author))
    return found


def overrides(entries: list[Entry]) -> list[Override]:
    """The deliberate overrides of the stage order, in time order."""
    found = []
    for entry in entries:
        if entry.text.startswith("Override: "):
            match = _OVERRIDE.match(entry.text)
            if match:
                stage, skipped, reason = match.groups()
                found.append(Override(entry.time, stage, skipped, reason, entry.author))
    return found


def next_update(
    meta: Metadata, entries: list[Entry], *, cadence: Span | None, now: dt.datetime
) -> tuple[dt.datetime, bool] | None:
    """When the next stakeholder update is due, and whether it is overdue; None once the
    incident is resolved, or when neither the last update nor the severity sets a cadence.

    The last update's own `next 30m` wins; else the severity's cadence counts from the last
    update, or (none yet) from when the incident reached its current severity."""
    if meta.time("resolved_at") is not None or meta.time("started_at") is None:
        return None
    posted = updates(entries)
    last = posted[-1] if posted else None
    promised = parse_span(last.next_in) if last and last.next_in else None
    span = promised or cadence
    if span is None:
        return None
    if last is not None:
        since = last.time
    else:
        changes = severity_changes(entries)
        started = meta.time("started_at")
        assert started is not None
        since = max(changes[-1].time if changes else started, meta.time("detected_at") or started)
    due = span.after(since)
    return due, now > due


def timeline_entries(snapshot: Snapshot, directory: str) -> list[Entry]:
    """The entries of the timeline in the incident ``directory`` of ``snapshot``."""
    raw = snapshot.read(f"{directory}/timeline.md")
    if raw is None:
        return []
    text, _ = decode_timeline(raw)
    return parse_timeline(text)[0]
