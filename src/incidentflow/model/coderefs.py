"""Code references in stage files: which inline code spans name a location in the repository.

A reference is an inline code span holding exactly one location:

- a commit id: 7–40 hex digits with at least one digit and one letter (`3f9a2c1`);
- a path, optionally ``rev:`` before it (git's ``rev:path``) and a line or range after it,
  as ``:42``, ``:40-55`` or GitHub's ``#L42`` and ``#L40-L55`` (`src/app.py:42`,
  `v1.2:src/app.py:10-20`, `src/app.py#L7`), where the path has a `/` and a file extension
  or a trailing `/`, or has no `/` and a common source-file extension (`app.py`,
  `config.yaml`: a bare file name, found anywhere in the repository), or is a directory with
  a trailing `/` (`src/`).

Anything else in backticks — `pool.acquire()`, `retries = 3`, `os.path`, a URL, an absolute
path such as `/etc/gitlab/gitlab.rb` or `~/.ssh/config` (a machine's, not the repository's)
— is code, not a location, and is never checked. Text outside code spans and inside fenced
code blocks is never checked either. Whether a reference resolves is `grounding`'s business.
"""

from __future__ import annotations

import functools
import re

from incidentflow.files.markdown_sections import blank, code_spans, without_drafts_and_comments
from incidentflow.records import Record

_EXTENSION_WORDS = (
    "py pyi js mjs cjs jsx ts tsx go rs rb java kt kts scala c h cc cpp cxx hpp hh cs php swift "
    "m mm sh bash zsh ps1 sql yaml yml json toml ini cfg conf md rst txt html htm css scss sass "
    "less vue svelte tf tfvars hcl proto graphql gql xml gradle lock env properties mk cmake "
    "dockerfile ex exs erl hrl clj lua pl pm r jl dart zig nix j2 jinja tmpl tpl csv"
)
_SOURCE_EXTENSIONS = frozenset(_EXTENSION_WORDS.split())
_WHITESPACE = re.compile(r"\s")
_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_PATH_CHARS = re.compile(r"^[A-Za-z0-9_.@+\-/]+$")
_REV = re.compile(r"^[A-Za-z0-9_.\-/~^@{}]+$")
_LINES = re.compile(r"^(\d+)(?:-(\d+))?$")
_ANCHOR = re.compile(r"#L(\d+)(?:-L(\d+))?$")
_FENCE_TAIL = re.compile(r"[`~]*[ \t]*")


class CodeRef(Record):
    """One reference: what was written, where, and what it points at."""

    __slots__ = ("commit", "end", "line", "offset", "path", "rev", "start", "text")

    def __init__(
        self,
        text: str,
        line: int,
        *,
        rev: str | None = None,
        path: str | None = None,
        start: int | None = None,
        end: int | None = None,
        commit: str | None = None,
        offset: int = -1,
    ) -> None:
        self.text = text
        self.line = line
        self.rev = rev
        self.path = path
        self.start = start
        self.end = end
        self.commit = commit
        # Where ``text`` starts in the text it was found in (for rewriting it), or -1.
        self.offset = offset


def parse_ref(span: str, *, line: int = 0, offset: int = -1) -> CodeRef | None:
    """Classify one code span's content; None when it is code rather than a location."""
    found = _classify(span)
    if found is None:
        return None
    text, rev, path, start, end, commit = found
    if offset >= 0:
        offset += len(span) - len(span.lstrip())
    return CodeRef(
        text, line, rev=rev, path=path, start=start, end=end, commit=commit, offset=offset
    )


_Parts = tuple[str, str | None, str | None, int | None, int | None, str | None]


@functools.lru_cache(maxsize=4096)
def _classify(span: str) -> _Parts | None:
    """What a span names (text, rev, path, start, end, commit); the same wherever it is,
    so remembered: stage files cite the same locations again and again."""
    text = span.strip()
    if not text or _WHITESPACE.search(text) or "://" in text or text.startswith(("/", "~")):
        return None  # code, a URL, or a path on some machine rather than in the repository
    if _SHA.match(text):
        has_digit = any(ch.isdigit() for ch in text)
        has_letter = any(ch.isalpha() for ch in text)
        return (text, None, None, None, None, text) if has_digit and has_letter else None
    start = end = None
    anchor = _ANCHOR.search(text) if "#L" in text else None
    if anchor:
        start = int(anchor.group(1))
        end = int(anchor.group(2)) if anchor.group(2) else start
        text_path = text[: anchor.start()]
        parts = text_path.split(":")
    else:
        parts = text.split(":")
        lines = _LINES.match(parts[-1]) if len(parts) > 1 else None
        if lines:
            start = int(lines.group(1))
            end = int(lines.group(2)) if lines.group(2) else start
            parts = parts[:-1]
    if len(parts) > 2:
        return None
    rev = parts[0] if len(parts) == 2 else None
    path = parts[-1]
    if rev is not None and not _REV.match(rev):
        return None
    if not path or not _PATH_CHARS.match(path) or path.startswith(("-", "/")):
        return None
    if not _looks_like_path(path, has_lines=start is not None):
        return None
    return (text, rev, path, start, end, None)


def _looks_like_path(path: str, *, has_lines: bool) -> bool:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""
    if "/" in path.strip("/"):
        return path.endswith("/") or bool(extension) or has_lines
    if path.endswith("/"):
        return True
    return extension in _SOURCE_EXTENSIONS or name.lower() in ("dockerfile", "makefile")


def find_refs(text: str, *, first_line: int) -> list[CodeRef]:
    """Every reference in ``text`` (whose first line is ``first_line`` of its file), each
    with its offset in ``text``."""
    if "`" not in text:
        return []
    visible = without_drafts_and_comments(text)
    visible = _blank_fences(visible)
    refs = []
    line, counted = first_line, 0
    for start, end in code_spans(visible):
        # Count newlines incrementally: a huge file with many spans stays linear.
        line += visible.count("\n", counted, start)
        counted = start
        ref = parse_ref(visible[start:end], line=line, offset=start)
        if ref is not None:
            refs.append(ref)
    return refs


def _blank_fences(text: str) -> str:
    """Blank out fenced code blocks (one left open runs to the end), keeping every line.

    A fence opens on a line of up to 3 spaces and 3+ backticks or tildes, and closes on a
    later line of up to 3 spaces, the same run, more fence characters and blanks. Only
    lines holding a run are looked at: a regex anchored at every line start costs more.
    """
    pieces = []
    done = search = 0
    while True:
        opener = _next_run_at_line_start(text, search, ("```", "~~~"))
        if opener is None:
            break
        line_start, at = opener
        run_end = at + 1
        while run_end < len(text) and text[run_end] == text[at]:
            run_end += 1
        run = text[at:run_end]
        after_opener = text.find("\n", run_end) + 1
        end = len(text)
        position = after_opener
        while after_opener and (closer := _next_run_at_line_start(text, position, (run,))):
            line_end = text.find("\n", closer[1])
            line_end = len(text) if line_end == -1 else line_end
            if _FENCE_TAIL.fullmatch(text, closer[1] + len(run), line_end):
                end = line_end
                break
            position = closer[1] + 1
        pieces += [text[done:line_start], blank(text[line_start:end])]
        done = search = end
        if end == len(text):
            break
    return "".join(pieces) + text[done:] if pieces else text


def _next_run_at_line_start(text: str, start: int, runs: tuple[str, ...]) -> tuple[int, int] | None:
    """The first of ``runs`` from ``start`` on that begins a line (after up to 3 spaces):
    its line's start and its own position."""
    while True:
        at = -1
        for run in runs:
            found = text.find(run, start)
            if found != -1 and (at == -1 or found < at):
                at = found
        if at == -1:
            return None
        line_start = text.rfind("\n", 0, at) + 1
        if line_start >= start and at - line_start <= 3 and not text[line_start:at].strip(" "):
            return line_start, at
        start = at + 1
