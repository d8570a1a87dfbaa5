"""Add one line per finished postmortem to a Keep a Changelog file.

Pure text in, text out: reading and writing the file is the caller's job. Every byte outside
the inserted lines is kept as it was, so a human-edited changelog never gets reformatted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from incidentflow.records import Record

# Keep a Changelog 1.1.0 lists change types in this order; new category headings follow it.
_CATEGORY_ORDER = ("added", "changed", "deprecated", "removed", "fixed", "security")
_PREAMBLE = (
    "# Changelog",
    "",
    "All notable changes to this project will be documented in this file.",
    "",
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).",
    "",
)
_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_LIST_ITEM = re.compile(r"[-*+](?:[ \t]|\r?\n|$)")
_LINK_REF = re.compile(r" {0,3}\[[^\]]+\]:")

# Per line: heading level (0 when not a heading), heading title, inside a fenced code block.
_Info = tuple[int, str, bool]


class ChangelogEntry(Record):
    """One finished postmortem as it appears in the changelog."""

    __slots__ = ("date", "incident_id", "link", "severity", "text")

    def __init__(self, *, incident_id: str, text: str, severity: str, date: str, link: str) -> None:
        self.incident_id = incident_id
        self.text = text
        self.severity = severity
        self.date = date
        self.link = link
        self._validate()

    def _validate(self) -> None:
        # The id ends up inside an HTML comment that is the idempotency key, so it must stay
        # a single token that cannot close the comment early.
        if not self.incident_id or any(c.isspace() for c in self.incident_id):
            raise ValueError(f"incident id must be one non-empty token: {self.incident_id!r}")
        if "-->" in self.incident_id:
            raise ValueError(f"incident id must not contain '-->': {self.incident_id!r}")
        if not self.text.split():
            raise ValueError(f"changelog text for {self.incident_id} is empty")
        for name in ("severity", "date", "link"):
            if any(c in getattr(self, name) for c in "\r\n"):
                raise ValueError(f"{name} of {self.incident_id} must be a single line")


def marker(incident_id: str) -> str:
    """Return the hidden HTML comment that identifies an incident's changelog line."""
    return f"<!-- incident:{incident_id} -->"


def entry_line(entry: ChangelogEntry) -> str:
    """Render an entry as one Markdown list item, its text collapsed onto a single line."""
    text = " ".join(entry.text.split())
    return (
        f"- {text} ({entry.severity} incident [{entry.incident_id}]({entry.link}), {entry.date})"
        f" {marker(entry.incident_id)}"
    )


def has_entry(text: str, incident_id: str) -> bool:
    """Tell whether the incident's marker appears anywhere, released versions included."""
    return marker(incident_id) in text


def insert_entries(
    text: str | None,
    entries: Sequence[ChangelogEntry],
    *,
    section: str = "Unreleased",
    category: str = "Fixed",
) -> str:
    """Return the changelog with the entries not yet present added, newest first.

    ``None`` means the file does not exist yet; when nothing is new, ``text`` is returned as is.
    """
    for name, value in (("section", section), ("category", category)):
        if not value.strip() or any(c in value for c in "\r\n"):
            raise ValueError(f"{name} must be a non-empty single line: {value!r}")
    source = text if text is not None else "\n".join((*_PREAMBLE, f"## [{section}]", ""))
    fresh: dict[str, ChangelogEntry] = {}
    for entry in entries:
        if entry.incident_id not in fresh and not has_entry(source, entry.incident_id):
            fresh[entry.incident_id] = entry
    if not fresh:
        return source
    ordered = sorted(fresh.values(), key=lambda e: (e.date, e.incident_id), reverse=True)
    items = [entry_line(e) for e in ordered]
    first_break = source.find("\n")
    nl = "\r\n" if first_break > 0 and source[first_break - 1] == "\r" else "\n"
    lines = _split_lines(source)
    info = _scan(lines)

    sec = next((i for i, h in enumerate(info) if h[0] == 2 and _is_section(h[1], section)), None)
    if sec is None:
        first_version = next((i for i, h in enumerate(info) if h[0] == 2), None)
        pos = first_version if first_version is not None else _content_end(lines, info, 0)
        body = [f"## [{section}]", "", f"### {category}", "", *items]
        return _splice(lines, pos, body, nl, gap=True)

    end = next((i for i in range(sec + 1, len(lines)) if 0 < info[i][0] <= 2), len(lines))
    cats = [i for i in range(sec + 1, end) if info[i][0] == 3]
    found = next((i for i in cats if info[i][1].casefold() == category.casefold()), None)
    if found is not None:
        stop = _block_end(info, found, end)
        first_item = next(
            (i for i in range(found + 1, stop) if not info[i][2] and _LIST_ITEM.match(lines[i])),
            None,
        )
        if first_item is not None:
            return _splice(lines, first_item, items, nl, gap=False)
        return _splice(lines, found + 1, items, nl, gap=True)

    body = [f"### {category}", "", *items]
    rank = _rank(category)
    ranked = [(i, r) for i in cats if (r := _rank(info[i][1])) is not None]
    later = [] if rank is None else [i for i, r in ranked if r > rank]
    if later:
        return _splice(lines, later[0], body, nl, gap=True)
    # An unknown category has no place in the standard order, so it goes after all others.
    earlier = cats if rank is None else [i for i, r in ranked if r < rank]
    if earlier:
        pos = _content_end(lines, info, earlier[-1], _block_end(info, earlier[-1], end))
        return _splice(lines, pos, body, nl, gap=True)
    return _splice(lines, sec + 1, body, nl, gap=True)


def _split_lines(text: str) -> list[str]:
    # Only "\n" ends a line: str.splitlines would also split on form feeds and the like,
    # which would shift insertion points away from what Markdown renderers see.
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _scan(lines: list[str]) -> list[_Info]:
    info: list[_Info] = []
    fence = ""
    for line in lines:
        body = line.rstrip("\r\n")
        opener = _FENCE.match(body)
        if fence:
            info.append((0, "", True))
            # A closing fence is a run of the same character, at least as long as the opener.
            if opener and opener[1].startswith(fence) and not opener[2].strip():
                fence = ""
            continue
        # A backtick run followed by more backticks on the line is inline code, not a fence.
        if opener and not (opener[1][0] == "`" and "`" in opener[2]):
            fence = opener[1]
            info.append((0, "", True))
            continue
        heading = _HEADING.fullmatch(body)
        if heading:
            info.append((len(heading[1]), (heading[2] or "").strip(), False))
        else:
            info.append((0, "", False))
    return info


def _is_section(title: str, section: str) -> bool:
    # Accepts "[Unreleased]", "Unreleased" and trailing text such as "[Unreleased] - soon".
    pattern = rf"\[?{re.escape(section)}\]?(?!\w)"
    return re.match(pattern, title, re.IGNORECASE) is not None


def _rank(category: str) -> int | None:
    name = category.casefold()
    return _CATEGORY_ORDER.index(name) if name in _CATEGORY_ORDER else None


def _block_end(info: list[_Info], heading: int, limit: int) -> int:
    return next((i for i in range(heading + 1, limit) if info[i][0]), limit)


def _blank(line: str) -> bool:
    return not line.strip(" \t\r\n")


def _content_end(lines: list[str], info: list[_Info], start: int, stop: int | None = None) -> int:
    # Trailing blank lines and link reference definitions ("[1.0.0]: https://...") belong
    # after whatever is appended to a block, so the insertion goes above them.
    pos = len(lines) if stop is None else stop
    while pos > start and (
        _blank(lines[pos - 1]) or (not info[pos - 1][2] and _LINK_REF.match(lines[pos - 1]))
    ):
        pos -= 1
    return pos


def _splice(lines: list[str], pos: int, body: list[str], nl: str, *, gap: bool) -> str:
    head = ""
    block = list(body)
    if pos > 0:
        prev = lines[pos - 1]
        if not prev.endswith("\n"):
            head = nl
        if gap and not _blank(prev):
            block.insert(0, "")
    if gap and pos < len(lines) and not _blank(lines[pos]):
        block.append("")
    inserted = head + "".join(line + nl for line in block)
    return "".join(lines[:pos]) + inserted + "".join(lines[pos:])
