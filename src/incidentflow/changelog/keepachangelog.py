"""Where a postmortem's line goes in a Keep a Changelog file, and where it already is.

Pure text in, text out. The file is read the way a CommonMark renderer reads it
(`files/markdown_sections.py`): a heading inside fenced code, an HTML block or a comment
(a template kept in the file) does not count, a setext heading does, and the line goes
before the first list item a renderer sees. Every byte outside the inserted or rewritten
lines is kept, so a human-edited changelog never gets reformatted.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence

from incidentflow.changelog.entries import ChangelogEntry, entry_line, item_text, marker
from incidentflow.changelog.links import (
    definitions,
    normalize_label,
    unreleased_url,
    version_label,
)
from incidentflow.files.markdown_sections import Heading, parse
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
# Lines end where CommonMark ends them (`\n`, `\r\n`, a lone `\r`), so line numbers agree
# with the parser's; str.splitlines would also split on form feeds and the like.
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_LINK_REF = re.compile(r" {0,3}\[[^\]]+\]:")
_MARKER = re.compile(r"<!-- incident:(\S+?) -->")
_BULLET = re.compile(r"[ \t]*[-*+](?:[ \t]+|(?=[\r\n]|$))")


class Found(Record):
    """Where an incident's line is: its first line (1-based), its text after the bullet up
    to the marker, and the version it was released under (None while unreleased; "" when
    it is outside every version's section)."""

    __slots__ = ("current", "line", "released_under")

    def __init__(self, *, line: int, current: str, released_under: str | None) -> None:
        self.line = line
        self.current = current
        self.released_under = released_under


def insert_entries(
    text: str | None,
    entries: Sequence[ChangelogEntry],
    *,
    section: str = "Unreleased",
    category: str = "Fixed",
) -> str:
    """Return the changelog with the entries not yet present added, newest first.

    ``None`` means the file does not exist yet; when nothing is new, ``text`` is returned as
    is. A section created in a file with link references gets its compare link.
    """
    for name, value in (("section", section), ("category", category)):
        if not value.strip() or any(c in value for c in "\r\n"):
            raise ValueError(f"{name} must be a non-empty single line: {value!r}")
    source = text if text is not None else "\n".join((*_PREAMBLE, f"## [{section}]", ""))
    fresh: dict[str, ChangelogEntry] = {}
    for entry in entries:
        if entry.incident_id not in fresh and marker(entry.incident_id) not in source:
            fresh[entry.incident_id] = entry
    if not fresh:
        return source
    ordered = sorted(fresh.values(), key=lambda e: (e.date, e.incident_id), reverse=True)
    items = [entry_line(e) for e in ordered]
    shape = _Shape(source, section)
    if shape.section is None:
        return _with_new_section(shape, items, section=section, category=category)

    start, end = shape.section.end_line, shape.section_end
    level = shape.section.level + 1
    cats = [h for h in shape.headings if start < h.line <= end and h.level == level]
    found = next((h for h in cats if h.text.casefold() == category.casefold()), None)
    if found is not None:
        stop = shape.block_end(found)
        first_item = next((i for i in shape.items if found.end_line < i <= stop), None)
        if first_item is not None:
            return shape.splice(first_item - 1, items, gap=False)
        return shape.splice(found.end_line, items, gap=True)

    # A new category is underlined like its siblings (or its section) where it can be.
    setext = _setext(cats[0]) if cats else _setext(shape.section)
    body = [*_heading(category, level, setext=setext), "", *items]
    rank = _rank(category)
    ranked = [(h, r) for h in cats if (r := _rank(h.text)) is not None]
    later = [] if rank is None else [h for h, r in ranked if r > rank]
    if later:
        return shape.splice(later[0].line - 1, body, gap=True)
    # An unknown category has no place in the standard order, so it goes after all others.
    earlier = cats if rank is None else [h for h, r in ranked if r < rank]
    if earlier:
        last = earlier[-1]
        return shape.splice(shape.content_end(last.end_line, shape.block_end(last)), body, gap=True)
    return shape.splice(start, body, gap=True)


def locate(text: str, incident_id: str, *, section: str = "Unreleased") -> Found | None:
    """Find the incident's line by its marker, and tell whether it is still unreleased."""
    return locate_all(text, [incident_id], section=section).get(incident_id)


def locate_all(
    text: str, incident_ids: Sequence[str], *, section: str = "Unreleased"
) -> dict[str, Found]:
    """:func:`locate` for several incidents, reading the file's structure once."""
    shape = _Shape(text, section)
    found: dict[str, Found] = {}
    for incident_id in incident_ids:
        place = shape.place(incident_id)
        if place is not None:
            found[incident_id] = Found(
                line=place[0] + 1,
                current=shape.current(place),
                released_under=shape.version_of(place[0] + 1),
            )
    return found


def rewrite_entries(
    text: str, entries: Mapping[str, ChangelogEntry], *, section: str = "Unreleased"
) -> str:
    """Rewrite each unreleased line (found by marker) that no longer reads as its entry.

    Lines of released versions are never changed; the bytes after a marker stay.
    """
    shape = _Shape(text, section)
    lines = list(shape.lines)
    for incident_id, entry in entries.items():
        place = shape.place(incident_id)
        if place is None or shape.version_of(place[0] + 1) is not None:
            continue
        wanted = item_text(entry)
        if shape.current(place) == " ".join(wanted.split()):
            continue
        first, last, prefix, end = place
        lines[first] = prefix + wanted + lines[last][end:]
        for index in range(first + 1, last + 1):
            lines[index] = ""
    return "".join(lines)


class _Shape:
    """The file split into lines, with its headings and list items as a renderer sees them."""

    def __init__(self, text: str, section: str) -> None:
        self.lines = _LINES.findall(text)
        doc = parse(text)
        self.headings = doc.headings
        self.items = doc.list_items
        self.section = next(
            (h for h in self.headings if h.level <= 2 and _is_section(h.text, section)), None
        )
        # Versions are headings at the level of the section (level 2 without one).
        self.level = self.section.level if self.section is not None else 2
        self.section_end = len(self.lines)
        if self.section is not None:
            later = (h for h in self.headings if h.line > self.section.end_line)
            ending = next((h for h in later if h.level <= self.level), None)
            self.section_end = len(self.lines) if ending is None else ending.line - 1
        first_break = text.find("\n")
        self.nl = "\r\n" if first_break > 0 and text[first_break - 1] == "\r" else "\n"
        # 0-based, for finding an incident's item among many.
        self._item_list = [line - 1 for line in self.items]
        self._item_starts = frozenset(self._item_list)
        self._heading_starts = frozenset(h.line - 1 for h in self.headings)
        self._marker_lines: dict[str, list[int]] | None = None

    def block_end(self, heading: Heading) -> int:
        """The 0-based index where the block under ``heading`` ends (the next heading)."""
        after = (h for h in self.headings if h.line > heading.end_line)
        following = next(after, None)
        return len(self.lines) if following is None else following.line - 1

    def content_end(self, start: int, stop: int) -> int:
        """Where to append to lines ``start``..``stop``: above trailing blank lines and link
        reference definitions (`[1.0.0]: https://…`), which belong after what is added."""
        pos = stop
        while pos > start and (_blank(self.lines[pos - 1]) or _LINK_REF.match(self.lines[pos - 1])):
            pos -= 1
        return pos

    def version_of(self, line: int) -> str | None:
        """None when 1-based ``line`` is in the unreleased section, else the version label of
        the section it is in ("" when it is in none)."""
        section = self.section
        if section is not None and section.end_line < line <= self.section_end:
            return None
        above = [h for h in self.headings if h.end_line < line and h.level <= self.level]
        if not above or above[-1].level != self.level:
            return ""
        return version_label(above[-1].text)

    def place(self, incident_id: str) -> tuple[int, int, str, int] | None:
        """The lines of the incident's list item: first and last index, the bullet prefix of
        the first, and where the marker ends in the last; None when it has no marker."""
        hits = self._markers().get(incident_id)
        if not hits:
            return None
        starts = self._item_starts
        # A marker on a list item beats one quoted elsewhere (in a comment, say).
        last = next((i for i in hits if i in starts), hits[0])
        key = marker(incident_id)
        end = self.lines[last].index(key) + len(key)
        first = last
        if not _BULLET.match(self.lines[last]):
            # The item may be wrapped over several lines: go up to its bullet.
            above = bisect.bisect_left(self._item_list, last)
            start = self._item_list[above - 1] if above else None
            if start is not None and not any(
                _blank(self.lines[i]) or _BULLET.match(self.lines[i]) or i in self._heading_starts
                for i in range(start + 1, last + 1)
            ):
                first = start
        bullet = _BULLET.match(self.lines[first])
        indent = len(self.lines[first]) - len(self.lines[first].lstrip(" \t"))
        prefix = bullet[0] if bullet else self.lines[first][:indent]
        return first, last, prefix, end

    def _markers(self) -> dict[str, list[int]]:
        """The 0-based lines each incident's marker is on, found in one pass."""
        if self._marker_lines is None:
            self._marker_lines = {}
            for index, line in enumerate(self.lines):
                if "<!-- incident:" in line:
                    for found in _MARKER.finditer(line):
                        self._marker_lines.setdefault(found[1], []).append(index)
        return self._marker_lines

    def current(self, place: tuple[int, int, str, int]) -> str:
        """The item's text after its bullet, up to the end of its marker, on one line."""
        first, last, prefix, end = place
        if first == last:
            text = self.lines[first][len(prefix) : end]
        else:
            middle = "".join(self.lines[first + 1 : last])
            text = self.lines[first][len(prefix) :] + middle + self.lines[last][:end]
        return " ".join(text.split())

    def splice(self, pos: int, body: list[str], *, gap: bool) -> str:
        """Insert ``body`` lines at 0-based ``pos``, with blank lines around when ``gap``."""
        return "".join(_spliced(self.lines, pos, body, self.nl, gap=gap))


def _spliced(lines: list[str], pos: int, body: list[str], nl: str, *, gap: bool) -> list[str]:
    head = ""
    block = list(body)
    if pos > 0:
        prev = lines[pos - 1]
        if not prev.endswith(("\n", "\r")):
            head = nl
        if gap and not _blank(prev):
            block.insert(0, "")
    if gap and pos < len(lines) and not _blank(lines[pos]):
        block.append("")
    inserted = head + "".join(line + nl for line in block)
    return [*lines[:pos], inserted, *lines[pos:]]


def _with_new_section(shape: _Shape, items: list[str], *, section: str, category: str) -> str:
    """Add the section before the newest version, or at the end of a file without versions;
    with the compare link beside the others when the file keeps link references."""
    first_version = next((h for h in shape.headings if h.level == 2), None)
    setext = first_version is not None and _setext(first_version)
    body = [*_heading(f"[{section}]", 2, setext=setext), "", f"### {category}", "", *items]
    if first_version is None:
        return shape.splice(shape.content_end(0, len(shape.lines)), body, gap=True)
    pos = first_version.line - 1
    refs = definitions(shape.lines)
    newest = refs.get(normalize_label(version_label(first_version.text)))
    if newest is None or normalize_label(section) in refs:
        return shape.splice(pos, body, gap=True)
    ref_line, version_url = newest
    url = unreleased_url(version_url)
    if url is None:
        return shape.splice(pos, body, gap=True)
    # The link goes right above the newest version's, as Keep a Changelog lists them.
    lines = _spliced(shape.lines, ref_line, [f"[{section}]: {url}"], shape.nl, gap=False)
    if ref_line <= pos:
        pos += 1
    return "".join(_spliced(lines, pos, body, shape.nl, gap=True))


def _setext(heading: Heading) -> bool:
    """Whether a heading is underlined (`===`, `---`) rather than marked with `#`."""
    return heading.end_line > heading.line


def _heading(text: str, level: int, *, setext: bool) -> list[str]:
    """A heading's lines in the file's own style (markdownlint's MD003): underlined where
    setext can say the level (1 and 2), else `#`s."""
    if setext and level <= 2:
        return [text, ("=" if level == 1 else "-") * max(3, len(text))]
    return [f"{'#' * level} {text}"]


def _is_section(title: str, section: str) -> bool:
    # Accepts "[Unreleased]", "Unreleased" and trailing text such as "[Unreleased] - soon".
    pattern = rf"\[?{re.escape(section)}\]?(?!\w)"
    return re.match(pattern, title, re.IGNORECASE) is not None


def _rank(category: str) -> int | None:
    name = category.casefold()
    return _CATEGORY_ORDER.index(name) if name in _CATEGORY_ORDER else None


def _blank(line: str) -> bool:
    return not line.strip(" \t\r\n")
