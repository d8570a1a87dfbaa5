"""`incident set`, `role` and `link`: change an incident's facts on the record.

Each change edits `incident.yaml` in place (ruamel.yaml's round trip keeps its comments,
order and quoting), appends the old and the new value with the reason to `timeline.md`, and
is validated before anything is written: a change that would leave the file invalid writes
nothing. Writers hold the incident's lock and re-read first, as `incident log` does.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from incidentflow.errors import IncidentError
from incidentflow.files.atomic import write_in_tree
from incidentflow.files.yamlio import load_roundtrip, roundtrip
from incidentflow.model import history, stages
from incidentflow.model.ids import clean_title
from incidentflow.model.incidents import TIMELINE_NAME, incident_dir
from incidentflow.model.metadata import LINKS, METADATA_NAME, Metadata, read_metadata
from incidentflow.model.timeline import format_entry
from incidentflow.model.workspace import Workspace
from incidentflow.workflow.logbook import appended, check_author, check_text, read_file
from incidentflow.workflow.refresh import refresh_locked

FIELDS = ("severity", "title", "commander", "services")
# `--as` spellings of the relations in incident.yaml.
RELATIONS = {key.replace("_", "-"): key for key in LINKS}

# Edits incident.yaml's round-trip data and says what changed, as timeline texts; given the
# metadata as it was. May return the files it changes besides (path: new text).
Edit = Callable[[Any, Metadata], tuple[list[str], dict[Path, str]]]


def set_field(
    workspace: Workspace,
    incident_id: str,
    field: str,
    values: list[str],
    *,
    reason: str,
    author: str,
    at: dt.datetime,
    mode: str = "replace",
) -> list[str]:
    """Change ``field`` (see FIELDS); ``mode`` is ``add`` or ``remove`` for services.
    Return the timeline lines written."""
    check_text(reason, what="--reason")
    if field not in FIELDS:
        raise IncidentError(f"cannot set {field!r}; choose {', '.join(FIELDS)}")
    if field != "services" and mode != "replace":
        raise IncidentError("--add and --remove apply to services only")
    if field != "services" and len(values) != 1:
        raise IncidentError(f'give {field} one value (quote it: incident set {field} "...")')
    config = workspace.config
    directory = workspace.root / incident_dir(config, incident_id)

    def edit(data: Any, meta: Metadata) -> tuple[list[str], dict[Path, str]]:
        if field == "severity":
            level = config.severity(values[0])
            if level is None:
                names = ", ".join(config.severity_names)
                raise IncidentError(f"severity {values[0]!r} is not one of {names}")
            _unchanged(meta.severity, level.name, "severity")
            data["severity"] = level.name
            return [history.severity_line(meta.severity, level.name, reason)], {}
        if field == "title":
            title = clean_title(values[0])
            _unchanged(meta.title, title, "title")
            data["title"] = title
            return [history.title_line(meta.title, title, reason)], _retitled(
                workspace, directory, meta.title, title
            )
        if field == "commander":
            person = _person(values[0])
            _unchanged(meta.commander, person, "commander")
            data["commander"] = person
            return [history.role_line("commander", meta.commander, person, reason)], {}
        return _services(data, meta, values, mode=mode, reason=reason), {}

    return _amend(workspace, incident_id, edit, author=author, at=at)


def assign_role(
    workspace: Workspace,
    incident_id: str,
    role: str,
    person: str,
    *,
    reason: str | None,
    author: str,
    at: dt.datetime,
) -> list[str]:
    """Give ``role`` to ``person`` (`nobody` frees it), logging the handoff."""
    config = workspace.config
    if role not in config.roles:
        raise IncidentError(f"unknown role {role!r}; roles: {', '.join(config.roles)}")
    if reason is not None:
        check_text(reason, what="--reason")
    freed = person.strip().casefold() == history.NOBODY
    who = "" if freed else _person(person)

    def edit(data: Any, meta: Metadata) -> tuple[list[str], dict[Path, str]]:
        held = meta.holder(role)
        _unchanged(held, who, role)
        if role == "commander":
            if not who:
                raise IncidentError("an incident always has a commander; hand it to someone")
            data["commander"] = who
        else:
            roles = data.get("roles")
            if roles is None:
                from ruamel.yaml.comments import CommentedMap

                roles = CommentedMap()
                data.insert(_after(data, "commander"), "roles", roles)
            if who:
                roles[role] = who
            else:
                del roles[role]
                if not roles:
                    del data["roles"]
        return [history.role_line(role, held, who, reason)], {}

    return _amend(workspace, incident_id, edit, author=author, at=at)


def link_incidents(
    workspace: Workspace,
    incident_id: str,
    other: str,
    relation: str,
    *,
    reason: str | None,
    author: str,
    at: dt.datetime,
) -> list[str]:
    """Link two incidents: ``incident_id`` <relation> ``other``, and the inverse on the
    other side, each logged in its own timeline."""
    key = RELATIONS.get(relation, relation)
    if key not in LINKS:
        raise IncidentError(f"unknown link {relation!r}; choose {', '.join(RELATIONS)}")
    if reason is not None:
        check_text(reason, what="--reason")
    if other == incident_id:
        raise IncidentError("an incident cannot be linked to itself")
    if other not in workspace.ids():
        raise IncidentError(f"no incident {other!r} in {workspace.config.incidents_dir}/")

    def adding(relation: str, target: str) -> Edit:
        def edit(data: Any, meta: Metadata) -> tuple[list[str], dict[Path, str]]:
            for already, others in meta.links.items():
                if target in others:
                    said = already.replace("_", "-")
                    raise IncidentError(f"{meta.id} is already linked: {said} {target}")
            links = data.get("links")
            if links is None:
                from ruamel.yaml.comments import CommentedMap

                links = CommentedMap()
                data["links"] = links
            existing = links.get(relation)
            if existing is None:
                links[relation] = [target]
            elif isinstance(existing, str):
                links[relation] = [existing, target]
            else:
                existing.append(target)
            return [history.link_line(relation, target, reason)], {}

        return edit

    # Both sides or neither: check the other side's file before writing this one.
    with ExitStack() as stack:
        for name in sorted((incident_id, other)):
            stack.enter_context(workspace.lock(name))
        first = _prepared(workspace, incident_id, adding(key, other), author=author, at=at)
        second = _prepared(workspace, other, adding(LINKS[key], incident_id), author=author, at=at)
        for prepared in (first, second):
            _write(workspace, prepared)
        for name in (incident_id, other):
            refresh_locked(workspace, name)
    return first[1]


def _services(data: Any, meta: Metadata, values: list[str], *, mode: str, reason: str) -> list[str]:
    for name in values:
        if not name.strip() or any(ord(ch) < 32 for ch in name):
            raise IncidentError(f"service name {name!r} is empty or has control characters")
    current = list(meta.services)
    if mode == "add":
        wanted = current + [v for v in dict.fromkeys(values) if v not in current]
    elif mode == "remove":
        unknown = [v for v in values if v not in current]
        if unknown:
            shown = ", ".join(current) or "none"
            raise IncidentError(f"not among the services ({shown}): {', '.join(unknown)}")
        wanted = [s for s in current if s not in values]
    else:
        wanted = list(dict.fromkeys(values))
    added = [s for s in wanted if s not in current]
    removed = [s for s in current if s not in wanted]
    if not added and not removed:
        shown = ", ".join(current) or "empty"
        raise IncidentError(f"services are already {shown}; nothing changed")
    services = data.get("services")
    if services is None or not hasattr(services, "append"):
        data["services"] = wanted
    else:  # the same list object keeps its comments
        services[:] = wanted
    return [history.services_line(added, removed, reason)]


def _retitled(workspace: Workspace, directory: Path, old: str, new: str) -> dict[Path, str]:
    """Each stage file's and the timeline's `# … — <title>` heading, retitled."""
    changed = {}
    names = [stage.filename for stage in stages.STAGES] + [TIMELINE_NAME]
    for name in names:
        path = directory / name
        if not path.exists():
            continue
        text = read_file(workspace, path)
        lines = text.split("\n")
        for number, line in enumerate(lines):
            if line.startswith("# "):
                bare = line.rstrip("\r")
                if bare.endswith(f" — {old}"):
                    ending = line[len(bare) :]
                    lines[number] = bare[: -len(old)] + new + ending
                    changed[path] = "\n".join(lines)
                break  # only the file's first heading carries the title
    return changed


def _amend(
    workspace: Workspace, incident_id: str, edit: Edit, *, author: str, at: dt.datetime
) -> list[str]:
    with workspace.lock(incident_id):
        prepared = _prepared(workspace, incident_id, edit, author=author, at=at)
        _write(workspace, prepared)
        refresh_locked(workspace, incident_id)
    return prepared[1]


Prepared = tuple[dict[Path, str], list[str]]


def _prepared(
    workspace: Workspace, incident_id: str, edit: Edit, *, author: str, at: dt.datetime
) -> Prepared:
    """The files an edit writes (path: text) and its timeline lines; nothing written yet."""
    check_author(author)
    config = workspace.config
    relative = incident_dir(config, incident_id)
    directory = workspace.root / relative
    relpath = f"{relative}/{METADATA_NAME}"
    text = read_file(workspace, directory / METADATA_NAME)
    meta, problems = read_metadata(text, path=relpath, incident_id=incident_id, config=config)
    if problems:
        raise IncidentError(f"{problems[0]} (fix it first; nothing was changed)")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    data = load_roundtrip(text.removeprefix("\ufeff"), path=relpath)
    texts, others = edit(data, meta)
    stream = io.StringIO()
    roundtrip().dump(data, stream)
    updated = bom + stream.getvalue()
    if "\r\n" in text:
        updated = updated.replace("\r\n", "\n").replace("\n", "\r\n")
    _, problems = read_metadata(updated, path=relpath, incident_id=incident_id, config=config)
    if problems:
        raise IncidentError(f"{problems[0]} (nothing was changed)")
    tz = config.tz()
    lines = [format_entry(at.astimezone(tz), said, author) for said in texts]
    timeline = directory / TIMELINE_NAME
    files = {directory / METADATA_NAME: updated, **others}
    files[timeline] = appended(files.get(timeline) or read_file(workspace, timeline), lines)
    return files, lines


def _write(workspace: Workspace, prepared: Prepared) -> None:
    for path, text in prepared[0].items():
        write_in_tree(workspace.root, path, text)


def _unchanged(old: str, new: str, what: str) -> None:
    if old == new:
        raise IncidentError(f"{what} is already {new or 'unset'}; nothing changed")


def _person(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or any(ord(ch) < 32 for ch in name) or "(" in name or ")" in name:
        raise IncidentError(f"{name!r} is not a name (empty, control characters or parentheses)")
    return cleaned


def _after(data: Any, key: str) -> int:
    """The position just after ``key`` in a mapping (its end when absent)."""
    keys = list(data)
    return keys.index(key) + 1 if key in keys else len(keys)
