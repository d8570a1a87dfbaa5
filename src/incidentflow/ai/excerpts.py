"""Repository context for prompts: source excerpts read from git, and secret redaction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from incidentflow.errors import IncidentError
from incidentflow.files.repo_paths import repo_relative
from incidentflow.git.repo import Git
from incidentflow.model.coderefs import find_refs

_FILE_SPEC = re.compile(r"^(?P<path>.+?)(?::(?P<start>\d+)(?:-(?P<end>\d+))?)?$")


@dataclass(frozen=True)
class Excerpt:
    """Some lines of one file at one revision, numbered as in the file."""

    path: str
    rev: str
    start: int
    end: int
    text: str
    truncated: bool

    @property
    def label(self) -> str:
        """E.g. `src/app.py:40-55 @ HEAD`."""
        return f"{self.path}:{self.start}-{self.end} @ {self.rev}"


@dataclass(frozen=True)
class FileSpec:
    """A file to excerpt: path, optional line range, optional revision."""

    path: str
    start: int | None = None
    end: int | None = None
    rev: str | None = None


def parse_file_spec(value: str) -> FileSpec:
    """Parse `PATH[:LINE|:START-END]` as typed on the command line."""
    match = _FILE_SPEC.match(value)
    if not match or "\0" in value:
        raise IncidentError(f"--with-file {value!r}: expected PATH, PATH:LINE or PATH:START-END")
    start = int(match.group("start")) if match.group("start") else None
    end = int(match.group("end")) if match.group("end") else start
    return FileSpec(match.group("path"), start, end)


def specs_from_text(text: str) -> list[FileSpec]:
    """Every path reference written in a stage file (commit-only references are skipped)."""
    specs = []
    for ref in find_refs(text, first_line=1):
        if ref.path and not ref.path.endswith("/"):
            specs.append(FileSpec(ref.path, ref.start, ref.end, ref.rev))
    return specs


def read_excerpt(git: Git, spec: FileSpec, *, rev: str, max_lines: int) -> Excerpt | None:
    """The lines a spec names (with some context), capped at ``max_lines``; None if unreadable.

    Paths are confined to the repository; binary files and missing paths give None.
    """
    path = repo_relative(git.root, spec.path)
    revision = spec.rev or rev
    found = git.objects.read(f"{revision}:{path}")
    if found is None or found.kind != "blob" or b"\0" in found.data[:8000]:
        return None
    try:
        lines = found.data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None
    if not lines:
        return None
    if spec.start is None:
        first, last = 1, len(lines)
    else:
        context = 5
        first = max(1, spec.start - context)
        last = min(len(lines), (spec.end or spec.start) + context)
    truncated = last - first + 1 > max_lines
    if truncated:
        last = first + max_lines - 1
    width = len(str(last))
    body = "\n".join(f"{n:>{width}} | {lines[n - 1]}" for n in range(first, last + 1))
    return Excerpt(path, revision, first, last, body, truncated)


_SECRET_PATTERNS = [
    re.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S
    ),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)(?<![a-z0-9])(password|passwd|pwd|secret|client_secret|api[_-]?key|access[_-]?key|auth[_-]?token|token)"
        r"(\s*[:=]\s*)(\"[^\"]+\"|'[^']+'|[^\s,;]+)"
    ),
    re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]+@"),
]
REDACTED = "[REDACTED]"


def redact(text: str) -> tuple[str, list[int]]:
    """Replace what looks like a credential; return the text and the lines touched."""
    touched: set[int] = set()

    def mark(match: re.Match[str], replacement: str) -> str:
        first = text.count("\n", 0, match.start()) + 1
        touched.update(range(first, first + match.group(0).count("\n") + 1))
        return replacement

    for pattern in _SECRET_PATTERNS:
        if pattern.groups >= 3:
            text = pattern.sub(lambda m: mark(m, m.group(1) + m.group(2) + REDACTED), text)
        elif "://" in pattern.pattern:
            text = pattern.sub(
                lambda m: mark(m, m.group(0).split("://")[0] + f"://{REDACTED}@"), text
            )
        else:
            text = pattern.sub(lambda m: mark(m, REDACTED), text)
    return text, sorted(touched)
