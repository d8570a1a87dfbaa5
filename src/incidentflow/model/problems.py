"""A problem found by a check: where it is and what is missing, as `path:line: message`."""

from __future__ import annotations

import re

from incidentflow.records import Record

_LOCATED = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): (?P<message>.*)$", re.S)


class Problem(Record):
    """One unmet goal or invalid value."""

    __slots__ = ("incomplete", "line", "message", "path")

    def __init__(self, path: str, line: int | None, message: str, incomplete: bool = False) -> None:
        self.path = path
        self.line = line
        self.message = message
        # Incomplete means "not written yet" (an unfilled section, an unset time): allowed in
        # the stage still being worked on. Anything else is wrong content, always reported.
        self.incomplete = incomplete

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )

    @classmethod
    def from_message(cls, text: str, *, path: str) -> Problem:
        """Turn an error message that may already say ``path:line:`` into a Problem."""
        match = _LOCATED.match(text)
        if match:
            return cls(match.group("path"), int(match.group("line")), match.group("message"))
        prefix = f"{path}: "
        return cls(path, None, text[len(prefix) :] if text.startswith(prefix) else text)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "incomplete": self.incomplete,
        }


def brief(value: object, *, width: int = 60, quoted: bool = True) -> str:
    """A short rendering of a value read from a file, for a message: a value of any size
    (a huge string, a deeply nested list) costs a few dozen characters to show. Strings are
    shown as Python literals, or as they are with ``quoted=False``."""
    if not quoted and not isinstance(value, (list, tuple, dict, set)):
        value = str(value)  # a date, a number: as it reads
        return value if len(value) <= width else value[:width] + "…"
    if isinstance(value, str):
        return repr(value if len(value) <= width else value[:width] + "…")
    import reprlib

    shown = reprlib.Repr()
    shown.maxlevel, shown.maxlist, shown.maxdict, shown.maxtuple = 2, 4, 4, 4
    shown.maxstring = shown.maxother = width
    return shown.repr(value)
