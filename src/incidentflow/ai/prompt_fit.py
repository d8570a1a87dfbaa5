"""Fit a prompt into `ai.max_prompt_chars`, saying what was left out or cut.

Context goes first, least relevant first: the suspect commits' patches, excerpts (the last named
first), the files each recent commit changed, the oldest timeline entries (down to the newest 10),
older recent commits (down to 5), what is on the record (roles, severity changes, updates,
overrides) beyond the timeline. Then text is cut, wherever it is — the current stage's sections,
earlier stages, the title, the service list, commit subjects, timeline entries: every piece
longer than a common length is cut to that length at a line break or a space and ends in
``[…]``, so one huge section is cut before many short ones are touched. When that length would
fall under `MIN_KEEP`, the oldest earlier stage is left out instead, and only then is
everything cut further. If the template's own text is over the limit, the end of the prompt is
cut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CUT_MARK = " […]"
MIN_KEEP = 400
KEEP_TIMELINE = 10
KEEP_COMMITS = 5
SHOWN_CUTS = 5  # cut pieces named one by one in the notes; more are counted


def cut_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a line break or a space, marked ``[…]``."""
    if len(text) <= limit:
        return text
    room = max(0, limit - len(CUT_MARK))
    head = text[:room]
    at = head.rfind("\n")
    if at < room // 2:
        at = max(head.rfind(" "), head.rfind("\t"))
    if at < room // 2:
        at = room  # one long word: no boundary to cut at
    return (head[:at].rstrip() + CUT_MARK)[:limit]


@dataclass
class _Piece:
    """Something that can be cut: its label, its size, and how to cut it to a size."""

    label: str
    size: Callable[[], int]
    cut: Callable[[int], None]


@dataclass
class PromptPieces:
    """The parts of a prompt that vary, already redacted, as template data."""

    incident: dict[str, Any]
    excerpts: list[dict[str, Any]]
    timeline: list[str]
    commits: list[dict[str, Any]]
    previous: list[dict[str, Any]]
    current: list[dict[str, str]]
    current_file: str
    record: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)
    _cut: dict[str, tuple[int, int]] = field(default_factory=dict)  # label: (size, kept)

    def notes(self) -> list[str]:
        """What was left out or cut, for the prompt and for stderr."""
        cuts = [
            f"the end of {label} (kept {kept:,} of {size:,} characters)"
            for label, (size, kept) in self._cut.items()
        ]
        if len(cuts) > SHOWN_CUTS:
            more = len(cuts) - SHOWN_CUTS + 1
            cuts = [*cuts[: SHOWN_CUTS - 1], f"the end of {more} more long pieces of text"]
        return self.omitted + cuts

    def drop_context(self) -> bool:
        """Leave out the next piece of context, least relevant first; False when none is left."""
        if any(commit.get("diff") for commit in self.commits):
            self.commits = [{**commit, "diff": ""} for commit in self.commits]
            self.omitted.append("the patches of the newest recent commits")
        elif self.excerpts:
            self.omitted.append(f"excerpt {self.excerpts.pop()['label']}")
        elif any(commit["files"] for commit in self.commits):
            self.commits = [{**commit, "files": []} for commit in self.commits]
            self.omitted.append("the files changed by each recent commit")
        elif len(self.timeline) > KEEP_TIMELINE:
            cut = len(self.timeline) - KEEP_TIMELINE
            self.timeline = self.timeline[cut:]
            self.omitted.append(f"the {cut} oldest timeline entries")
        elif len(self.commits) > KEEP_COMMITS:
            self.omitted.append(f"{len(self.commits) - KEEP_COMMITS} older recent commits")
            self.commits = self.commits[:KEEP_COMMITS]
        elif self.record:
            self.record = []
            self.omitted.append("the roles, severity changes, updates and overrides on the record")
        else:
            return False
        return True

    def drop_earlier_stage(self) -> bool:
        """Leave out the oldest earlier stage; False when there is none."""
        if not self.previous:
            return False
        self.omitted.append(f"what was written in {self.previous.pop(0)['filename']}")
        return True

    def cut(self, *, excess: int, floor: int) -> bool:
        """Cut the longest pieces to one common length so the prompt loses ``excess`` characters.

        False (and nothing cut) when that length would be under ``floor`` or nothing can shrink.
        """
        pieces = self._pieces()
        sizes = [piece.size() for piece in pieces]
        budget = sum(sizes) - excess
        keep = _common_length(sizes, budget)
        if keep < floor or not any(size > keep for size in sizes):
            return False
        for piece, size in zip(pieces, sizes, strict=True):
            if size > keep:
                piece.cut(keep)
                original = self._cut.get(piece.label, (size, 0))[0]
                self._cut[piece.label] = (original, piece.size())
        return True

    def _pieces(self) -> list[_Piece]:
        pieces = [
            _text_piece("the title", self.incident, "title"),
            _text_piece("the commander's name", self.incident, "commander"),
            _text_piece("the severity's description", self.incident, "severity_description"),
            _list_piece("the service list", self.incident["services"], separator=2),
            _sections_piece(f"what is written in {self.current_file}", self.current),
        ]
        for stage in self.previous:
            label = f"what was written in {stage['filename']}"
            pieces.append(_sections_piece(label, stage["sections"]))
        for commit in self.commits:
            sha = commit["sha"][:12]
            pieces.append(_text_piece(f"the subject of commit {sha}", commit, "subject"))
            pieces.append(_text_piece(f"the author of commit {sha}", commit, "author"))
        for index in range(len(self.timeline)):
            pieces.append(_text_piece(f"timeline entry {index + 1}", self.timeline, index))
        return pieces


def _common_length(sizes: list[int], budget: int) -> int:
    """The largest length L with sum(min(size, L)) plus the cut marks within ``budget``."""
    low, high = 0, max(sizes, default=0)
    while low < high:
        mid = (low + high + 1) // 2
        total = sum(min(size, mid) for size in sizes)
        if total <= budget:
            low = mid
        else:
            high = mid - 1
    return low


def _text_piece(label: str, holder: Any, key: Any) -> _Piece:
    def cut(limit: int) -> None:
        holder[key] = cut_text(holder[key] or "", limit)

    return _Piece(label, lambda: len(holder[key] or ""), cut)


def _list_piece(label: str, items: list[str], *, separator: int) -> _Piece:
    """A list shown joined (services): keep the first items that fit, cut the one that does not."""

    def size() -> int:
        return sum(len(item) + separator for item in items)

    def cut(limit: int) -> None:
        used = 0
        for index, item in enumerate(items):
            if used + len(item) + separator > limit:
                kept = cut_text(item, max(0, limit - used - separator))
                items[index:] = [kept] if kept else []
                return
            used += len(item) + separator

    return _Piece(label, size, cut)


def _sections_piece(label: str, sections: list[dict[str, str]]) -> _Piece:
    """A stage's sections: keep the first ones that fit, cut the next, leave out the rest."""
    overhead = 8  # "\n\n### " and the line break after the heading

    def size() -> int:
        return sum(len(s["name"]) + len(s["text"]) + overhead for s in sections)

    def cut(limit: int) -> None:
        used = 0
        for index, section in enumerate(sections):
            need = len(section["name"]) + len(section["text"]) + overhead
            if used + need > limit:
                room = limit - used - overhead - len(section["name"])
                if room >= len(CUT_MARK):
                    sections[index] = {**section, "text": cut_text(section["text"], room)}
                    index += 1
                del sections[index:]
                return
            used += need

    return _Piece(label, size, cut)
