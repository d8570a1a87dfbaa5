"""Where files are read from: the working tree, or the git index (what a commit will hold)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from incidentflow.errors import IncidentError
from incidentflow.files.repo_paths import ensure_inside
from incidentflow.git.repo import Git, Staged


class Snapshot:
    """Read-only access to repository files by repo-relative POSIX path."""

    label: str

    def read(self, relpath: str) -> bytes | None:
        """The file's bytes, or None when it is not there."""
        raise NotImplementedError


class WorkingTree(Snapshot):
    """Files as they are on disk."""

    label = "the working tree"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = os.fspath(root)
        # The latest modification time (ns) of the files read through this snapshot: the
        # result cache keeps nothing computed from a file that changed once git had looked.
        self.newest_change = 0

    def read(self, relpath: str) -> bytes | None:
        """Read from disk; a missing file, a directory, or anything but a regular file (a
        FIFO would block, a device never end) reads as absent.

        A symlink is followed only when its target is inside the repository. Called for
        every file of every incident by `list` and `check --all`, so it stays at the level
        of file descriptors.
        """
        path = os.path.join(self._root, relpath)
        try:
            fd = os.open(path, _READ_FLAGS)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise IncidentError(f"{relpath}: cannot read: {exc.strerror}") from None
            ensure_inside(self.root, Path(path), shown=relpath)
            return self.read(os.path.relpath(Path(path).resolve(), self.root.resolve()))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return None
            if info.st_mtime_ns > self.newest_change:
                self.newest_change = info.st_mtime_ns
            # One read for the whole file, asking a byte more than its size: getting exactly
            # its size means it ended there. Otherwise (it grew or shrank, or a single read
            # stops short of gigabytes) it is read on to its end.
            data = os.read(fd, info.st_size + 1)
            if len(data) == info.st_size:
                return data
            chunks = [data]
            while chunk := os.read(fd, 1 << 16):
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError as exc:
            raise IncidentError(f"{relpath}: cannot read: {exc.strerror}") from None
        finally:
            os.close(fd)


# Never follow a final symlink blindly (see read); never block opening a FIFO.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class StagedIndex(Snapshot):
    """Files as staged in the git index; unstaged edits and untracked files are invisible."""

    label = "the index"

    def __init__(self, git: Git, staged: Staged) -> None:
        self._git = git
        self._blobs = staged.blobs
        self._conflicted = staged.conflicted

    def read(self, relpath: str) -> bytes | None:
        """Read the staged blob for ``relpath``; a path left in a merge conflict is an error
        that says so (it has no staged content, yet it is not missing)."""
        blob = self._blobs.get(relpath)
        if blob is None:
            if relpath in self._conflicted:
                raise IncidentError(
                    f"{relpath}: has unresolved merge conflicts; resolve them and `git add` it"
                )
            return None
        found = self._git.objects.read(blob)
        return found.data if found is not None else None

    def paths(self) -> list[str]:
        """Every staged path under the pathspecs given (conflicted ones too)."""
        return [*self._blobs, *sorted(self._conflicted)]
