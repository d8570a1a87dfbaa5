"""The `[Unreleased]: …/compare/vX...HEAD` link reference Keep a Changelog files keep.

Derived from the link reference of the newest version, so it points where the file's own
links point (GitHub, GitLab, or anything with the same URL shapes); a file without link
references gets none.
"""

from __future__ import annotations

import re

_DEFINITION = re.compile(r" {0,3}\[([^\]]+)\]:[ \t]*(\S+)")
# URL shapes of a release, each giving the repository's base and the release's tag.
_RELEASE_URLS = (
    re.compile(r"(?P<base>.+?)(?P<compare>/-)?/compare/[^/]+?\.\.\.(?P<tag>[^/.][^/]*)"),
    re.compile(r"(?P<base>.+?)/releases/tag/(?P<tag>[^/]+)"),
    re.compile(r"(?P<base>.+?)/tree/(?P<tag>[^/]+)"),
    re.compile(r"(?P<base>.+?)(?P<compare>/-)/tags/(?P<tag>[^/]+)"),
)


def definitions(lines: list[str]) -> dict[str, tuple[int, str]]:
    """Link reference definitions by normalized label: (line index, URL), first one wins."""
    found: dict[str, tuple[int, str]] = {}
    for index, line in enumerate(lines):
        match = _DEFINITION.match(line)
        if match:
            found.setdefault(normalize_label(match[1]), (index, match[2]))
    return found


def normalize_label(label: str) -> str:
    """Labels match case-insensitively with whitespace collapsed, as in CommonMark."""
    return " ".join(label.split()).casefold()


def version_label(heading: str) -> str:
    """`1.2.0` from `[1.2.0] - 2026-11-20`, `1.2.0 (2026-11-20)` or `v1.2.0`."""
    bracketed = re.match(r"\[([^\]]+)\]", heading)
    if bracketed:
        return bracketed[1].strip()
    return heading.split()[0] if heading.split() else ""


def unreleased_url(version_url: str) -> str | None:
    """The compare-with-HEAD URL next to a version's URL, or None for a shape not known."""
    for shape in _RELEASE_URLS:
        match = shape.fullmatch(version_url)
        if match:
            dash = "/-" if match.groupdict().get("compare") else ""
            return f"{match['base']}{dash}/compare/{match['tag']}...HEAD"
    return None
