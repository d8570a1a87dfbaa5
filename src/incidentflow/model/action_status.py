"""An action item's `Status` read generously, and the evidence a row cites: a commit, a
code reference, a ticket.

A row is done when its Status starts with a word that means finished (`done`, `Done ✅`,
`fixed in 1a2b3c4`, `closed`, `[x]`, in any case and markup) or its action is checked
`[x]`; any other status (`in progress`, `blocked on vendor`) means open, and is kept as
written. Commits a row cites outside backticks in its Status, Ticket, Evidence or Commit
cell are references like those in backticks: `document_refs` hands them to `grounding`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from incidentflow.files.markdown_sections import (
    Document,
    meaningful_text,
    without_drafts_and_comments,
)
from incidentflow.files.tables import Row, first_table
from incidentflow.model.coderefs import CodeRef, parse_ref
from incidentflow.model.problems import Problem
from incidentflow.records import Record

# The first word of a Status that means the work is finished.
DONE_WORDS = frozenset(
    {
        "done",
        "closed",
        "complete",
        "completed",
        "finished",
        "fixed",
        "resolved",
        "merged",
        "shipped",
        "x",
    }
)
_DONE_MARKS = ("✅", "✔", "☑")
_WORD = re.compile(r"[^\W_]+")
_COMMIT = re.compile(r"(?<![\w/.:#-])[0-9a-fA-F]{7,40}(?![\w/.-])")
_SHA = re.compile(r"[0-9a-f]{7,40}")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_TICKET = re.compile(r"(?:https?://\S+|(?<![\w/&])#\d+\b|\b[A-Z][A-Z0-9]{1,9}-\d+\b)")
# Cells that record no ticket yet.
_NO_TICKET = frozenset({"", "-", "—", "?", "tbd", "tba", "n/a", "na", "none", "todo"})
# The columns an action item's evidence may be written in.
EVIDENCE_COLUMNS = ("status", "ticket", "evidence", "commit")
SWITCH = "actions.done_needs_commit"


def status_is_done(status: str, action: str = "") -> bool:
    """`done`, `Done ✅`, `fixed in 1a2b3c4`, `closed`, `[x]`, `✅`, in any case and markup;
    or an action that starts with a checked `[x]` box."""
    if action.lstrip()[:3].lower() == "[x]":
        return True
    text = status.strip()
    if text[:3].lower() == "[x]" or any(mark in text for mark in _DONE_MARKS):
        return True
    first = _WORD.search(text.casefold())
    return first is not None and first.group(0) in DONE_WORDS


class Evidence(Record):
    """What a row cites as proof: commits written bare or in backticks, code references,
    and the ticket (the `Ticket` column, else a ticket-like reference in the status)."""

    __slots__ = ("commits", "refs", "ticket")

    def __init__(self, commits: tuple[str, ...], refs: tuple[CodeRef, ...], ticket: str) -> None:
        self.commits = commits
        self.refs = refs
        self.ticket = ticket


def evidence(cells: dict[str, str], *, line: int = 0) -> Evidence:
    """The evidence in a row's cells (by column name, any case)."""
    lowered = {name.casefold(): value for name, value in cells.items()}
    commits: list[str] = []
    refs: list[CodeRef] = []
    for column in EVIDENCE_COLUMNS:
        for span in _CODE_SPAN.findall(lowered.get(column, "")):
            ref = parse_ref(span, line=line)
            if ref is None:
                continue
            if ref.commit is not None:
                commits.append(ref.commit)
                continue
            refs.append(ref)
            if ref.rev is not None and _SHA.fullmatch(ref.rev):
                commits.append(ref.rev)  # a permalink's commit; a branch or tag proves nothing
    commits += bare_commits(cells)
    ticket = lowered.get("ticket", "").strip()
    if ticket.casefold() in _NO_TICKET:
        ticket = ""
    if not ticket:
        found_ticket = _TICKET.search(lowered.get("status", ""))
        ticket = found_ticket.group(0) if found_ticket else ""
    return Evidence(tuple(dict.fromkeys(commits)), tuple(refs), ticket)


def bare_commits(cells: dict[str, str]) -> list[str]:
    """Commits a row's evidence cells name outside backticks: 7 to 40 hex digits with a
    digit and a letter, not part of a URL, a path or a ticket."""
    lowered = {name.casefold(): value for name, value in cells.items()}
    found = []
    for column in EVIDENCE_COLUMNS:
        text = _TICKET.sub(" ", _CODE_SPAN.sub(" ", lowered.get(column, "")))
        for sha in _COMMIT.findall(text):
            if any(ch.isdigit() for ch in sha) and any(ch.isalpha() for ch in sha):
                found.append(sha.lower())  # as git writes object names
    return list(dict.fromkeys(found))


def action_rows(doc: Document) -> list[Row]:
    """The rows of the Action items table, drafts and comments left out; none without one."""
    section = doc.section("Action items")
    if section is None or "|" not in section.body:
        return []
    table = first_table(without_drafts_and_comments(section.body), first_line=section.body_line)
    return table.rows if table is not None else []


def evidence_refs(doc: Document) -> list[CodeRef]:
    """The commits the Action items table names outside backticks, as references on their
    rows' lines (those in backticks are found with every other reference)."""
    return [
        CodeRef(sha, row.line, commit=sha)
        for row in action_rows(doc)
        for sha in bare_commits(_visible(row.cells))
    ]


class DoneRow(Record):
    """A row marked done, with the commits it cites (for `actions.done_needs_commit`)."""

    __slots__ = ("action", "commits", "line")

    def __init__(self, line: int, action: str, commits: tuple[str, ...]) -> None:
        self.line = line
        self.action = action
        self.commits = commits


def done_rows(doc: Document) -> list[DoneRow]:
    """Every row marked done, with the commits it cites."""
    found = []
    for row in action_rows(doc):
        cells = _visible(row.cells)
        lowered = {name.casefold(): value for name, value in cells.items()}
        if status_is_done(lowered.get("status", ""), lowered.get("action", "")):
            cited = evidence(cells, line=row.line)
            found.append(DoneRow(row.line, lowered.get("action", "").strip(), cited.commits))
    return found


def unproven(
    rows: list[DoneRow], *, path: str, resolves: Callable[[str, int], bool]
) -> list[Problem]:
    """The rows marked done that cite no commit that resolves (``resolves(commit, line)``),
    as problems."""
    return [
        Problem(
            path,
            row.line,
            f'action item "{_shorten(row.action)}" is done but cites no commit of this '
            'repository; write the fixing commit in its Status ("done in 1a2b3c4") '
            f"({SWITCH})",
        )
        for row in rows
        if not any(resolves(commit, row.line) for commit in row.commits)
    ]


def _visible(cells: dict[str, str]) -> dict[str, str]:
    return {name: meaningful_text(value) for name, value in cells.items()}


def _shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
