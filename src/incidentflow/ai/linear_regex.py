"""Regular expressions that take time linear in the text: Google's RE2, searching bytes.

Python's `re` backtracks: gitleaks' `[\\w.-]{0,50}?(?:cohere)(?:[ \\t\\w.-]{0,20})…` rules take
seconds on 20 KB of text crafted against them, and a prompt holds text anyone could have
written. RE2 never backtracks. Texts are searched as bytes read as Latin-1, so any input (even
invalid UTF-8) is accepted and spans are byte offsets; the patterns only look at ASCII.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

import re2  # type: ignore[import-untyped]
from re2 import _re2

_OPTIONS = re2.Options()
_OPTIONS.encoding = re2.Options.Encoding.LATIN1
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_ANCHOR_BOTH = _re2.RE2.Anchor.ANCHOR_BOTH
_NO_MATCH = (-1, -1)
RESUME_WITHIN = 256


class Match:
    """A match: spans and groups by number or name, as in `re` (absent groups: (-1, -1))."""

    __slots__ = ("_data", "_names", "_spans")

    def __init__(self, data: bytes, spans: list[tuple[int, int]], names: dict[str, int]) -> None:
        self._data = data
        self._spans = spans
        self._names = names

    def span(self, group: int | str = 0) -> tuple[int, int]:
        return self._spans[self._names[group] if isinstance(group, str) else group]

    def group(self, group: int | str = 0) -> bytes | None:
        start, end = self.span(group)
        return None if start < 0 else self._data[start:end]

    @property
    def group_count(self) -> int:
        """How many capture groups the pattern has."""
        return len(self._spans) - 1


class Regex:
    """A pattern searched in time linear in the text, compiled the first time it is used
    (most patterns never are in one run: compiling all of them would cost more than a search).

    It drives the engine's own binding (`re2._re2`, which `re2` wraps) to skip a layer of
    per-match Python objects: a prompt of credential lines has a match on every line.
    """

    __slots__ = ("_names", "_pattern", "_regexp")

    def __init__(self, pattern: str) -> None:
        self._pattern = pattern
        self._regexp: Any = None
        self._names: dict[str, int] = {}

    def _compiled(self) -> Any:
        if self._regexp is None:
            regexp = _re2.RE2(self._pattern.encode("ascii"), _OPTIONS)
            if not regexp.ok():
                raise ValueError(f"{self._pattern!r}: {regexp.error()}")
            self._names = {name.decode("ascii"): n for name, n in regexp.NamedCapturingGroups()}
            self._regexp = regexp
        return self._regexp

    def finditer(self, data: bytes, *, resume: str | None = None) -> Iterator[Match]:
        """Every match, leftmost first. Each search after a match starts at its end, or, with
        ``resume``, at the start of that group when it is shorter than `RESUME_WITHIN` bytes:
        matches may then overlap, and no byte is searched again more than that often."""
        regexp = self._compiled()
        pos, size, names = 0, len(data), self._names
        again = names[resume] if resume else 0
        while pos <= size:
            spans = regexp.Match(_UNANCHORED, data, pos, size)
            if spans[0] == _NO_MATCH:
                return
            yield Match(data, spans, names)
            start, end = spans[0]
            restart = end
            if (
                again
                and start < spans[again][0]
                and spans[again][1] - spans[again][0] < RESUME_WITHIN
            ):
                restart = spans[again][0]
            # Always move forward: an empty match must not match again at the same place.
            pos = max(restart, start + 1)

    def search(self, data: bytes) -> bool:
        """Whether the pattern matches anywhere in ``data``."""
        return bool(self._compiled().Match(_UNANCHORED, data, 0, len(data))[0] != _NO_MATCH)

    def fullmatch(self, data: bytes) -> bool:
        """Whether the pattern matches all of ``data``."""
        return bool(self._compiled().Match(_ANCHOR_BOTH, data, 0, len(data))[0] != _NO_MATCH)


class LiteralSet:
    """Which of many literal byte strings occur in a text, found in one pass (an RE2 set)."""

    __slots__ = ("_literals", "_set")

    def __init__(self, literals: list[bytes]) -> None:
        self._literals = literals
        self._set = re2.Set.SearchSet(_OPTIONS)
        for literal in literals:
            self._set.Add(escape(literal).encode("ascii"))
        self._set.Compile()

    def present(self, data: bytes) -> set[bytes]:
        """The literals that occur somewhere in ``data``."""
        return {self._literals[i] for i in self._set.Match(data) or ()}


_ESCAPED = [chr(b) if chr(b).isascii() and chr(b).isalnum() else f"\\x{b:02x}" for b in range(256)]


def escape(literal: bytes) -> str:
    """A pattern matching exactly ``literal``."""
    return "".join([_ESCAPED[b] for b in literal])


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte, as gitleaks computes it for its thresholds."""
    if not data:
        return 0.0
    size = len(data)
    return -sum(n / size * math.log2(n / size) for n in Counter(data).values())
