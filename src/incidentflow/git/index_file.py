"""Look entries up straight in git's index file, in time that does not grow with the repo.

Every `git ls-files` or `git cat-file :path` loads and checksums the whole index: at tens of
thousands of tracked files that costs more than everything else the hook does. The hook
needs a handful of entries (one incident's files, the changelog, a referenced source file),
and the entries are sorted by path, so they are found here by a binary search over the file.

Only the formats that store each entry whole are read: versions 2 and 3, SHA-1, no split
index, no sparse index. For anything else :func:`open_index` returns None and the caller
asks git, which is always right, only slower. The format is git's
`Documentation/gitformat-index.txt`.
"""

from __future__ import annotations

import mmap
import os

_HEADER = 12
_HASH = 20  # SHA-1; repositories using SHA-256 are left to git
_FIXED = 62  # ctime, mtime, dev, ino, mode, uid, gid, size (40) + object id (20) + flags (2)
_MODES = frozenset({0o100644, 0o100755, 0o120000, 0o160000})
_MODE_BYTES = tuple(mode.to_bytes(4, "big") for mode in sorted(_MODES))
_EXTENDED = 0x4000
_NAME_MASK = 0xFFF
_LINEAR = 4096  # below this many bytes the search walks entries one by one
_WINDOW = 4096  # bytes searched at a time for the next entry's mode


class Unsupported(Exception):
    """The index uses a feature this reader leaves to git, or cannot be searched reliably."""


class IndexFile:
    """A read-only view of a version 2 or 3 index, searched without parsing it whole."""

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self._data = data
        if len(data) < _HEADER + _HASH or data[:4] != b"DIRC":
            raise Unsupported("not an index file")
        self._version = int.from_bytes(data[4:8], "big")
        if self._version not in (2, 3):
            raise Unsupported(f"index version {self._version}")
        self._count = int.from_bytes(data[8:12], "big")
        self._limit = self._entries_end()

    def _entries_end(self) -> int:
        """Where the entries end and the extensions begin, when that can be told cheaply.

        The optional EOIE extension, always last, records it; otherwise the cache-tree
        extension (TREE), which git writes first, is looked for from the end. A candidate
        counts only when the chain of extension headers from it ends exactly at the
        checksum. Without either, the whole file is searched and the checks on each entry
        tell entries from extensions.
        """
        data, end = self._data, len(self._data) - _HASH
        eoie = end - 8 - 4 - _HASH
        if eoie > _HEADER and data[eoie : eoie + 8] == b"EOIE" + (4 + _HASH).to_bytes(4, "big"):
            offset = int.from_bytes(data[eoie + 8 : eoie + 12], "big")
            if _HEADER <= offset <= eoie and self._extensions_from(offset, end):
                return offset
        found = data.rfind(b"TREE", _HEADER, end)
        while found != -1:
            if self._extensions_from(found, end):
                return found
            found = data.rfind(b"TREE", _HEADER, found + 3)
        return end

    def _extensions_from(self, pos: int, end: int) -> bool:
        """Whether extension headers (signature, size) starting at ``pos`` chain to ``end``."""
        for _ in range(32):
            if pos == end:
                return True
            signature = self._data[pos : pos + 4]
            if pos + 8 > end or not signature.isalpha():
                return False
            pos += 8 + int.from_bytes(self._data[pos + 4 : pos + 8], "big")
        return False

    def under(self, directory: str) -> dict[str, str]:
        """Stage-0 entries whose path starts with ``directory`` (ending in "/"): path → id."""
        return self._collect(directory.encode("utf-8", "surrogateescape"), prefix=True)

    def has_under(self, directory: str) -> bool:
        """Whether any entry's path starts with ``directory`` (ending in "/")."""
        key = directory.encode("utf-8", "surrogateescape")
        pos = self._lower_bound(key)
        entry = self._entry(pos) if pos is not None else None
        return entry is not None and self._data[entry[0] : entry[1]].startswith(key)

    def blob(self, path: str) -> str | None:
        """The stage-0 object id recorded for exactly ``path``, or None."""
        found = self._collect(path.encode("utf-8", "surrogateescape"), prefix=False)
        return next(iter(found.values()), None)

    def close(self) -> None:
        """Release the mapping."""
        if isinstance(self._data, mmap.mmap):
            self._data.close()

    def _collect(self, key: bytes, *, prefix: bool) -> dict[str, str]:
        found: dict[str, str] = {}
        pos = self._lower_bound(key)
        while pos is not None and pos < self._limit:
            entry = self._entry(pos)
            if entry is None:
                break  # the extensions after the last entry
            name_start, name_end, size, flags = entry
            name = self._data[name_start:name_end]
            if not (name.startswith(key) if prefix else name == key):
                break
            if not flags & 0x3000:  # stage 0; 1-3 are the sides of an unresolved conflict
                oid = self._data[pos + 40 : pos + 60].hex()
                found[name.decode("utf-8", "surrogateescape")] = oid
            pos += size
        return found

    def _lower_bound(self, key: bytes) -> int | None:
        """The start of the first entry whose name is not below ``key`` (None: past the end)."""
        if self._count == 0:
            return None
        low = _HEADER  # always an entry start; every entry before it sorts below key
        high = self._limit  # the answer starts before this, or is None
        answer: int | None = None
        while high - low > _LINEAR:
            middle = low + ((high - low) // 2 & ~7)
            start = self._sync(middle, high)
            if start is None:
                high = middle
                continue
            name_start, name_end, size, _flags = self._entry(start)  # type: ignore[misc]
            if self._data[name_start:name_end] < key:
                low = start + size
            else:
                answer = high = start
        pos = low
        while pos < high:
            entry = self._entry(pos)
            if entry is None:
                return answer
            name_start, name_end, size, _flags = entry
            if self._data[name_start:name_end] >= key:
                return pos
            pos += size
        return answer

    def _sync(self, offset: int, high: int) -> int | None:
        """The first entry starting at or after ``offset`` and before ``high``.

        Entries start 8-byte aligned from the header, with a file mode 24 bytes in; a
        position counts as a start only when it and the entry after it (or the end of the
        entries) both parse. Candidates are found by searching for the modes' bytes, so the
        extensions after the entries are skipped at the speed of a byte search.
        """
        data = self._data
        pos = offset
        while pos < high:
            end = min(high, pos + _WINDOW)
            # A mode found here puts its entry's start in [pos, end).
            hits = [data.find(mode, pos + 24, end + 27) for mode in _MODE_BYTES]
            found = [hit for hit in hits if hit != -1]
            if not found:
                pos = end
                continue
            candidate = min(found) - 24
            if (candidate - _HEADER) % 8 == 0:
                entry = self._entry(candidate)
                if entry is not None and self._is_boundary(candidate + entry[2]):
                    if self._overlapped(candidate, candidate + entry[2]):
                        raise Unsupported("entry boundaries are ambiguous here")
                    return candidate
            pos = candidate + 1
        return None

    def _overlapped(self, pos: int, end: int) -> bool:
        """Whether another well-formed entry overlaps the one found at ``pos``..``end``.

        An entry's own fields (a group id, a device number, an object id) can hold a mode's
        bytes; read from there, the rest can parse as an entry that ends exactly where the
        real one does. Such a reading always overlaps the real entry within its fixed part,
        so an overlap makes the boundaries ambiguous, and the lookup is left to git.
        """
        for offset in range(-_FIXED // 8 * 8, _FIXED, 8):
            start = pos + offset
            if offset == 0 or start < _HEADER or start >= end:
                continue
            entry = self._entry(start)
            if entry is not None and start < end and start + entry[2] > pos:
                return True
        return False

    def _is_boundary(self, pos: int) -> bool:
        """Whether ``pos`` is where an entry, the extensions or the checksum begins."""
        if pos == self._limit or self._entry(pos) is not None:
            return True
        signature = self._data[pos : pos + 4]
        if len(signature) < 4 or not signature.isalpha():
            return False
        size = int.from_bytes(self._data[pos + 4 : pos + 8], "big")
        return pos + 8 + size <= self._limit

    def _entry(self, pos: int) -> tuple[int, int, int, int] | None:
        """(name start, name end, entry size, flags) of a well-formed entry at ``pos``."""
        data = self._data
        if pos < _HEADER or pos + _FIXED + 2 > self._limit:
            return None
        mode = int.from_bytes(data[pos + 24 : pos + 28], "big")
        if mode not in _MODES:
            return None
        if int.from_bytes(data[pos + 4 : pos + 8], "big") >= 1_000_000_000:
            return None  # ctime nanoseconds
        if int.from_bytes(data[pos + 12 : pos + 16], "big") >= 1_000_000_000:
            return None  # mtime nanoseconds
        flags = int.from_bytes(data[pos + 60 : pos + 62], "big")
        name_start = pos + _FIXED
        if flags & _EXTENDED:
            if self._version < 3:
                return None
            name_start += 2
        length = flags & _NAME_MASK
        if length == 0:
            return None
        if length < _NAME_MASK:
            name_end = name_start + length
            if name_end >= self._limit or data[name_end] != 0:
                return None
            if data.find(b"\0", name_start, name_end) != -1:
                return None
        else:
            name_end = data.find(b"\0", name_start, self._limit)
            if name_end == -1:
                return None
        size = (name_end - pos + 8) & ~7
        if pos + size > self._limit or data[name_end : pos + size].strip(b"\0"):
            return None
        return name_start, name_end, size, flags


def open_index(root: str) -> IndexFile | None:
    """The index git would read for the working tree at ``root``, if this module can read it.

    Follows ``GIT_INDEX_FILE`` and ``GIT_DIR`` as git does when run in ``root`` (hooks get
    both, relative or absolute). A missing index reads as empty, as in git.
    """
    git_dir = _git_dir(root)
    if git_dir is None:
        return None
    common = git_dir
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            common = os.path.join(git_dir, handle.read().strip())
    except FileNotFoundError:
        pass
    except OSError:
        return None
    index = os.environ.get("GIT_INDEX_FILE") or os.path.join(git_dir, "index")
    index = os.path.join(root, index)
    if not _plain_repository(git_dir, common, os.path.dirname(index)):
        return None
    try:
        fd = os.open(index, os.O_RDONLY)
    except FileNotFoundError:
        return IndexFile(b"DIRC" + (2).to_bytes(4, "big") + bytes(4 + _HASH))
    except OSError:
        return None
    try:
        try:
            data = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return None
        try:
            return IndexFile(data)
        except Unsupported:
            data.close()
            return None
    finally:
        os.close(fd)


def _git_dir(root: str) -> str | None:
    env = os.environ.get("GIT_DIR")
    if env:
        return os.path.join(root, env)
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8") as handle:
            line = handle.readline().strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    return os.path.join(root, line[len("gitdir:") :].strip())


def _plain_repository(git_dir: str, common: str, index_dir: str) -> bool:
    """No split index, sparse checkout or SHA-256 objects: entries are stored whole, SHA-1."""
    for directory in {git_dir, common, index_dir}:
        try:
            if any(name.startswith("sharedindex.") for name in os.listdir(directory)):
                return False
        except OSError:
            return False
        if os.path.exists(os.path.join(directory, "info", "sparse-checkout")):
            return False
    try:
        with open(os.path.join(common, "config"), "rb") as handle:
            config = handle.read().lower()
    except FileNotFoundError:
        config = b""
    except OSError:
        return False
    return not any(word in config for word in (b"objectformat", b"splitindex", b"sparse"))
