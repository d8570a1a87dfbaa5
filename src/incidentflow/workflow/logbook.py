"""`incident log`: append to the timeline and set milestones, safely under concurrency.

Writers take an exclusive lock in the git directory, re-read the file, and replace it
atomically, so two responders logging at once lose no entry and tear no line.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from incidentflow.errors import IncidentError
from incidentflow.files.atomic import write_in_tree
from incidentflow.files.repo_paths import checked
from incidentflow.files.textfile import decode
from incidentflow.files.yamlio import quote
from incidentflow.model.incidents import TIMELINE_NAME, incident_dir
from incidentflow.model.metadata import METADATA_NAME, MILESTONES, read_metadata
from incidentflow.model.times import isoformat
from incidentflow.model.workspace import Workspace
from incidentflow.timeline.entries import format_entry

MILESTONE_NAMES = ("detected", "contained", "resolved")


def log_entry(
    workspace: Workspace,
    incident_id: str,
    text: str,
    *,
    at: dt.datetime,
    author: str,
    milestone: str | None = None,
) -> str:
    """Append a timeline entry (and set a milestone time); return the line written."""
    if not text.strip():
        raise IncidentError("the entry text is empty")
    if any(ord(ch) < 32 and ch not in "\t\n" for ch in text):
        raise IncidentError("the entry text contains control characters")
    if not author.strip() or any(ord(ch) < 32 or ch in "()" for ch in author):
        raise IncidentError(
            f"the author {author!r} is empty or has control characters or parentheses"
        )
    directory = workspace.root / incident_dir(workspace.config, incident_id)
    line = format_entry(at.astimezone(workspace.config.tz()), text, author)
    with workspace.lock(incident_id):
        # Read everything first, so a problem with either file changes neither.
        timeline = directory / TIMELINE_NAME
        current = _read(timeline, workspace)
        newline = "\r\n" if "\r\n" in current else "\n"
        separator = "" if not current or current.endswith("\n") else newline
        if milestone is not None:
            set_milestone(workspace, incident_id, milestone, at)
        write_in_tree(workspace.root, timeline, current + separator + line + newline)
    return line


def set_milestone(workspace: Workspace, incident_id: str, milestone: str, at: dt.datetime) -> None:
    """Set ``<milestone>_at`` in incident.yaml, keeping every other byte; refuse bad order."""
    if milestone not in MILESTONE_NAMES:
        raise IncidentError(f"unknown milestone {milestone!r}; choose {', '.join(MILESTONE_NAMES)}")
    key = f"{milestone}_at"
    relpath = f"{incident_dir(workspace.config, incident_id)}/{METADATA_NAME}"
    path = workspace.root / relpath
    text = _read(path, workspace)
    from incidentflow.files.yamlio import load_safe

    load_safe(text.removeprefix("\ufeff"), path=relpath)  # a broken file is reported as such
    value = quote(isoformat(at.astimezone(workspace.config.tz())))
    pattern = re.compile(
        rf"(?m)^{key}[ \t]*:[ \t]*(?P<value>[^#\r\n]*?)(?P<rest>[ \t]+#[^\r\n]*)?(?P<eol>\r?)$"
    )
    match = pattern.search(text)
    if match:
        # `key:` with nothing after the colon needs the space YAML requires before a value.
        space = "" if text[match.start("value") - 1] in " \t" else " "
        updated = text[: match.start("value")] + space + value + text[match.end("value") :]
    else:
        newline = "\r\n" if "\r\n" in text else "\n"
        updated = text + ("" if text.endswith("\n") else newline) + f"{key}: {value}{newline}"
    _, problems = read_metadata(
        updated, path=relpath, incident_id=incident_id, severities=workspace.config.severity_names
    )
    order = [
        p for p in problems if "is before" in p.message or p.message.startswith(tuple(MILESTONES))
    ]
    if order:
        raise IncidentError(f"refusing to set {key}: {order[0]}")
    if not _reads_back(updated, key, isoformat(at.astimezone(workspace.config.tz())), relpath):
        raise IncidentError(
            f"{relpath}: cannot set {key} in this file's layout without risking other values; "
            f"set it by hand to {value}"
        )
    write_in_tree(workspace.root, path, updated)


def _reads_back(text: str, key: str, expected: str, relpath: str) -> bool:
    """Whether ``text`` still parses and holds ``expected`` at ``key``: the edit did as meant."""
    from incidentflow.files.yamlio import load_safe

    try:
        data = load_safe(text.removeprefix("\ufeff"), path=relpath)
    except IncidentError:
        return False
    if not isinstance(data, dict):
        return False
    found = data.get(key)
    if isinstance(found, dt.datetime):
        found = found.isoformat()
    return found == expected


def _read(path: Path, workspace: Workspace) -> str:
    shown = str(path.relative_to(workspace.root))
    try:
        return decode(checked(workspace.root, path).read_bytes(), path=shown)
    except FileNotFoundError:
        if path.name == TIMELINE_NAME:
            return ""
        raise IncidentError(f"{shown} is missing") from None
