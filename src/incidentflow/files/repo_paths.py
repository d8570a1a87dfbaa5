"""Keep every path the tool reads or writes inside the repository."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from incidentflow.errors import IncidentError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def repo_relative(root: Path, value: str) -> str:
    """Normalize a repo-relative path; refuse absolute paths, `..` escapes and symlinks out.

    Returns a POSIX path without `.` segments (``"."`` for the root itself).
    """
    if _CONTROL.search(value):
        raise IncidentError(f"path {value!r} contains control characters")
    if os.path.isabs(value) or value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value):
        raise IncidentError(f"path {value!r} must be relative to the repository root")
    normal = posixpath.normpath(value.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        raise IncidentError(f"path {value!r} points outside the repository")
    ensure_inside(root, root / normal, shown=value)
    return normal


def checked(root: Path, path: Path) -> Path:
    """``path`` itself, once sure that (symlinks resolved) it is in the repository's working
    tree and not in its `.git` directory: the only places the tool reads and writes."""
    shown = os.path.relpath(path, root)
    ensure_inside(root, path, shown=shown)
    return path


def ensure_inside(root: Path, path: Path, *, shown: str) -> None:
    """Raise unless ``path``, with symlinks resolved, lies inside ``root`` and outside `.git`."""
    real_root = root.resolve()
    try:
        real = path.resolve()
    except RuntimeError:  # Python before 3.13 says a loop so
        raise IncidentError(f"path {shown!r} is a loop of symlinks") from None
    except OSError as exc:
        raise IncidentError(f"path {shown!r} cannot be followed: {exc.strerror}") from None
    if real != real_root and real_root not in real.parents:
        raise IncidentError(f"path {shown!r} resolves outside the repository (through a symlink?)")
    git_dir = real_root / ".git"
    if real == git_dir or git_dir in real.parents:
        raise IncidentError(
            f"path {shown!r} is inside the .git directory; incidentflow leaves it alone"
        )
