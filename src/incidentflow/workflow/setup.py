"""`incident init`: prepare a repository, changing nothing that is already in place."""

from __future__ import annotations

import os
import re
import shlex
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from incidentflow.errors import IncidentError
from incidentflow.files.atomic import atomic_write_text
from incidentflow.files.repo_paths import checked
from incidentflow.files.textfile import decode
from incidentflow.model.config import CONFIG_NAME, Config
from incidentflow.records import Record

HOOK_ID = "incident-check"
PRECOMMIT_CONFIG = ".pre-commit-config.yaml"

DEFAULT_CONFIG = """\
# incidentflow configuration. Every key is optional; the values below are the defaults
# (or examples, where a key has no default).
# incidents_dir: incidents
# changelog: CHANGELOG.md          # or {path: CHANGELOG.md, section: Unreleased, category: Fixed}
# timezone: UTC                    # IANA name, used for incident ids and times you type
# severities:      # also aliases: [P0, critical]; updates: how often stakeholders hear;
#                   # postmortem: due this long after resolution (bd: business days), or none
#   - {name: SEV1, description: "Critical: most users cannot use a core feature",
#      updates: 30m, postmortem: 3d}
#   - {name: SEV2, description: "Major: a core feature is degraded for many users",
#      updates: 60m, postmortem: 5bd}
#   - {name: SEV3, description: "Minor: a feature is degraded for some users", postmortem: 10bd}
#   - {name: SEV4, description: "Low: little or no user impact", postmortem: none}
# roles: [commander, scribe, comms, ops]
# recent_changes: {window: 24h, max: 20}   # commits offered as rollback candidates
# templates_dir: .incident-templates   # example; overrides stages/*.md.j2 and prompts/*.md.j2
# ai: {model: gpt-4o-mini}             # example; without it, incident draft uses llm's default
# actions:
#   done_needs_commit: false       # true: a done action item must cite its fixing commit
# stages:
#   summary:
#     required_sections: [What happened, When, Who was affected, How it was contained]
#     max_words: {What happened: 150}
#   postmortem:
#     max_chars: {Changelog entry: 400}
"""


class SetupResult(Record):
    """What init changed (paths relative to the repository root)."""

    __slots__ = ("changed", "created", "unchanged", "writes")

    def __init__(
        self,
        *,
        changed: list[str] | None = None,
        unchanged: list[str] | None = None,
        created: list[str] | None = None,
        writes: list[tuple[Path, str]] | None = None,
    ) -> None:
        self.changed = [] if changed is None else changed
        self.unchanged = [] if unchanged is None else unchanged
        self.created = [] if created is None else created
        self.writes = [] if writes is None else writes

    def plan(self, path: Path, text: str, shown: str) -> None:
        """Write ``text`` to ``path`` once everything is worked out."""
        if not os.path.lexists(path):
            self.created.append(shown)
        self.writes.append((path, text))
        self.changed.append(shown)


def init_repository(
    config: Config, hooks_dir: Path, *, git_hook: bool = False, force: bool = False
) -> SetupResult:
    """Create the incidents directory, config, `.gitattributes` line and hook; idempotent."""
    root = config.root
    for name in (CONFIG_NAME, ".gitattributes", PRECOMMIT_CONFIG):
        checked(root, root / name)  # a symlink out of the repository is neither read nor replaced
    result = SetupResult()
    incidents = config.incidents_path
    # Everything is worked out first and written last: init that cannot finish (a file it
    # cannot read or merge into) changes nothing.
    if incidents.is_dir():
        result.unchanged.append(config.incidents_dir + "/")
    else:
        result.plan(incidents / ".gitkeep", "", config.incidents_dir + "/")
    _ensure_file(root / CONFIG_NAME, DEFAULT_CONFIG, result, CONFIG_NAME)
    # Incidents kept at the top level ("incidents_dir: .") are one directory deep.
    timelines = "*" if config.incidents_dir == "." else f"{_glob_literal(config.incidents_dir)}/**"
    pattern = _attribute_pattern(f"{timelines}/timeline.md")
    _ensure_line(root / ".gitattributes", f"{pattern} merge=union", result)
    if git_hook:
        _install_git_hook(hooks_dir, result, force=force, root=root)
    else:
        _merge_precommit_config(root / PRECOMMIT_CONFIG, config.incidents_dir, result)
    for path, text in result.writes:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
    return result


_GLOB = re.compile(r"([*?\[\\])")


def _glob_literal(path: str) -> str:
    """``path`` as a gitattributes glob that matches only itself (`ops[1]` → `ops\\[1\\]`)."""
    return _GLOB.sub(r"\\\1", path)


def _attribute_pattern(pattern: str) -> str:
    """A pattern as a line of `.gitattributes` must spell it: C-quoted when it holds a space,
    a quote or a control character, or starts like a comment or a negation."""
    if not re.search(r'[\s"\x00-\x1f\x7f]', pattern) and not pattern.startswith(("#", "!")):
        return pattern
    escapes = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"}
    body = "".join(
        escapes.get(ch) or (f"\\{ord(ch):03o}" if ord(ch) < 32 or ord(ch) == 127 else ch)
        for ch in pattern
    )
    return f'"{body}"'


def _ensure_file(path: Path, text: str, result: SetupResult, shown: str) -> None:
    if path.exists():
        result.unchanged.append(shown)
        return
    result.plan(path, text, shown)


def _read(path: Path, shown: str) -> str | None:
    try:
        return decode(path.read_bytes(), path=shown)
    except FileNotFoundError:
        return None


def _ensure_line(path: Path, line: str, result: SetupResult) -> None:
    text = _read(path, path.name)
    if text is not None and line.split() in [existing.split() for existing in text.splitlines()]:
        result.unchanged.append(path.name)
        return
    newline = "\r\n" if text and "\r\n" in text else "\n"
    prefix = text or ""
    if prefix and not prefix.endswith(("\n", "\r")):
        prefix += newline
    result.plan(path, prefix + line + newline, path.name)


def _hook_block(indent: str, incidents_dir: str) -> list[str]:
    if incidents_dir == ".":
        pattern = r"^\d{4}-\d{2}-\d{2}-[^/]+/"
    else:
        pattern = "^" + re.escape(incidents_dir.rstrip("/")).replace("\\-", "-") + "/"
    return [
        f"{indent}- repo: local",
        f"{indent}  hooks:",
        f"{indent}    - id: {HOOK_ID}",
        f"{indent}      name: incident stages in order, changelog entry",
        f"{indent}      entry: incident hook",
        f"{indent}      language: system",
        f"{indent}      files: {pattern}",
        f"{indent}      require_serial: true",
        # git runs no pre-commit hook for a merge it commits itself.
        f"{indent}      stages: [pre-commit, pre-merge-commit]",
    ]


def _merge_precommit_config(path: Path, incidents_dir: str, result: SetupResult) -> None:
    """Add the hook to `.pre-commit-config.yaml`, touching no byte of what is there."""
    text = _read(path, PRECOMMIT_CONFIG) or ""
    document = None
    if text.strip():
        from incidentflow.files.yamlio import load_roundtrip

        document = load_roundtrip(text, path=PRECOMMIT_CONFIG)
    if document is None:
        # Missing, empty, or only comments: the hook goes after whatever is there.
        updated = _insert_lines(text, None, ["repos:", *_hook_block("  ", incidents_dir)])
    elif not isinstance(document, dict):
        raise IncidentError(f"{PRECOMMIT_CONFIG}:1: expected a mapping with a `repos:` list")
    elif _has_hook(document):
        result.unchanged.append(PRECOMMIT_CONFIG)
        return
    else:
        updated = _insert_repo(text, document, incidents_dir)
    result.plan(path, updated, PRECOMMIT_CONFIG)


def _has_hook(document: Any) -> bool:
    repos = document.get("repos") or []
    return any(
        isinstance(repo, dict)
        and any(
            isinstance(hook, dict) and hook.get("id") == HOOK_ID for hook in repo.get("hooks") or []
        )
        for repo in repos
    )


# `repos:` with no items, e.g. `repos: []  # none yet`; the comment is kept.
_EMPTY_REPOS = re.compile(r"repos\s*:\s*(?:\[\s*\]|null|~)?\s*(?P<comment>#.*)?")


def _insert_repo(text: str, document: Any, incidents_dir: str) -> str:
    lines = _lines(text)
    repos = document.get("repos")
    if "repos" not in document:
        return _insert_lines(text, None, ["repos:", *_hook_block("  ", incidents_dir)])
    repos_line = document.lc.key("repos")[0]
    if repos is None or (isinstance(repos, list) and not repos):
        empty = _EMPTY_REPOS.fullmatch(lines[repos_line].rstrip("\r\n"))
        if empty is None:
            raise IncidentError(
                f"{PRECOMMIT_CONFIG}:{repos_line + 1}: `repos` spans several lines; "
                f"add the {HOOK_ID} hook by hand"
            )
        comment = empty.group("comment")
        head = f"repos:  {comment}" if comment else "repos:"
        return _insert_lines(
            text, repos_line, [head, *_hook_block("  ", incidents_dir)], replace=True
        )
    flow = getattr(getattr(repos, "fa", None), "flow_style", lambda: False)()
    if not isinstance(repos, list) or flow:
        raise IncidentError(
            f"{PRECOMMIT_CONFIG}:{repos_line + 1}: `repos` is not a block list; "
            f"add the {HOOK_ID} hook by hand"
        )
    first_item_line = repos.lc.item(0)[0]  # type: ignore[attr-defined]
    indent = re.match(r"\s*", lines[first_item_line]).group(0)  # type: ignore[union-attr]
    keys = list(document)
    position = keys.index("repos")
    if position + 1 < len(keys):
        end = document.lc.key(keys[position + 1])[0]
    else:
        end = _document_end(lines, first_item_line)
    # Top-level comments and blank lines just above the next key belong to that key.
    while end > first_item_line + 1 and (
        not lines[end - 1].strip() or lines[end - 1].startswith("#")
    ):
        end -= 1
    return _insert_lines(text, end, _hook_block(indent, incidents_dir))


def _lines(text: str) -> list[str]:
    """The lines of ``text``, each with its line break (the last may have none)."""
    # Only "\n" ends a line, as for the YAML parser's line numbers (\r\n stays whole).
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _document_end(lines: list[str], start: int) -> int:
    """The index of a `...` marker ending the YAML document, else the line count."""
    for index in range(start, len(lines)):
        if re.match(r"\.\.\.(?:\s|$)", lines[index]):
            return index
    return len(lines)


def _insert_lines(text: str, at: int | None, block: list[str], *, replace: bool = False) -> str:
    """Insert ``block`` before line ``at`` (None: at the end), in the file's line breaks.

    With ``replace`` the block takes the place of line ``at``. Every other byte is kept.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = _lines(text)
    if at is None:
        at = _document_end(lines, 0)
    if at > 0 and not lines[at - 1].endswith(("\n", "\r")):
        lines[at - 1] += newline
    inserted = [line + newline for line in block]
    lines[at : at + 1 if replace else at] = inserted
    return "".join(lines)


# git runs no pre-commit hook for a merge it commits itself: pre-merge-commit covers that.
GIT_HOOKS = ("pre-commit", "pre-merge-commit")


def _install_git_hook(hooks_dir: Path, result: SetupResult, *, force: bool, root: Path) -> None:
    template = (
        resources.files("incidentflow")
        .joinpath("hooks")
        .joinpath("pre-commit")
        .read_text(encoding="utf-8")
    )
    # Quoted for sh: an interpreter path may hold spaces, quotes or `$`.
    script = template.replace("@PYTHON@", shlex.quote(sys.executable))
    planned = []
    for name in GIT_HOOKS:
        target = hooks_dir / name
        shown = os.path.relpath(target, root)
        existing = _read(target, shown)
        if existing == script:
            result.unchanged.append(shown)
            continue
        ours = existing is not None and "incident init --git-hook" in existing
        if existing is not None and not ours and not force:
            raise IncidentError(
                f"{shown} already exists and is not incidentflow's hook; "
                "rerun with --force to replace it, or call `incident hook` from it"
            )
        planned.append((target, shown, existing is None))
    for target, shown, created in planned:  # both checked before either is written
        hooks_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, script)
        os.chmod(target, 0o755)
        if created:
            result.created.append(shown)
        result.changed.append(shown)
