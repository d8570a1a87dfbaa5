"""The changelog entry of a finished postmortem, and how each changelog format writes it.

Pure values and text: where an entry goes in a file is `keepachangelog.py`'s business, and
which files exist is `update.py`'s.
"""

from __future__ import annotations

import re

from incidentflow.records import Record


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
        # The id ends up inside an HTML comment that is the idempotency key, and in file
        # names of news fragments, so it must stay a single token that cannot close the
        # comment early or leave a directory.
        if not self.incident_id or any(c.isspace() for c in self.incident_id):
            raise ValueError(f"incident id must be one non-empty token: {self.incident_id!r}")
        if "-->" in self.incident_id or "/" in self.incident_id or "\\" in self.incident_id:
            raise ValueError(f"incident id must not contain '-->' or slashes: {self.incident_id!r}")
        if not self.text.split():
            raise ValueError(f"changelog text for {self.incident_id} is empty")
        for name in ("severity", "date", "link"):
            if any(c in getattr(self, name) for c in "\r\n"):
                raise ValueError(f"{name} of {self.incident_id} must be a single line")

    @property
    def words(self) -> str:
        """The entry's text collapsed onto one line."""
        return " ".join(self.text.split())


def marker(incident_id: str) -> str:
    """Return the hidden HTML comment that identifies an incident's changelog line."""
    return f"<!-- incident:{incident_id} -->"


def item_text(entry: ChangelogEntry) -> str:
    """The Markdown list item's text without its bullet, ending in the marker."""
    return (
        f"{entry.words} ({entry.severity} incident [{entry.incident_id}]({entry.link}),"
        f" {entry.date}) {marker(entry.incident_id)}"
    )


def entry_line(entry: ChangelogEntry) -> str:
    """Render an entry as one Markdown list item, its text collapsed onto a single line."""
    return f"- {item_text(entry)}"


def has_entry(text: str, incident_id: str) -> bool:
    """Tell whether the incident's marker appears anywhere, released versions included."""
    return marker(incident_id) in text


def names_incident(text: str, incident_id: str) -> bool:
    """Whether ``text`` names the incident id as a whole token (`…-500s` is not `…-500s-2`).

    How a generated or collected changelog is searched: the marker may not survive there.
    """
    pattern = rf"(?<![\w-]){re.escape(incident_id)}(?![\w-])"
    return re.search(pattern, text) is not None


_FIELDS = (
    r"(?P<text>.*) \((?P<severity>\S+) incident \[(?P<id>[^\]]*)\]\((?P<link>[^)]*)\),"
    r" (?P<date>[^)]*)\) <!-- incident:(?P=id) -->"
)


def differences(current: str, entry: ChangelogEntry) -> str:
    """Say what in an entry's line (``current``, without its bullet) differs from ``entry``."""
    found = re.fullmatch(_FIELDS, " ".join(current.split()))
    if found is None:
        return f'the line reads "{_cut(current)}", its postmortem says "{_cut(entry.words)}"'
    wanted = {
        "text": entry.words,
        "severity": entry.severity,
        "link": entry.link,
        "date": entry.date,
    }
    changed = [
        f'{name} "{_cut(found[name])}" is now "{_cut(value)}"'
        for name, value in wanted.items()
        if found[name] != value
    ]
    return "; ".join(changed)


def _cut(text: str, limit: int = 160) -> str:
    """Keep messages bounded: a hand-edited line may be any length."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fragment_text(
    entry: ChangelogEntry, *, markup: str, heading: str | None = None, bullet: bool = True
) -> str:
    """A news fragment holding the entry: Markdown (with the marker) or reStructuredText.

    ``heading`` is a category heading, for tools whose fragments carry one (scriv);
    without ``bullet`` the text is bare, for tools that make each fragment a bullet
    themselves (towncrier).
    """
    if markup == "rst":
        text = (
            f"{entry.words} ({entry.severity} incident `{entry.incident_id}"
            f" <{entry.link}>`__, {entry.date})"
        )
        title = "" if heading is None else f"{heading}\n{'-' * len(heading)}\n\n"
    else:
        text = item_text(entry)
        title = "" if heading is None else f"### {heading}\n\n"
    return f"{title}{'- ' if bullet else ''}{text}\n"


def commit_line(entry: ChangelogEntry) -> str:
    """The conventional-commit subject that gives a generated changelog the entry."""
    return f"fix: {entry.words} (incident {entry.incident_id})"
