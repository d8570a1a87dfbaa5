"""Keep CHANGELOG.md in step with finished postmortems: find what is missing, insert it."""

from __future__ import annotations

import os
import posixpath

from incidentflow.errors import IncidentError
from incidentflow.files.atomic import write_in_tree
from incidentflow.files.textfile import decode
from incidentflow.model.config import Config
from incidentflow.model.incidents import IncidentReport
from incidentflow.model.stages import POSTMORTEM

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)

if TYPE_CHECKING:
    from incidentflow.changelog.entries import ChangelogEntry


def finished_entry(report: IncidentReport, config: Config) -> ChangelogEntry | None:
    """The changelog entry of an incident whose postmortem meets its goal, else None."""
    result = report.result(POSTMORTEM)
    if result is None or not result.met or report.meta_problems:
        return None
    section = result.doc.section("Changelog entry")
    resolved = report.meta.time("resolved_at")
    if section is None or resolved is None:
        return None
    from incidentflow.changelog.entries import ChangelogEntry

    changelog_dir = posixpath.dirname(config.changelog) or "."
    return ChangelogEntry(
        incident_id=report.id,
        text=" ".join(section.filled_text().split()),
        severity=report.meta.severity,
        date=resolved.astimezone(config.tz()).date().isoformat(),
        link=posixpath.relpath(result.path, changelog_dir),
    )


def read_changelog(config: Config) -> str | None:
    """The changelog's text, or None when the file does not exist yet."""
    raw = _read_raw(config)
    if raw is None:
        return None
    text = decode(raw, path=config.changelog)
    return text[1:] if text.startswith("\ufeff") else text


def _read_raw(config: Config) -> bytes | None:
    try:
        return (config.root / config.changelog).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise IncidentError(f"{config.changelog}: cannot read: {reason}") from None


def missing_entries(config: Config, entries: list[ChangelogEntry]) -> list[ChangelogEntry]:
    """The entries the changelog does not have yet (by marker, anywhere in the file)."""
    from incidentflow.changelog.entries import has_entry

    text = read_changelog(config)
    return [e for e in entries if text is None or not has_entry(text, e.incident_id)]


def add_entries(config: Config, entries: list[ChangelogEntry]) -> list[ChangelogEntry]:
    """Insert missing entries into the changelog; return the ones added (maybe none)."""
    if not entries:
        return []
    from incidentflow.changelog.entries import has_entry
    from incidentflow.changelog.keepachangelog import insert_entries

    path = config.root / config.changelog
    raw = _read_raw(config)
    text = None if raw is None else decode(raw, path=config.changelog).removeprefix("\ufeff")
    todo = [e for e in entries if text is None or not has_entry(text, e.incident_id)]
    if not todo:
        return []
    try:
        updated = insert_entries(
            text, todo, section=config.changelog_section, category=config.changelog_category
        )
    except ValueError as exc:
        raise IncidentError(f"{config.changelog}: cannot add the entry: {exc}") from None
    if raw is not None and raw.startswith(b"\xef\xbb\xbf"):
        updated = "\ufeff" + updated
    os.makedirs(path.parent, exist_ok=True)
    write_in_tree(config.root, path, updated)
    return todo
