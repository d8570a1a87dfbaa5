"""`incident pin`: rewrite a stage file's references as permalinks, `<commit>:path:line`.

A reference is pinned at the commit it is judged at (see `model/grounding`): the one where
its line was written, when the code has changed since, else HEAD. Each stage file changes in
one atomic write, so the change is one diff to review. A reference that resolves only in the
working tree (code not committed yet) cannot be pinned and is left as it is.
"""

from __future__ import annotations

from incidentflow.files.atomic import write_in_tree
from incidentflow.files.markdown_sections import blank, parse
from incidentflow.files.textfile import decode
from incidentflow.model.coderefs import CodeRef, find_refs
from incidentflow.model.incidents import incident_dir
from incidentflow.model.stages import STAGES, Stage
from incidentflow.model.workspace import Workspace
from incidentflow.records import Record

SHORT = 12  # hex digits of a pinned commit: unambiguous in any repository of sane size


class Pinned(Record):
    """What pinning did to one stage file."""

    __slots__ = ("left", "path", "pinned")

    def __init__(self, path: str, pinned: list[tuple[str, str]], left: list[str]) -> None:
        self.path = path
        self.pinned = pinned  # (was, now)
        self.left = left  # references that could not be pinned (not committed)


def pin_references(
    workspace: Workspace, incident_id: str, *, only: Stage | None = None, write: bool = True
) -> list[Pinned]:
    """Pin the unpinned references of the incident's stage files (or of ``only``)."""
    resolver = workspace.head_resolver()
    head = workspace.git.head()
    report = workspace.report(incident_id, with_refs=False)
    started = report.meta.time("started_at")
    directory = incident_dir(workspace.config, incident_id)
    done = []
    for stage in STAGES if only is None else (only,):
        relpath = f"{directory}/{stage.filename}"
        with workspace.lock(incident_id):
            raw = workspace.tree.read(relpath)
            if raw is None:
                continue
            text = decode(raw, path=relpath)
            pinned, left, edits = [], [], []
            for ref in _refs(text):
                if ref.rev is not None or ref.commit is not None:
                    continue  # pinned already, or a commit: nothing moves under it
                verdict = resolver.judge(ref, path=relpath, line=ref.line, started=started)
                commit = verdict.judged_at
                if verdict.reason is None and commit is None and head is not None:
                    commit = head if resolver.resolves_at(ref, head) else None
                if verdict.reason is not None or commit is None:
                    left.append(ref.text)  # not resolving, or only in the working tree
                    continue
                now = _permalink(ref, commit=commit, path=resolver.path_at(ref, commit))
                edits.append((ref.offset, len(ref.text), now))
                pinned.append((ref.text, now))
            if edits and write:
                write_in_tree(workspace.root, workspace.root / relpath, _apply(text, edits))
        if pinned or left:
            done.append(Pinned(relpath, pinned, left))
    return done


def _refs(text: str) -> list[CodeRef]:
    """The references of a whole stage file, with offsets in it (front matter blanked)."""
    body = 0
    for _ in range(parse(text).body_start - 1):
        body = text.index("\n", body) + 1
    return find_refs(blank(text[:body]) + text[body:], first_line=1)


def _permalink(ref: CodeRef, *, commit: str, path: str) -> str:
    """`<commit>:path:line`, keeping how the lines were written (`:7-9` or `#L7-L9`)."""
    assert ref.path is not None
    suffix = ref.text[len(ref.path) :] if ref.text.startswith(ref.path) else ""
    return f"{commit[:SHORT]}:{path}{suffix}"


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each (offset, length, replacement), applied from the end."""
    for offset, length, replacement in sorted(edits, reverse=True):
        text = text[:offset] + replacement + text[offset + length :]
    return text
