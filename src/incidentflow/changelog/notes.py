"""What the hook did to the changelog, remembered between commits in the git directory.

pre-commit stashes unstaged edits before running hooks and, when they conflict with what a
hook wrote, rolls every hook's writes back. The hook cannot see that happen; it can only
notice, on the next commit, that an entry it wrote is gone. So it notes each entry it
writes (and each commit line it proposed for a generated changelog, so it asks only once).
Never committed: the file lives in `.git`, like the result cache.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from incidentflow.files.atomic import atomic_write_text
from incidentflow.git.repo import Git

NAME = "incidentflow-changelog.json"


def notes_path(git: Git) -> Path:
    """Where the notes are kept (the worktree's own git directory)."""
    path = Path(git.run("rev-parse", "--git-path", NAME).strip())
    return path if path.is_absolute() else git.root / path


class Notes:
    """Entries written (by incident id: the file, the text, whether under pre-commit) and
    commit lines proposed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._changed = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}  # none yet, or unreadable: it only ever refines a message
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
        """Write the notes if they changed (atomically; losing them costs only a message)."""
        if not self._changed:
            return
        data = {"written": self.written, "proposed": sorted(self.proposed)}
        atomic_write_text(self.path, json.dumps(data, indent=1, sort_keys=True), durable=False)
        self._changed = False
