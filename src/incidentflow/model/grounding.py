"""Whether a code reference resolves, and stays resolved as the code moves on.

A reference is judged first where the record is being judged: the index (the hook: what the
commit will hold) or `HEAD` and the working tree (`incident check`). That is the common case
and costs one object lookup. Only when that fails does history come in: a reference on a line
already committed is judged against the code as it was when the line was written — at the
commit that last changed the line (`git blame` of the stage file), else at the commit that
was current when the incident started. So a reference that resolved when it was written never
becomes a failure later, whatever happens to the code it cites: a refactor, a rename, a
deletion, a merge or a squash. A line not committed yet has no such past: it must resolve now.

A bare file name (`remove_capacity.py`) resolves when exactly one tracked file has that name;
with several it resolves without a line number and names them with one; with none, the problem
suggests the closest tracked paths.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
from collections.abc import Callable

from incidentflow.git.repo import Git
from incidentflow.model.coderefs import CodeRef
from incidentflow.records import Record

# What a git object reader answers for a name such as `HEAD:src/app.py`: (kind, bytes), or None.
Read = Callable[[str], "tuple[str, bytes] | None"]


class Blob(Record):
    """What a path names at a revision: a file with its line count, or a directory."""

    __slots__ = ("is_dir", "lines")

    def __init__(self, *, is_dir: bool, lines: int = 0) -> None:
        self.is_dir = is_dir
        self.lines = lines


def line_count(data: bytes) -> int:
    """Lines in a file's bytes, a last line without its newline counted."""
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


class Revision:
    """The files of one revision as a reader of git objects sees them: ``rev`` is a commit
    (`HEAD`, a sha) or ``""`` for the index."""

    def __init__(
        self,
        read: Read,
        rev: str,
        *,
        label: str,
        names: Callable[[], list[str]],
        has_dir: Callable[[str], bool] | None = None,
    ) -> None:
        self._read = read
        self.rev = rev
        self.label = label
        self._names = names
        self._all: list[str] | None = None
        self._has_dir = has_dir
        self._cache: dict[str, Blob | None] = {}

    def lookup(self, path: str) -> Blob | None:
        """The file or directory at ``path``, or None."""
        name = path.rstrip("/")
        if name not in self._cache:
            found = self._read(f"{self.rev}:{name}")
            if found is None:
                blob = None
                if path.endswith("/") and self._has_dir is not None and self._has_dir(path):
                    blob = Blob(is_dir=True)  # the index holds files, not directories
            elif found[0] == "tree":
                blob = Blob(is_dir=True)
            else:
                blob = Blob(is_dir=False, lines=line_count(found[1]))
            self._cache[name] = blob
        return self._cache[name]

    def named(self, name: str) -> list[str]:
        """Every tracked path whose file name is ``name`` (for bare file names)."""
        if self._all is None:
            self._all = self._names()
        return [path for path in self._all if posixpath.basename(path) == name]

    def closest(self, name: str) -> list[str]:
        """A few tracked paths whose file names look like ``name`` (for suggestions)."""
        from difflib import get_close_matches

        if self._all is None:
            self._all = self._names()
        by_name: dict[str, list[str]] = {}
        for path in self._all:
            by_name.setdefault(posixpath.basename(path), []).append(path)
        close = get_close_matches(name, list(by_name), n=3, cutoff=0.6)
        return [path for found in close for path in by_name[found]][:3]


class WorkingFiles:
    """Files as they are on disk, confined to the working tree (for `incident check`: a line
    not committed yet may cite code not committed yet either)."""

    label = "the working tree"

    def __init__(self, root: str) -> None:
        self._root = os.path.realpath(root)

    def lookup(self, path: str) -> Blob | None:
        """The file or directory on disk at ``path``, when it is inside the working tree."""
        full = os.path.realpath(os.path.join(self._root, path))
        inside = full.startswith(self._root + os.sep)
        if not inside or f"{os.sep}.git{os.sep}" in full[len(self._root) :] + os.sep:
            return None
        if os.path.isdir(full):
            return Blob(is_dir=True)
        try:
            with open(full, "rb") as handle:
                return Blob(is_dir=False, lines=line_count(handle.read()))
        except OSError:
            return None


class History:
    """When the lines of a stage file were written, and what the code was then."""

    def __init__(
        self,
        *,
        line_commits: Callable[[str], list[str | None]],
        commit_before: Callable[[dt.datetime], str | None],
    ) -> None:
        self._line_commits = line_commits
        self._commit_before = commit_before
        self._blamed: dict[str, list[str | None]] = {}
        self._before: dict[dt.datetime, str | None] = {}

    def line_commit(self, path: str, line: int) -> str | None:
        """The commit that last changed ``line`` of ``path``; None when it is not committed."""
        if path not in self._blamed:
            self._blamed[path] = self._line_commits(path)
        commits = self._blamed[path]
        return commits[line - 1] if 0 < line <= len(commits) else None

    def commit_before(self, when: dt.datetime) -> str | None:
        """The commit that was current at ``when`` (first-parent history of HEAD)."""
        if when not in self._before:
            self._before[when] = self._commit_before(when)
        return self._before[when]


class Verdict(Record):
    """Why a reference does not resolve (None when it does), and the commit it was judged at
    when that was not the present (a line written before the code changed)."""

    __slots__ = ("judged_at", "reason")

    def __init__(self, reason: str | None, judged_at: str | None = None) -> None:
        self.reason = reason
        self.judged_at = judged_at


class Resolver:
    """Judges references where the record is judged, falling back on history (see above).

    ``revision`` gives the files of a commit, ``commits`` tells whether a name is a commit in
    the repository; ``also`` is a second place a path may be found now (the working tree, for
    `incident check`).
    """

    def __init__(
        self,
        *,
        base: Revision,
        revision: Callable[[str], Revision],
        commits: Callable[[str], bool],
        also: WorkingFiles | None = None,
        history: History | None = None,
    ) -> None:
        self.base = base
        self._revision = revision
        self._revisions: dict[str, Revision] = {}
        self._commits = commits
        self._also = also
        self.history = history
        self._known: dict[str, bool] = {}

    @property
    def base_label(self) -> str:
        """Where references without a revision are read, for messages."""
        return self.base.label

    def is_commit(self, name: str) -> bool:
        """Whether ``name`` names a commit here (remembered for the run)."""
        if name not in self._known:
            self._known[name] = self._commits(name)
        return self._known[name]

    def problem(self, ref: CodeRef) -> str | None:
        """Why ``ref`` does not resolve now, or None when it does."""
        return self.now(ref).reason

    def judge(
        self, ref: CodeRef, *, path: str, line: int, started: dt.datetime | None = None
    ) -> Verdict:
        """The verdict on ``ref``, written on ``line`` of the stage file at ``path``."""
        present = self.now(ref)
        if present.reason is None or ref.rev is not None or self.history is None:
            return present  # resolves now; or pinned to a revision, which is the judge
        written = self.history.line_commit(path, line)
        if written is None:
            return present  # not committed yet: it must resolve now
        if ref.commit is not None:
            # A commit that a squash or a rewrite took out of this clone cannot be told from
            # one never here; the line citing it passed when it was committed.
            return Verdict(None, written)
        candidates = [written]
        before = self.history.commit_before(started) if started is not None else None
        if before is not None and before != written:
            candidates.append(before)
        for commit in candidates:
            if self._at(ref, self.revision(commit)) is None:
                return Verdict(None, commit)
        return present

    def now(self, ref: CodeRef) -> Verdict:
        """The verdict on ``ref`` in the present alone: the base (and the working tree)."""
        if ref.commit is not None:
            if self.is_commit(ref.commit):
                return Verdict(None)
            return Verdict(f"`{_shown(ref.text)}` is not a commit in this repository")
        assert ref.path is not None
        if ref.path == ".." or ref.path.startswith("../") or "/../" in ref.path:
            return Verdict(f"`{_shown(ref.text)}` points outside the repository")
        if ref.rev is not None:
            if not self.is_commit(ref.rev):
                return Verdict(
                    f"`{_shown(ref.text)}`: {_shown(ref.rev)!r} is not a commit in this repository"
                )
            return Verdict(self._at(ref, self.revision(ref.rev)))
        reason = self._at(ref, self.base)
        if reason is not None and self._also is not None:
            on_disk = self._at(ref, self._also)
            if on_disk is None:
                return Verdict(None)
            if self.base.lookup(ref.path) is None and self._also.lookup(ref.path) is not None:
                return Verdict(on_disk)  # what is wrong with the file that is there
        return Verdict(reason)

    def resolves_at(self, ref: CodeRef, rev: str) -> bool:
        """Whether ``ref`` (a path reference) resolves at commit ``rev``."""
        return self._at(ref, self.revision(rev)) is None

    def path_at(self, ref: CodeRef, rev: str) -> str:
        """The path ``ref`` names at ``rev``: a bare file name found elsewhere becomes the
        path it was found at."""
        assert ref.path is not None
        revision = self.revision(rev)
        if revision.lookup(ref.path) is None and "/" not in ref.path.rstrip("/"):
            matches = revision.named(ref.path)
            if len(matches) == 1 or (matches and ref.start is None):
                return matches[0]
        return ref.path

    def revision(self, rev: str) -> Revision:
        """The files of commit ``rev`` (one reader for the run)."""
        if rev not in self._revisions:
            self._revisions[rev] = self._revision(rev)
        return self._revisions[rev]

    def _at(self, ref: CodeRef, revision: Revision | WorkingFiles) -> str | None:
        """Why ``ref`` does not resolve in ``revision``, or None."""
        assert ref.path is not None
        where = revision.label
        blob = revision.lookup(ref.path)
        path = ref.path
        if blob is None and "/" not in ref.path.rstrip("/") and isinstance(revision, Revision):
            matches = revision.named(ref.path)
            if len(matches) > 1 and ref.start is not None:
                shown = ", ".join(matches[:5]) + (" …" if len(matches) > 5 else "")
                return (
                    f"`{_shown(ref.text)}` matches {len(matches)} files in {where}: {shown}; "
                    "give the path"
                )
            if matches:
                path, blob = matches[0], revision.lookup(matches[0])
            else:
                close = revision.closest(ref.path)
                hint = f"; did you mean {' or '.join(close)}?" if close else ""
                return f"`{_shown(ref.text)}` does not exist in {where}{hint}"
        if blob is None:
            return f"`{_shown(ref.text)}` does not exist in {where}{_moved_hint(ref, revision)}"
        if ref.start is None:
            return None
        if blob.is_dir:
            return f"`{_shown(ref.text)}` gives lines for a directory"
        assert ref.end is not None
        if ref.start < 1 or ref.end < ref.start:
            return f"`{_shown(ref.text)}` has an empty or reversed line range"
        if ref.end > blob.lines:
            return f"`{_shown(ref.text)}` is past the end of {path} ({blob.lines} lines in {where})"
        return None


def _moved_hint(ref: CodeRef, revision: Revision | WorkingFiles) -> str:
    """For a path that is not there, the tracked paths whose file names look like it: a
    file renamed or moved since (cite the old code as `<commit>:path:line`)."""
    if not isinstance(revision, Revision):
        return ""
    assert ref.path is not None
    close = [p for p in revision.closest(posixpath.basename(ref.path.rstrip("/"))) if p != ref.path]
    return f"; did you mean {' or '.join(close)}?" if close else ""


def _shown(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[:width] + "…"


def head_resolver(git: Git, *, history: bool = True) -> Resolver:
    """Judges references as `incident check` does: at HEAD or in the working tree, and, for
    lines already committed, as the code was when they were written."""
    head = git.head()
    label = "HEAD" if head else "HEAD (the repository has no commits yet)"

    def read(name: str) -> tuple[str, bytes] | None:
        if head is None and not name.endswith("^{commit}"):
            return None
        found = git.objects.read(name)
        return (found.kind, found.data) if found else None

    base = Revision(
        read, "HEAD", label=label, names=lambda: git.tracked_files("HEAD") if head else []
    )
    return Resolver(
        base=base,
        revision=lambda rev: _commit_files(git, rev),
        commits=lambda name: head is not None and read(f"{name}^{{commit}}") is not None,
        also=WorkingFiles(os.fspath(git.root)),
        history=_history(git, staged=None) if history and head else None,
    )


def index_resolver(git: Git, staged: Callable[[str], bytes | None]) -> Resolver:
    """Judges references as the hook does: in the index (what the commit will hold), and, for
    lines already committed, as the code was when they were written. ``staged`` reads a
    stage file's staged bytes (its lines are blamed as staged)."""

    def read(name: str) -> tuple[str, bytes] | None:
        found = git.objects.read(name)
        return (found.kind, found.data) if found else None

    base = Revision(
        read,
        "",
        label="the index (what this commit will contain)",
        names=lambda: git.tracked_files(""),
        has_dir=git.has_staged_under,
    )
    return Resolver(
        base=base,
        revision=lambda rev: _commit_files(git, rev),
        commits=lambda name: read(f"{name}^{{commit}}") is not None,
        # Without commits, blame finds every line uncommitted: nothing to ask git up front.
        history=_history(git, staged=staged),
    )


def _commit_files(git: Git, rev: str) -> Revision:
    def read(name: str) -> tuple[str, bytes] | None:
        found = git.objects.read(name)
        return (found.kind, found.data) if found else None

    return Revision(read, rev, label=rev[:12], names=lambda: git.tracked_files(rev))


def _history(git: Git, *, staged: Callable[[str], bytes | None] | None) -> History:
    def line_commits(path: str) -> list[str | None]:
        if staged is None:
            return git.line_commits(path)
        contents = staged(path)
        return git.line_commits(path, contents=contents) if contents is not None else []

    return History(line_commits=line_commits, commit_before=git.commit_before)
