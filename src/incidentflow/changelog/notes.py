"""What the hook did to the changelog, remembered between commits in the git directory.

pre-commit stashes unstaged edits before running hooks and, when they conflict with what a
hook wrote, rolls every hook's writes back. The hook cannot see that happen; it can only
notice, on the next commit, that an entry it wrote is gone. So it notes each entry it
writes (and each commit line it proposed for a generated changelog, so it asks only once).
Never committed: the file lives in `.git`, like the result cache.
"""

from __future__ import annotations

import os
from pathlib import Path

from incidentflow.files.atomic import atomic_write_text
from incidentflow.git.repo import Git

NAME = "incidentflow-changelog.json"


def notes_path(git: Git) -> Path:
    """Where the notes are kept (the worktree's own git directory)."""
    dot_git = git.root / ".git"
    if "GIT_DIR" not in os.environ and dot_git.is_dir():
        return dot_git / NAME  # the common case, without starting git
    return git.git_path(NAME)


class Notes:
    """Entries written (by incident id: the file, the text, whether under pre-commit) and
    commit lines proposed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = _load(path)
        written = data.get("written") if isinstance(data, dict) else None
        proposed = data.get("proposed") if isinstance(data, dict) else None
        self.written: dict[str, dict[str, object]] = (
            {k: v for k, v in written.items() if isinstance(v, dict)}
            if isinstance(written, dict)
            else {}
        )
        self.proposed: set[str] = (
            {p for p in proposed if isinstance(p, str)} if isinstance(proposed, list) else set()
        )
        # A file left with nothing in it (or unreadable) goes at the next save.
        self._changed = data is not None and not (self.written or self.proposed)

    def rolled_back(self, incident_id: str, current: str | None) -> bool:
        """Whether the hook wrote this entry under pre-commit and the text there now is not
        what it wrote: pre-commit rolled it back (or someone removed it)."""
        note = self.written.get(incident_id)
        if note is None or not note.get("pre_commit"):
            return False
        return current != note.get("text")

    def wrote(self, incident_id: str, *, path: str, text: str) -> None:
        """Remember an entry written into the working tree."""
        pre_commit = os.environ.get("PRE_COMMIT") == "1"
        self.written[incident_id] = {"path": path, "text": text, "pre_commit": pre_commit}
        self._changed = True

    def propose(self, incident_id: str) -> None:
        """Remember that the commit line for the incident was proposed."""
        self.proposed.add(incident_id)
        self._changed = True

    def forget(self, incident_id: str) -> None:
        """The commit carries the entry: nothing more to remember about it."""
        if self.written.pop(incident_id, None) is not None:
            self._changed = True
        if incident_id in self.proposed:
            self.proposed.discard(incident_id)
            self._changed = True

    def save(self) -> None:
        """Write the notes if they changed (atomically; losing them costs only a message);
        with nothing left to remember, remove the file."""
        if not self._changed:
            return
        self._changed = False
        if not self.written and not self.proposed:
            self.path.unlink(missing_ok=True)
            return
        import json

        data = {"written": self.written, "proposed": sorted(self.proposed)}
        atomic_write_text(self.path, json.dumps(data, indent=1, sort_keys=True), durable=False)


def _load(path: Path) -> object:
    """The notes as read: None when there is no file, {} when it cannot be read (notes
    only ever refine a message)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    import json

    try:
        return json.loads(raw)
    except ValueError:
        return {}
