"""Repository context for prompts: source excerpts read from git, redacted."""

from __future__ import annotations

import re
from dataclasses import dataclass

from incidentflow.ai.redaction import redact
from incidentflow.errors import IncidentError
from incidentflow.files.repo_paths import repo_relative
from incidentflow.git.repo import Git
from incidentflow.model.coderefs import find_refs

# Lines read around an excerpt for redaction: a private key block is rarely longer.
REDACTION_CONTEXT = 200
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
    redacted: int = 0  # lines whose credentials were redacted

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


def read_excerpt(
    git: Git, spec: FileSpec, *, rev: str, max_lines: int, strict: bool = False
) -> Excerpt | None:
    """The lines a spec names (with some context), capped at ``max_lines``; None if unreadable.

    Paths are confined to the repository; binary files and missing paths give None, or with
    ``strict`` (a file the user named) an error saying which and why. The lines
    are redacted together with `REDACTION_CONTEXT` lines around them, so the middle of a private
    key block is still recognised as one; line numbers stay those of the file.
    """
    path = repo_relative(git.root, spec.path)
    revision = spec.rev or rev
    found = git.objects.read(f"{revision}:{path}")
    named = f"--with-file {spec.path}"
    if found is None or found.kind != "blob":
        if strict:
            what = "is a directory" if found is not None else "does not exist"
            raise IncidentError(f"{named}: {path} {what} at {revision}")
        return None
    if b"\0" in found.data[:8000]:
        if strict:
            raise IncidentError(f"{named}: {path} is a binary file; name a text file")
        return None
    try:
        lines = found.data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        if strict:
            raise IncidentError(f"{named}: {path} is not UTF-8 text") from None
        return None
    if not lines:
        return None
    if strict and spec.start is not None and (spec.end or spec.start) > len(lines):
        if spec.end in (None, spec.start):
            wanted = f"line {spec.start} does not exist"
        else:
            wanted = f"lines {spec.start}-{spec.end} do not exist"
        raise IncidentError(f"{named}: {path} has {len(lines)} lines at {revision}; {wanted}")
    if spec.start is None:
        first, last = 1, len(lines)
    else:
        context = 5
        first = max(1, spec.start - context)
        last = min(len(lines), (spec.end or spec.start) + context)
    truncated = last - first + 1 > max_lines
    if truncated:
        last = first + max_lines - 1
    around = max(0, first - 1 - REDACTION_CONTEXT)
    redacted, touched = redact("\n".join(lines[around : last + REDACTION_CONTEXT]))
    shown = redacted.split("\n")[first - 1 - around : last - around]
    width = len(str(last))
    body = "\n".join(
        f"{n:>{width}} | {line}" for n, line in zip(range(first, last + 1), shown, strict=True)
    )
    count = sum(1 for n in touched if first <= n + around <= last)
    return Excerpt(path, revision, first, last, body, truncated, count)
