"""Incident statistics: counts per severity and time to detect, contain and resolve."""

from __future__ import annotations

import datetime as dt
import math
import statistics

from incidentflow.model import history
from incidentflow.model.durations import MEASURES
from incidentflow.model.incidents import evaluate
from incidentflow.model.workspace import Workspace
from incidentflow.records import Record


class Measure(Record):
    """Median and p90 of one duration, over the incidents that have both times."""

    __slots__ = ("count", "left_out", "median_minutes", "p90_minutes")

    def __init__(
        self, *, count: int, left_out: int, median_minutes: float | None, p90_minutes: float | None
    ) -> None:
        self.count = count
        self.left_out = left_out
        self.median_minutes = median_minutes
        self.p90_minutes = p90_minutes


class Stats(Record):
    """What `incident stats` reports."""

    __slots__ = ("by_severity", "incidents", "measures", "minutes_at_severity")

    def __init__(
        self,
        *,
        incidents: int,
        by_severity: dict[str, int] | None = None,
        measures: dict[str, Measure] | None = None,
        minutes_at_severity: dict[str, int] | None = None,
    ) -> None:
        self.incidents = incidents
        self.by_severity = {} if by_severity is None else by_severity
        self.measures = {} if measures is None else measures
        # Start to resolution, split by the severity the incident had at each moment (its
        # changes are read from the timeline); unresolved incidents count up to now.
        self.minutes_at_severity = {} if minutes_at_severity is None else minutes_at_severity


def p90(values: list[float]) -> float:
    """The 90th percentile by the nearest-rank method: a value that actually occurred."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def compute_stats(
    workspace: Workspace, *, since: dt.date | None = None, now: dt.datetime | None = None
) -> Stats:
    """Stats over every incident (started on or after ``since``, in the configured timezone)."""
    tz = workspace.config.tz()
    now = now or dt.datetime.now(dt.timezone.utc)
    samples: dict[str, list[float]] = {name: [] for name in MEASURES}
    names = workspace.config.severity_names
    result = Stats(
        incidents=0,
        by_severity=dict.fromkeys(names, 0),
        minutes_at_severity=dict.fromkeys(names, 0),
    )
    spent = result.minutes_at_severity
    for incident_id in workspace.ids():
        report = evaluate(workspace.tree, workspace.config, incident_id, only=[])
        meta = report.meta
        started = meta.time("started_at")
        if since is not None and (started is None or started.astimezone(tz).date() < since):
            continue
        result.incidents += 1
        result.by_severity[meta.severity or "?"] = (
            result.by_severity.get(meta.severity or "?", 0) + 1
        )
        for name, (start_key, end_key) in MEASURES.items():
            start, end = meta.time(start_key), meta.time(end_key)
            if start is not None and end is not None and end >= start:
                samples[name].append((end - start).total_seconds() / 60)
        entries = history.timeline_entries(workspace.tree, report.directory)
        for level, took in history.time_at_severity(meta, entries, now=now).items():
            spent[level] = spent.get(level, 0) + int(took.total_seconds() // 60)
    for name, values in samples.items():
        result.measures[name] = Measure(
            count=len(values),
            left_out=result.incidents - len(values),
            median_minutes=statistics.median(values) if values else None,
            p90_minutes=p90(values) if values else None,
        )
    return result
