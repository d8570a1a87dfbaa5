"""How long an incident took, each duration with its base, the same wherever it is shown.

Time to detect is detected − started, time to contain contained − detected (what the
response controls once someone knows), time to resolve resolved − started (what users
lived through). `show`, the report, `stats` and the postmortem's key times all say so.
"""

from __future__ import annotations

import datetime as dt

from incidentflow.model.metadata import Metadata
from incidentflow.records import Record

LABELS = {
    "started_at": "Started",
    "detected_at": "Detected",
    "contained_at": "Contained",
    "resolved_at": "Resolved",
}
# name: (start, end)
MEASURES = {
    "time_to_detect": ("started_at", "detected_at"),
    "time_to_contain": ("detected_at", "contained_at"),
    "time_to_resolve": ("started_at", "resolved_at"),
}


class Span(Record):
    """One duration of one incident: its name, its base, and how long (None if unknown)."""

    __slots__ = ("end", "length", "name", "start")

    def __init__(self, name: str, start: str, end: str, length: dt.timedelta | None) -> None:
        self.name = name
        self.start = start
        self.end = end
        self.length = length

    @property
    def base(self) -> str:
        """`detected → contained`."""
        return f"{LABELS[self.start].lower()} → {LABELS[self.end].lower()}"

    @property
    def verb(self) -> str:
        """`contain`, as in "35m to contain"."""
        return self.name.removeprefix("time_to_")


def spans(meta: Metadata) -> list[Span]:
    """The incident's three durations (a negative or missing one is unknown)."""
    found = []
    for name, (start_key, end_key) in MEASURES.items():
        start, end = meta.time(start_key), meta.time(end_key)
        length = end - start if start and end and end >= start else None
        found.append(Span(name, start_key, end_key, length))
    return found
