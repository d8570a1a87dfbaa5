"""Keep the changelog in step with finished postmortems, in whichever format it is kept.

`review` says, entry by entry, what a view of the repository holds: the working tree for
`incident changelog`, the index for the hook (what the commit will carry). `write` brings
the working tree in step: it adds what is missing and rewrites what drifted.
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
from collections.abc import Callable

from incidentflow.changelog.entries import (
    ChangelogEntry,
    commit_line,
    differences,
    item_text,
    names_incident,
)
from incidentflow.changelog.formats import GENERATED, KEEP_A_CHANGELOG, Layout
from incidentflow.errors import IncidentError
from incidentflow.files.atomic import write_in_tree
from incidentflow.files.markdown_sections import split_lines
from incidentflow.files.repo_paths import ensure_inside
from incidentflow.files.textfile import conflict_marker_line, decode
from incidentflow.git.repo import Git
from incidentflow.git.snapshot import StagedIndex, WorkingTree
from incidentflow.model.config import Config
from incidentflow.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    from incidentflow.changelog.keepachangelog import Found

_BULLET_PREFIX = re.compile(r"[ \t]*(?:[-*+][ \t]+)?")

PRESENT = "present"
MISSING = "missing"
STALE = "stale"  # unreleased, but no longer what its postmortem says
RELEASED = "released"  # released under a version, and no longer what its postmortem says


class Verdict(Record):
    """What a view holds of one entry: its ``state``, the file it is (or goes) in, the line
    (1-based, when known), the text there now (whitespace collapsed; None when missing)
    and a ``detail``: what differs, the version it was released under, or the commit line
    a generated changelog needs."""

    __slots__ = ("current", "detail", "entry", "line", "path", "state")

    def __init__(
        self,
        entry: ChangelogEntry,
        state: str,
        path: str,
        *,
        line: int | None = None,
        current: str | None = None,
        detail: str = "",
    ) -> None:
        self.entry = entry
        self.state = state
        self.path = path
        self.line = line
        self.current = current
        self.detail = detail

    @property
    def where(self) -> str:
        """`path:line`, or the path alone."""
        return self.path if self.line is None else f"{self.path}:{self.line}"


class Files:
    """Read access to a view of the repository, by repo-relative path."""

    def read(self, relpath: str) -> bytes | None:
        """The file's bytes, or None when it is not there."""
        raise NotImplementedError

    def names(self, directory: str) -> list[str]:
        """The names of the files directly in ``directory``."""
        raise NotImplementedError


class TreeFiles(Files):
    """The working tree."""

    def __init__(self, config: Config) -> None:
        self.root = config.root
        self._tree = WorkingTree(config.root)

    def read(self, relpath: str) -> bytes | None:
        """Read from disk (symlinks are followed only inside the repository); a directory
        where the file should be is an error, since writing there would fail too."""
        if os.path.isdir(self.root / relpath):
            raise IncidentError(f"{relpath}: cannot read: Is a directory")
        return self._tree.read(relpath)

    def names(self, directory: str) -> list[str]:
        """List the directory on disk; one that is not there has no files."""
        path = self.root / directory
        ensure_inside(self.root, path, shown=directory)
        try:
            return sorted(entry.name for entry in os.scandir(path) if entry.is_file())
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise IncidentError(f"{directory}: cannot read: {exc.strerror}") from None


class StagedFiles(Files):
    """The index: what the commit being made will hold."""

    def __init__(self, git: Git, layout: Layout) -> None:
        paths = [layout.changelog] if layout.changelog else []
        if layout.directory:
            paths.append(layout.directory + "/")
        # A file left in a merge conflict is an error naming it, as for stage files.
        self._index = StagedIndex(git, git.staged(paths))

    def read(self, relpath: str) -> bytes | None:
        """The staged blob, or None when the path is not staged."""
        return self._index.read(relpath)

    def names(self, directory: str) -> list[str]:
        """Staged files directly in the directory."""
        prefix = directory + "/"
        return sorted(
            path[len(prefix) :]
            for path in self._index.paths()
            if path.startswith(prefix) and "/" not in path[len(prefix) :]
        )


def released_note(verdict: Verdict) -> str:
    """One line: a released entry is never rewritten, though its postmortem changed."""
    label = verdict.detail if len(verdict.detail) <= 60 else verdict.detail[:59] + "…"
    version = f"released under {label}" if label else "outside the unreleased section"
    return (
        f"{verdict.where}: the entry for {verdict.entry.incident_id} is {version} and stays "
        "as it is, though its postmortem's Changelog entry now reads differently"
    )


def review(
    layout: Layout,
    files: Files,
    entries: list[ChangelogEntry],
    *,
    committed: Callable[[str], bool] | None = None,
) -> list[Verdict]:
    """Judge each entry against a view of the repository.

    For a generated changelog, ``committed`` (when given) tells whether a commit message
    already names the incident: the next generation will carry it.
    """
    if layout.kind == KEEP_A_CHANGELOG:
        return _review_lines(layout, files, entries)
    if layout.kind == GENERATED:
        return _review_generated(layout, files, entries, committed)
    return _review_fragments(layout, files, entries)


def _review_lines(layout: Layout, files: Files, entries: list[ChangelogEntry]) -> list[Verdict]:
    path = layout.changelog or layout.shown
    text = _text(files, path)
    if text is None:
        return [Verdict(entry, MISSING, path) for entry in entries]
    # A line written as the entry reads, wherever it is, is in step: most commits need no
    # more than this, and no parse of the file.
    as_written = {_BULLET_PREFIX.sub("", line, count=1).rstrip() for line in split_lines(text)}
    unsure = [e.incident_id for e in entries if item_text(e) not in as_written]
    located: dict[str, Found] = {}
    if unsure:
        from incidentflow.changelog.keepachangelog import locate_all

        located = locate_all(text, unsure, section=layout.section)
    verdicts = []
    for entry in entries:
        wanted = " ".join(item_text(entry).split())
        if entry.incident_id not in unsure:
            verdicts.append(Verdict(entry, PRESENT, path, current=wanted))
            continue
        found = located.get(entry.incident_id)
        if found is None:
            verdicts.append(Verdict(entry, MISSING, path))
            continue
        state = PRESENT if found.current == wanted else STALE
        detail = "" if state == PRESENT else differences(found.current, entry)
        if state == STALE and found.released_under is not None:
            state, detail = RELEASED, found.released_under
        verdicts.append(
            Verdict(entry, state, path, line=found.line, current=found.current, detail=detail)
        )
    return verdicts


def commits_naming(git: Git, ids: list[str]) -> Callable[[str], bool]:
    """Whether a commit on HEAD says `incident <id>`, as the proposed commit line does (one
    `git log`): a changelog generated from commits will carry its entry."""
    if not ids:
        return lambda _: False
    messages = git.messages_matching([f"incident {incident_id}" for incident_id in ids])

    def named(incident_id: str) -> bool:
        pattern = rf"\bincident\s+{re.escape(incident_id)}(?![\w-])"
        return re.search(pattern, messages, re.IGNORECASE) is not None

    return named


def _review_generated(
    layout: Layout,
    files: Files,
    entries: list[ChangelogEntry],
    committed: Callable[[str], bool] | None,
) -> list[Verdict]:
    """Present when the generated file names the incident, or a commit does (it will)."""
    text = _text(files, layout.changelog) or ""
    verdicts = []
    for entry in entries:
        incident_id = entry.incident_id
        if names_incident(text, incident_id) or (committed is not None and committed(incident_id)):
            verdicts.append(Verdict(entry, PRESENT, layout.shown))
        else:
            verdicts.append(Verdict(entry, MISSING, layout.shown, detail=commit_line(entry)))
    return verdicts


def _review_fragments(layout: Layout, files: Files, entries: list[ChangelogEntry]) -> list[Verdict]:
    directory = layout.directory or "."
    names = files.names(directory)
    released: str | None = None
    verdicts = []
    for entry in entries:
        name = next((n for n in names if layout.is_fragment_of(n, entry.incident_id)), None)
        if name is not None:
            path = posixpath.join(directory, name)
            current = " ".join((_text(files, path) or "").split())
            wanted = " ".join(layout.fragment(entry).split())
            if current == wanted:
                verdicts.append(Verdict(entry, PRESENT, path, current=current))
            else:
                detail = "its text is not the postmortem's Changelog entry"
                verdicts.append(Verdict(entry, STALE, path, current=current, detail=detail))
            continue
        if released is None and layout.changelog is not None:
            released = _text(files, layout.changelog) or ""
        # Collected or built into the changelog: the fragment is gone, the entry released.
        # (Markdown keeps the marker; reStructuredText keeps the id in the link.)
        if released and names_incident(released, entry.incident_id):
            verdicts.append(Verdict(entry, PRESENT, layout.shown))
            continue
        path = posixpath.join(directory, layout.fragment_name(entry.incident_id))
        verdicts.append(Verdict(entry, MISSING, path))
    return verdicts


def write(layout: Layout, config: Config, verdicts: list[Verdict]) -> list[Verdict]:
    """Bring the working tree in step for the missing and stale verdicts (of the working
    tree); return those written."""
    todo = [v for v in verdicts if v.state in (MISSING, STALE)]
    if not todo or layout.kind == GENERATED:
        return []
    if layout.kind == KEEP_A_CHANGELOG:
        _write_lines(layout, config, todo)
        return todo
    for verdict in todo:
        _write(config, verdict.path, layout.fragment(verdict.entry))
    return todo


def _write_lines(layout: Layout, config: Config, todo: list[Verdict]) -> None:
    from incidentflow.changelog.keepachangelog import insert_entries, rewrite_entries

    relpath = layout.changelog or layout.shown
    raw = TreeFiles(config).read(relpath)
    text = None if raw is None else decode(raw, path=relpath).removeprefix("\ufeff")
    conflicted = None if text is None else conflict_marker_line(text)
    if conflicted is not None:
        # Which side of the conflict the entry belongs to is for a person to decide.
        raise IncidentError(
            f"{relpath}:{conflicted}: has merge conflict markers; resolve them, then add the "
            "entry (commit again, or run `incident changelog`)"
        )
    stale = {v.entry.incident_id: v.entry for v in todo if v.state == STALE}
    missing = [v.entry for v in todo if v.state == MISSING]
    try:
        updated = (
            text
            if not stale or text is None
            else rewrite_entries(text, stale, section=layout.section)
        )
        updated = insert_entries(
            updated, missing, section=layout.section, category=layout.category or "Fixed"
        )
    except ValueError as exc:
        raise IncidentError(f"{layout.shown}: cannot add the entry: {exc}") from None
    if raw is not None and raw.startswith(b"\xef\xbb\xbf"):
        updated = "\ufeff" + updated
    _write(config, relpath, updated, through=layout.shown)


def _write(config: Config, relpath: str, text: str, *, through: str | None = None) -> None:
    """Write a user's file atomically, creating its directory (inside the tree) if need be;
    ``through`` is the name it is known by when that is a symlink to ``relpath``."""
    parent = posixpath.dirname(relpath)
    if parent and os.path.lexists(config.root / parent) and not os.path.isdir(config.root / parent):
        raise IncidentError(f"{parent}: is not a directory, so {relpath} cannot be written")
    try:
        if parent:
            ensure_inside(config.root, config.root / parent, shown=parent)
            os.makedirs(config.root / parent, exist_ok=True)
        write_in_tree(config.root, config.root / (through or relpath), text)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise  # no room: said as such where every command says it
        where = exc.filename if isinstance(exc.filename, str) else relpath
        shown = os.path.relpath(where, config.root) if os.path.isabs(where) else where
        raise IncidentError(f"{shown}: cannot write: {exc.strerror}") from None


def _text(files: Files, relpath: str | None) -> str | None:
    if relpath is None:
        return None
    raw = files.read(relpath)
    return None if raw is None else decode(raw, path=relpath).removeprefix("\ufeff")
