"""Incident ids (`YYYY-MM-DD-<slug>`): making them from titles and finding them from a hint."""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from incidentflow.errors import IncidentError

MAX_SLUG = 50
ID_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]"  # compiled when a title is cleaned


def clean_title(title: str) -> str:
    """A title as stored: one line, no control characters; empty is refused."""
    if re.search(_CONTROL, title):
        raise IncidentError("the title contains control characters or undecodable bytes; retype it")
    cleaned = " ".join(title.split())
    if not cleaned:
        raise IncidentError('the title is empty; describe what users see, e.g. "Checkout API 500s"')
    return cleaned


# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i"}
)  # fmt: skip


def slugify(title: str) -> str:
    """Lowercase ASCII letters, digits and `-`, at most 50 characters; `incident` if empty."""
    latin = unicodedata.normalize("NFKD", title.translate(_LETTERS))
    ascii_text = latin.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG]
        # Prefer to end on a word boundary when one is reasonably close.
        boundary = cut.rfind("-")
        slug = cut[:boundary] if boundary >= MAX_SLUG // 2 else cut
        slug = slug.strip("-")
    return slug or "incident"


def new_id(title: str, *, started_at: dt.datetime, tz: dt.tzinfo, taken: Iterable[str]) -> str:
    """The id for a new incident: the start date in ``tz``, the slug, `-2`, `-3` on clashes."""
    base = f"{started_at.astimezone(tz).date().isoformat()}-{slugify(title)}"
    existing = set(taken)
    candidate, counter = base, 1
    while candidate in existing:
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate


def list_ids(incidents_path: Path) -> list[str]:
    """Ids of the incident directories present, sorted (oldest first by date).

    A directory that is a symlink counts only when it points inside the repository (the
    incidents directory's parent).
    """
    try:
        entries = list(os.scandir(incidents_path))
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for entry in entries:
        if not ID_PATTERN.match(entry.name) or not entry.is_dir():
            continue
        if entry.is_symlink():
            real = Path(entry.path).resolve()
            root = incidents_path.resolve().parent
            if real != root and root not in real.parents:
                continue
        found.append(entry.name)
    return sorted(found)


def match_id(query: str, ids: list[str]) -> str:
    """Resolve a full id, a unique prefix or a unique substring; otherwise list candidates."""
    if query in ids:
        return query
    for kind, matches in (
        ("prefix", [i for i in ids if i.startswith(query)]),
        ("substring", [i for i in ids if query in i]),
    ):
        if len(matches) == 1:
            return matches[0]
        if matches:
            shown = ", ".join(matches[:10]) + (" …" if len(matches) > 10 else "")
            raise IncidentError(
                f"{query!r} matches {len(matches)} incidents by {kind}: {shown}; be more specific"
            )
    if not ids:
        raise IncidentError(
            f"no incident matches {query!r}: there are no incidents yet (incident new TITLE)"
        )
    raise IncidentError(f"no incident matches {query!r}; run `incident list` to see the ids")


def id_from_cwd(cwd: Path, incidents_path: Path) -> str | None:
    """The incident whose directory contains ``cwd``, if any."""
    try:
        relative = cwd.resolve().relative_to(incidents_path.resolve())
    except ValueError:
        return None
    if not relative.parts:
        return None
    first = relative.parts[0]
    return first if ID_PATTERN.match(first) else None
