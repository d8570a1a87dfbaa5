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
from incidentflow.model.timeline import format_entry
from incidentflow.model.times import isoformat
from incidentflow.model.workspace import Workspace
from incidentflow.workflow.refresh import refresh_locked

MILESTONE_NAMES = ("detected", "contained", "resolved")


def log_entry(
    workspace: Workspace,
    incident_id: str,
    text: str,
    *,
    at: dt.datetime,
    author: str,
    milestone: str | None = None,
    now: dt.datetime | None = None,
) -> list[str]:
    """Append a timeline entry (and set a milestone time); return the lines written.

    Moving a milestone already set logs the correction too (at ``now``), with the old and
    the new time, so the record keeps both. The postmortem's generated timeline, if it has
    one, is drawn again from the new facts.
    """
    check_text(text, what="the entry text")
    check_author(author)
    tz = workspace.config.tz()
    directory = workspace.root / incident_dir(workspace.config, incident_id)
    lines = [format_entry(at.astimezone(tz), text, author)]
    with workspace.lock(incident_id):
        # Read everything first, so a problem with either file changes neither.
        timeline = directory / TIMELINE_NAME
        current = _read(timeline, workspace)
        if milestone is not None:
            before = set_milestone(workspace, incident_id, milestone, at)
            if before is not None and before != at:
                key = f"{milestone}_at"
                was, now_is = isoformat(before.astimezone(tz)), isoformat(at.astimezone(tz))
                lines.append(
                    format_entry(
                        (now or at).astimezone(tz), f"Corrected {key}: {was} → {now_is}", author
                    )
                )
        write_in_tree(workspace.root, timeline, appended(current, lines))
        refresh_locked(workspace, incident_id)
    return lines


def check_text(text: str, *, what: str) -> None:
    """Refuse an empty text or one with control characters (a timeline line stays a line)."""
    if not text.strip():
        raise IncidentError(f"{what} is empty")
    if any(ord(ch) < 32 and ch not in "\t\n" for ch in text):
        raise IncidentError(f"{what} contains control characters")


def check_author(author: str) -> None:
    """Refuse an author the timeline could not read back (`(author)` ends each entry)."""
    if not author.strip() or any(ord(ch) < 32 or ch in "()" for ch in author):
        raise IncidentError(
            f"the author {author!r} is empty or has control characters or parentheses"
        )


def appended(timeline: str, lines: list[str]) -> str:
    """``timeline`` with ``lines`` added at its end, in its own line endings."""
    newline = "\r\n" if "\r\n" in timeline else "\n"
    separator = "" if not timeline or timeline.endswith("\n") else newline
    return timeline + separator + "".join(line + newline for line in lines)


def read_file(workspace: Workspace, path: Path) -> str:
    """An incident's file as text; a missing timeline reads as empty."""
    return _read(path, workspace)


def set_milestone(
    workspace: Workspace, incident_id: str, milestone: str, at: dt.datetime
) -> dt.datetime | None:
    """Set ``<milestone>_at`` in incident.yaml, keeping every other byte; refuse bad order.
    Return the time it had before (None when unset)."""
    if milestone not in MILESTONE_NAMES:
        raise IncidentError(f"unknown milestone {milestone!r}; choose {', '.join(MILESTONE_NAMES)}")
    key = f"{milestone}_at"
    relpath = f"{incident_dir(workspace.config, incident_id)}/{METADATA_NAME}"
    path = workspace.root / relpath
    text = _read(path, workspace)
    from incidentflow.files.yamlio import load_safe

    load_safe(text.removeprefix("\ufeff"), path=relpath)  # a broken file is reported as such
    previous, _ = read_metadata(
        text, path=relpath, incident_id=incident_id, config=workspace.config
    )
    value = quote(isoformat(at.astimezone(workspace.config.tz())))
    found = _value_span(text, key)
    if found is not None:
        start, end = found
        # `key:` with nothing after the colon needs the space YAML requires before a value.
        space = "" if text[start - 1] in " \t" else " "
        updated = text[:start] + space + value + text[end:]
    else:
        newline = "\r\n" if "\r\n" in text else "\n"
        updated = text + ("" if text.endswith("\n") else newline) + f"{key}: {value}{newline}"
    _, problems = read_metadata(
        updated, path=relpath, incident_id=incident_id, config=workspace.config
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
    return previous.time(key)


def _value_span(text: str, key: str) -> tuple[int, int] | None:
    """Where the value of top-level ``key`` is in ``text``: after the colon and its blanks,
    up to a comment or the end of the line (with string methods: linear in the line)."""
    match = re.search(rf"(?m)^{re.escape(key)}[ \t]*:", text)
    if match is None:
        return None
    line_end = len(text)
    for stop in ("\n", "\r"):
        found = text.find(stop, match.end())
        if found != -1:
            line_end = min(line_end, found)
    start = match.end()
    while start < line_end and text[start] in " \t":
        start += 1
    end = line_end
    if start < line_end and text[start] == "#":
        end = start  # `key: # note`: no value yet
    else:
        segment = text[start:line_end]
        comments = [at for at in (segment.find(" #"), segment.find("\t#")) if at != -1]
        if comments:
            end = start + min(comments)
    while end > start and text[end - 1] in " \t":
        end -= 1
    return start, end


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
