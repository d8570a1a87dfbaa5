"""Write files so a crash or Ctrl-C leaves either the old content or the new, never half."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def atomic_write_bytes(
    path: Path, data: bytes, *, exclusive: bool = False, durable: bool = True
) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync it, and rename it into place.

    With ``exclusive`` the rename never replaces an existing file (used for files the tool
    must never overwrite, such as a freshly scaffolded stage). Without ``durable`` there is
    no fsync: readers still see the old content or the new, but a power cut may lose both
    (for files that only save work, such as a cache).
    """
    import tempfile  # not needed on the read-only paths that import this module

    mode = _existing_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            # link() fails if the target exists, which rename() would silently replace.
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(
    path: Path, text: str, *, exclusive: bool = False, durable: bool = True
) -> None:
    """Encode ``text`` as UTF-8 (newlines untouched) and write it atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), exclusive=exclusive, durable=durable)


def _existing_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_in_tree(root: Path, path: Path, text: str) -> Path:
    """Replace a user's file in the working tree atomically; return where it was written.

    A symlink is written through: its target, when inside the working tree (and outside
    `.git`), is replaced atomically and the link itself stays a link. One that leads out of
    the repository is refused, as are links that loop.
    """
    from incidentflow.files.repo_paths import ensure_inside

    shown = os.path.relpath(path, root)
    if os.path.islink(path):
        ensure_inside(root, path, shown=shown)
        path = path.resolve()
    else:
        ensure_inside(root, path.parent, shown=os.path.dirname(shown) or ".")
    atomic_write_text(path, text)
    return path
