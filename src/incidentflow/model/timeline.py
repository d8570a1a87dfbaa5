"""`timeline.md`: one timestamped entry per line, `- <ISO time> — <text> (<author>)`."""

from __future__ import annotations

import datetime as dt
import re

from incidentflow.model.problems import brief
from incidentflow.model.times import parse_iso
from incidentflow.records import Record

_LOOKS_LIKE_ENTRY = re.compile(r"^\s*(?:[*+]\s+|-(?=\d))?\d{4}-\d{2}-\d{2}[T ]\d")
_NOT_AN_ENTRY = "not `- <ISO time> — <text> (<author>)`"


class Entry(Record):
    """One timeline entry, with its 1-based line in `timeline.md`."""

    __slots__ = ("author", "line", "text", "time")

    def __init__(self, time: dt.datetime, text: str, author: str, line: int) -> None:
        self.time = time
        self.text = text
        self.author = author
        self.line = line


class Skipped(Record):
    """A line that looks like an entry but does not parse; kept in the file, reported."""

    __slots__ = ("line", "reason")

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason


def format_entry(time: dt.datetime, text: str, author: str) -> str:
    """One timeline line; the text is kept on one line."""
    one_line = " ".join(text.split())
    return f"- {time.replace(microsecond=0).isoformat()} — {one_line} ({author})"


def decode_timeline(data: bytes) -> tuple[str, list[Skipped]]:
    """Decode line by line: a line that is not UTF-8 is skipped (and reported), not the file."""
    lines = []
    skipped = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append("")
            skipped.append(Skipped(number, "not valid UTF-8"))
    return "\n".join(lines), skipped


def parse_timeline(text: str) -> tuple[list[Entry], list[Skipped]]:
    """Entries in time order (entries of the same moment in the order they were logged) with
    exact duplicates dropped, and the lines that did not parse.

    Lines that look like entries written another way (`* time — …`, a bare time) are
    reported too; other lines (headings, comments, notes) are not entries and pass silently.
    Each line is split with string methods, in time linear in its length.
    """
    entries: dict[tuple[dt.datetime, str, str], Entry] = {}
    skipped = []
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        if not line.startswith("- "):
            if _LOOKS_LIKE_ENTRY.match(line):
                skipped.append(Skipped(number, _NOT_AN_ENTRY))
            continue
        stamp, dash, rest = line[2:].partition(" — ")
        if not dash or not stamp or " " in stamp:
            skipped.append(Skipped(number, _NOT_AN_ENTRY))
            continue
        try:
            when = parse_iso(stamp)
        except ValueError as exc:
            skipped.append(Skipped(number, f"bad time {brief(stamp)}: {exc}"))
            continue
        said, author = _text_and_author(rest.rstrip())
        entries.setdefault((when, said, author), Entry(when, said, author, number))
    return sorted(entries.values(), key=lambda entry: (entry.time, entry.line)), skipped


def _text_and_author(rest: str) -> tuple[str, str]:
    """`text (author)` split: the author is the last parenthesis, when it holds no other."""
    if rest.endswith(")"):
        opening = rest.rfind(" (")
        inner = rest[opening + 2 : -1] if opening != -1 else ""
        if opening != -1 and "(" not in inner and ")" not in inner:
            return rest[:opening].strip(), inner.strip()
    return rest.strip(), ""
