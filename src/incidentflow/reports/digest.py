"""One incident boiled down for readers outside the room: the facts a report and a PR body show.

Everything here is read from the incident's files as they are now; nothing depends on the
clock except which action items are overdue, and that takes ``today`` as an argument.
"""

from __future__ import annotations

import datetime as dt

from incidentflow.model import history
from incidentflow.model.config import Config
from incidentflow.model.durations import MEASURES
from incidentflow.model.incidents import IncidentReport, StageResult
from incidentflow.model.metadata import MILESTONES
from incidentflow.model.stages import POSTMORTEM, SUMMARY, TRIAGE
from incidentflow.model.timeline import Entry
from incidentflow.model.times import format_duration
from incidentflow.records import Record
from incidentflow.reports.actions import postmortem_items

MILESTONE_LABELS = {
    "started_at": "Started",
    "detected_at": "Detected",
    "contained_at": "Contained",
    "resolved_at": "Resolved",
}


class GoalState(Record):
    """One stage's goal: met or not, and what it still lacks (``path:line: message`` lines)."""

    __slots__ = ("exists", "goal", "key", "met", "missing", "name", "number", "path")

    def __init__(
        self,
        number: int,
        key: str,
        name: str,
        goal: str,
        path: str,
        exists: bool,
        met: bool,
        missing: tuple[str, ...],
    ) -> None:
        self.number = number
        self.key = key
        self.name = name
        self.goal = goal
        self.path = path
        self.exists = exists
        self.met = met
        self.missing = missing


class WrittenSection(Record):
    """A `##` section as people wrote it (markdown, without comments and AI drafts)."""

    __slots__ = ("markdown", "title")

    def __init__(self, title: str, markdown: str) -> None:
        self.title = title
        self.markdown = markdown


class KeyTime(Record):
    """A milestone time in the configured timezone (`2026-11-12 14:02`), or None if unknown."""

    __slots__ = ("key", "label", "shown")

    def __init__(self, key: str, label: str, shown: str | None) -> None:
        self.key = key
        self.label = label
        self.shown = shown


class Duration(Record):
    """Time to detect, contain or resolve, between two milestones."""

    __slots__ = ("end_label", "minutes", "name", "shown", "start_label")

    def __init__(
        self, *, name: str, start_label: str, end_label: str, minutes: int | None, shown: str | None
    ) -> None:
        self.name = name
        self.start_label = start_label
        self.end_label = end_label
        self.minutes = minutes
        self.shown = shown


class ActionRow(Record):
    """An action item from the postmortem's table."""

    __slots__ = ("action", "done", "due", "overdue", "owner", "status", "ticket", "type")

    def __init__(
        self,
        *,
        action: str,
        owner: str,
        due: str,
        type: str,
        done: bool,
        overdue: bool,
        status: str = "",
        ticket: str = "",
    ) -> None:
        self.action = action
        self.owner = owner
        self.due = due
        self.type = type
        self.done = done
        self.overdue = overdue
        self.status = status  # the Status cell as written: "in progress" is kept and shown
        self.ticket = ticket

    @property
    def state(self) -> str:
        """`done`, `overdue` or `open`."""
        return "done" if self.done else ("overdue" if self.overdue else "open")

    @property
    def said(self) -> str:
        """The status as written when it says more than the state (`in progress`, `Done ✅`);
        empty when it only says the state (`open` of an open or overdue item, `done` of a
        done one)."""
        said = self.status.strip().casefold()
        if said in ("", "-", self.state) or (not self.done and said in _SAYS_OPEN):
            return ""
        return self.status

    @property
    def shown(self) -> str:
        """The state, with the status as written when it says more (`open: in progress`)."""
        return f"{self.state}: {self.said}" if self.said else self.state


# Statuses that say no more than that an item is not done.
_SAYS_OPEN = frozenset({"open", "todo", "to do", "[ ]"})


class Digest(Record):
    """What a stakeholder report or a pull-request description says about one incident."""

    __slots__ = (
        "actions",
        "commander",
        "directory",
        "durations",
        "goals",
        "id",
        "impact",
        "links",
        "postmortem_written",
        "roles",
        "services",
        "severity",
        "severity_description",
        "stage",
        "status",
        "summary",
        "summary_written",
        "times",
        "timezone",
        "title",
    )

    def __init__(
        self,
        id: str,
        directory: str,
        title: str,
        severity: str,
        severity_description: str,
        status: str,
        stage: str | None,
        commander: str,
        services: tuple[str, ...],
        timezone: str,
        goals: tuple[GoalState, ...],
        summary_written: bool,
        summary: tuple[WrittenSection, ...],
        times: tuple[KeyTime, ...],
        durations: tuple[Duration, ...],
        impact: WrittenSection | None,
        postmortem_written: bool,
        actions: tuple[ActionRow, ...],
        roles: tuple[str, ...] = (),
        links: tuple[str, ...] = (),
    ) -> None:
        self.id = id
        self.directory = directory
        self.title = title
        self.severity = severity
        self.severity_description = severity_description
        self.status = status
        self.stage = stage
        self.commander = commander
        self.services = services
        self.timezone = timezone
        self.goals = goals
        self.summary_written = summary_written
        self.summary = summary
        self.times = times
        self.durations = durations
        self.impact = impact
        self.postmortem_written = postmortem_written
        self.actions = actions
        self.roles = roles  # "scribe: Bo Li (14:05 → 16:30)", who held which role when
        self.links = links  # "caused by 2026-11-25-storage-outage"

    def summary_section(self, title: str) -> WrittenSection | None:
        """A section of the summary stage by title (case-insensitive)."""
        wanted = title.casefold()
        return next((s for s in self.summary if s.title.casefold() == wanted), None)

    @property
    def open_actions(self) -> tuple[ActionRow, ...]:
        """Action items not marked done."""
        return tuple(row for row in self.actions if not row.done)


def digest_incident(
    report: IncidentReport, config: Config, *, today: dt.date, entries: list[Entry] | None = None
) -> Digest:
    """Boil ``report`` (evaluated with every stage) down to what outside readers need;
    ``entries`` (its timeline) say who held which role when."""
    meta = report.meta
    descriptions = {s.name: s.description for s in config.severities}
    summary = report.result(SUMMARY)
    postmortem = report.result(POSTMORTEM)
    current = report.current
    return Digest(
        id=report.id,
        directory=report.directory,
        title=meta.title or report.id,
        severity=meta.severity or "?",
        severity_description=descriptions.get(meta.severity, ""),
        status=report.status,
        stage=current.stage.key if current else None,
        commander=meta.commander,
        services=tuple(meta.services),
        timezone=config.timezone,
        goals=tuple(_goal(result) for result in report.stages),
        summary_written=bool(summary and summary.exists),
        summary=_written_sections(summary),
        times=_times(report, config),
        durations=_durations(report),
        impact=_impact(report),
        postmortem_written=bool(postmortem and postmortem.exists),
        actions=_actions(postmortem, today=today),
        roles=_roles(report, config, entries or []),
        links=tuple(
            f"{relation.replace('_', ' ')} {other}"
            for relation, others in meta.links.items()
            for other in others
        ),
    )


def _roles(report: IncidentReport, config: Config, entries: list[Entry]) -> tuple[str, ...]:
    """Who held which role when, a line each; the times in the configured timezone."""
    tz = config.tz()

    def at(moment: dt.datetime | None, default: str) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else default

    held = history.role_holders(report.meta, entries, config.roles)
    handed = {role for role, _, since, _ in held if since is not None}
    lines = []
    for role, person, since, until in held:
        if role == "commander" and role not in handed:
            continue  # the report's own Commander line says it
        when = f" ({at(since, 'start')} → {at(until, 'now')})" if role in handed else ""
        lines.append(f"{role}: {person}{when}")
    return tuple(lines)


def _goal(result: StageResult) -> GoalState:
    stage = result.stage
    return GoalState(
        number=stage.number,
        key=stage.key,
        name=stage.key.capitalize(),
        goal=stage.goal,
        path=result.path,
        exists=result.exists,
        met=result.met,
        missing=tuple(str(problem) for problem in result.problems),
    )


def _written_sections(result: StageResult | None) -> tuple[WrittenSection, ...]:
    if result is None or not result.exists:
        return ()
    return tuple(
        WrittenSection(section.title, section.written_text())
        for section in result.doc.sections
        if section.is_filled
    )


def _times(report: IncidentReport, config: Config) -> tuple[KeyTime, ...]:
    tz = config.tz()
    shown = []
    for key in MILESTONES:
        value = report.meta.time(key)
        text = value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else None
        shown.append(KeyTime(key, MILESTONE_LABELS[key], text))
    return tuple(shown)


def _durations(report: IncidentReport) -> tuple[Duration, ...]:
    durations = []
    for name, (start_key, end_key) in MEASURES.items():
        start, end = report.meta.time(start_key), report.meta.time(end_key)
        delta = end - start if start and end and end >= start else None
        durations.append(
            Duration(
                name=name.replace("_", " ").capitalize(),
                start_label=MILESTONE_LABELS[start_key].lower(),
                end_label=MILESTONE_LABELS[end_key].lower(),
                minutes=int(delta.total_seconds() // 60) if delta is not None else None,
                shown=format_duration(delta) if delta is not None else None,
            )
        )
    return tuple(durations)


def _impact(report: IncidentReport) -> WrittenSection | None:
    """The postmortem's Impact when written, else the one scoped at triage."""
    for stage in (POSTMORTEM, TRIAGE):
        result = report.result(stage)
        for section in _written_sections(result):
            if section.title.casefold() == "impact":
                return section
    return None


def _actions(result: StageResult | None, *, today: dt.date) -> tuple[ActionRow, ...]:
    items = postmortem_items(result, incident_id="", today=today)
    return tuple(
        ActionRow(
            action=_unchecked(item.action),
            owner=item.owner,
            due=item.due,
            type=item.type,
            done=item.done,
            overdue=item.overdue,
            status=item.status,
            ticket=item.ticket,
        )
        for item in items
        if any((item.action, item.owner, item.due, item.type))
    )


def _unchecked(action: str) -> str:
    """The action without a leading `[x]`/`[ ]` checkbox, which the state already shows."""
    stripped = action.lstrip()
    if stripped[:3].lower() in ("[x]", "[ ]"):
        return stripped[3:].lstrip()
    return action
