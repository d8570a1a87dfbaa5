"""Decode user files strictly, so bad bytes become a clear error instead of silent damage."""

from __future__ import annotations

from incidentflow.errors import IncidentError


def decode(data: bytes, *, path: str) -> str:
    """Decode UTF-8 (a leading BOM is kept in the text); name the line of any bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IncidentError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


_CONFLICT_START = "\n<<<<<<< "


def conflict_marker_line(text: str) -> int | None:
    """The 1-based line of the first merge conflict marker git left in ``text``, if any: a
    `<<<<<<< ` line with a `>>>>>>> ` line after it."""
    start = text.find(_CONFLICT_START)
    if start == -1:
        if not text.startswith(_CONFLICT_START[1:]):
            return None
        start = -1
    if text.find("\n>>>>>>> ", start + 1) == -1:
        return None
    return text.count("\n", 0, start + 1) + 1
