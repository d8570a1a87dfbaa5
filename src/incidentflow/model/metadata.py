"""`incident.yaml`: an incident's metadata, read and validated with line numbers."""

from __future__ import annotations

import datetime as dt
import itertools

from incidentflow.errors import IncidentError
from incidentflow.files.textfile import conflict_marker_line
from incidentflow.files.yamlio import key_lines, load_safe
from incidentflow.model.ids import ID_PATTERN
from incidentflow.model.problems import Problem, brief
from incidentflow.model.times import parse_iso
from incidentflow.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    from typing import Any

    from incidentflow.model.config import Config

METADATA_NAME = "incident.yaml"
MILESTONES = ("started_at", "detected_at", "contained_at", "resolved_at")
KEYS = (
    "id", "title", "severity", "type", "commander", "roles", "services", *MILESTONES, "links",
    "custom",
)  # fmt: skip
REQUIRED = ("id", "title", "severity", "started_at")
_KNOWN = frozenset(KEYS)
# How one incident relates to another, and the relation the other side then has.
LINKS = {
    "caused_by": "causes",
    "causes": "caused_by",
    "duplicate_of": "duplicates",
    "duplicates": "duplicate_of",
    "related": "related",
}


class Metadata(Record):
    """The validated values of `incident.yaml`; times are None until known."""

    __slots__ = (
        "commander",
        "custom",
        "id",
        "kind",
        "links",
        "readable",
        "roles",
        "services",
        "severity",
        "times",
        "title",
    )

    def __init__(
        self,
        *,
        id: str = "",
        title: str = "",
        severity: str = "",
        commander: str = "",
        services: list[str] | None = None,
        times: dict[str, dt.datetime | None] | None = None,
        readable: bool = True,
        kind: str | None = None,
        roles: dict[str, str] | None = None,
        links: dict[str, list[str]] | None = None,
        custom: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.title = title
        self.severity = severity  # its configured name, whatever alias or case the file used
        self.commander = commander
        self.services = [] if services is None else services
        self.times = {} if times is None else times
        self.kind = kind  # `type:` in the file
        self.roles = {} if roles is None else roles  # role: person (the commander aside)
        self.links = {} if links is None else links  # relation: ids
        self.custom = {} if custom is None else custom  # the team's own fields, as read
        # False when the file could not be read as a mapping (missing, broken YAML, a
        # merge conflict): its values are unknown, not unset.
        self.readable = readable

    def time(self, key: str) -> dt.datetime | None:
        """One of the milestone times (``started_at`` … ``resolved_at``)."""
        return self.times.get(key)

    def holder(self, role: str) -> str:
        """Who holds ``role`` now (the commander is a field of its own); empty if nobody."""
        return self.commander if role == "commander" else self.roles.get(role, "")


def read_metadata(
    text: str, *, path: str, incident_id: str, config: Config
) -> tuple[Metadata, list[Problem]]:
    """Parse and validate; every problem is a ``path:line:`` message, never an exception."""
    meta = Metadata(readable=False)
    conflicted = conflict_marker_line(text)
    if conflicted is not None:
        return meta, [Problem(path, conflicted, "has unresolved merge conflict markers")]
    try:
        data = load_safe(text, path=path)
    except IncidentError as exc:
        return meta, [Problem.from_message(exc.message, path=path)]
    if data is None:
        return meta, [
            Problem(path, 1, "is empty; it needs at least id, title, severity, started_at")
        ]
    if not isinstance(data, dict):
        return meta, [Problem(path, 1, "must be a mapping of keys to values")]
    meta.readable = True

    problems: list[Problem] = []
    lines: dict[str, int] = {}

    def report(key: str, message: str) -> None:
        if not lines:  # one pass over the text, however many keys are reported
            lines.update(key_lines(text))
        problems.append(Problem(path, lines.get(key, 1), message))

    for key in data:
        if key not in _KNOWN:
            report(str(key), f"unknown key {brief(key)} (known keys: {', '.join(KEYS)})")
    for key in REQUIRED:
        if data.get(key) in (None, ""):
            problems.append(Problem(path, 1, f"{key} is missing"))

    for key in ("id", "title", "severity", "commander", "type"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            report(key, f"{key} must be a string, not {_kind(value)} (quote it)")
            continue
        setattr(meta, "kind" if key == "type" else key, value)
    if meta.id and meta.id != incident_id:
        report("id", f"id {brief(meta.id)} does not match the directory name {incident_id!r}")
    if meta.severity:
        level = config.severity(meta.severity)
        if level is None:
            names = ", ".join(config.severity_names)
            report("severity", f"severity {brief(meta.severity)} is not one of {names}")
        else:
            meta.severity = level.name
    if meta.kind is not None and meta.kind not in config.types:
        kinds = ", ".join(config.types) or "none are configured"
        report("type", f"type {brief(meta.kind)} is not a configured incident type ({kinds})")
    _roles(data, meta, config=config, report=report)
    _links(data, meta, report=report)
    custom = data.get("custom")
    if custom is not None:
        if isinstance(custom, dict):
            meta.custom = dict(custom)
        else:
            report("custom", "custom must be a mapping of your own fields to their values")

    services = data.get("services")
    if services is not None:
        if isinstance(services, list) and all(isinstance(s, str) for s in services):
            meta.services = list(services)
        else:
            report("services", "services must be a list of service names")

    for key in MILESTONES:
        value = data.get(key)
        try:
            meta.times[key] = _as_time(value)
        except ValueError as exc:
            report(key, f"{key} {brief(value, quoted=False)} is not a valid time: {exc}")
            meta.times[key] = None

    known = [(key, meta.times[key]) for key in MILESTONES if meta.times.get(key) is not None]
    for (earlier, first), (later, second) in itertools.pairwise(known):
        assert first is not None and second is not None
        if second < first:
            report(
                later, f"{later} ({second.isoformat()}) is before {earlier} ({first.isoformat()})"
            )
    return meta, problems


def _roles(data: dict[Any, Any], meta: Metadata, *, config: Config, report: Any) -> None:
    roles = data.get("roles")
    if roles is None:
        return
    if not isinstance(roles, dict):
        report("roles", "roles must be a mapping of role to person, e.g. scribe: Bo Li")
        return
    for role, person in roles.items():
        if role == "commander":
            report("roles", "the commander is the commander key, not a role under roles")
        elif role not in config.roles:
            report("roles", f"unknown role {brief(role)} (roles: {', '.join(config.roles)})")
        elif not isinstance(person, str) or not person.strip():
            report("roles", f"role {role} must name a person")
        else:
            meta.roles[str(role)] = person


def _links(data: dict[Any, Any], meta: Metadata, *, report: Any) -> None:
    links = data.get("links")
    if links is None:
        return
    if not isinstance(links, dict):
        report("links", f"links must be a mapping of {', '.join(LINKS)} to incident ids")
        return
    for relation, ids in links.items():
        if relation not in LINKS:
            report("links", f"unknown link {brief(relation)} (known: {', '.join(LINKS)})")
            continue
        if isinstance(ids, str):
            ids = [ids]
        if not isinstance(ids, list) or not all(
            isinstance(i, str) and ID_PATTERN.match(i) for i in ids
        ):
            report("links", f"links.{relation} must be a list of incident ids")
            continue
        meta.links[str(relation)] = list(ids)


def _as_time(value: Any) -> dt.datetime | None:
    if type(value) is str and value:  # the commonest: a quoted time
        return parse_iso(value)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        # An unquoted timestamp: YAML already parsed it; keep it if it carries an offset.
        if value.tzinfo is None:
            raise ValueError("it has no UTC offset (write it quoted, with e.g. +00:00)")
        return value
    if isinstance(value, dt.date):
        raise ValueError('it is a date without a time (write e.g. "2026-11-25T14:05:00+00:00")')
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO-8601 string, got {_kind(value)}")
    return parse_iso(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
