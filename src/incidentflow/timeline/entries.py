"""`timeline.md`: one timestamped entry per line, `- <ISO time> — <text> (<author>)`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from incidentflow.model.problems import brief
from incidentflow.model.times import parse_iso

_LOOKS_LIKE_ENTRY = re.compile(r"^\s*(?:[*+]\s+|-(?=\d))?\d{4}-\d{2}-\d{2}[T ]\d")
_ENTRY = re.compile(r"^- (?P<time>\S+) — (?P<text>.*?)(?: \((?P<author>[^()]*)\))?\s*$")


@dataclass(frozen=True, order=True)
class Entry:
    """One timeline entry."""

    time: dt.datetime
    text: str
    author: str
    line: int


@dataclass(frozen=True)
class Skipped:
    """A line that looks like an entry but does not parse; kept in the file, reported."""

    line: int
    reason: str


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
    """Entries sorted by time with exact duplicates dropped, and the lines that did not parse.

    Lines that look like entries written another way (`* time — …`, a bare time) are
    reported too; other lines (headings, comments, notes) are not entries and pass silently.
    """
    entries: dict[tuple[dt.datetime, str, str], Entry] = {}
    skipped = []
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        if not line.startswith("- "):
            if _LOOKS_LIKE_ENTRY.match(line):
                skipped.append(Skipped(number, "not `- <ISO time> — <text> (<author>)`"))
            continue
        match = _ENTRY.match(line)
        if not match:
            skipped.append(Skipped(number, "not `- <ISO time> — <text> (<author>)`"))
            continue
        try:
            when = parse_iso(match.group("time"))
        except ValueError as exc:
            skipped.append(Skipped(number, f"bad time {brief(match.group('time'))}: {exc}"))
            continue
        entry = Entry(
            when, match.group("text").strip(), (match.group("author") or "").strip(), number
        )
        entries.setdefault((when, entry.text, entry.author), entry)
    return sorted(entries.values()), skipped
