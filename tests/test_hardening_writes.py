"""No torn or lost writes: every file is replaced by rename, and edits keep every other byte.

A hard link made before a command keeps the old inode: if the tool rewrote a file in place,
the link would show the new bytes (or, after a crash, half of them). After a rename it still
holds exactly the old ones.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Repo, incident
from test_hardening import (
    ID,
    META,
    TIMELINE,
    TRIAGE,
    assert_one_line,
    finish,
    open_incident,
    snapshot,
)


@pytest.fixture
def opened(repo: Repo) -> Repo:
    """A repository (no commits yet) with one incident opened at fixed times."""
    open_incident()
    return repo


# --- written to a temporary file and renamed into place ---------------------------------------


def link_all(root: Path, relpaths: list[str], links: Path) -> dict[str, tuple[Path, bytes, int]]:
    """Hard-link each file into ``links``; give it mode 0640; remember its bytes and inode."""
    links.mkdir(exist_ok=True)
    kept = {}
    for relpath in relpaths:
        path = root / relpath
        path.chmod(0o640)
        link = links / relpath.replace("/", "__")
        os.link(path, link)
        kept[relpath] = (link, path.read_bytes(), path.stat().st_ino)
    return kept


def assert_replaced_by_rename(root: Path, kept: dict[str, tuple[Path, bytes, int]]) -> None:
    for relpath, (link, old, inode) in kept.items():
        path = root / relpath
        assert path.read_bytes() != old, f"{relpath} did not change"
        assert link.read_bytes() == old, f"{relpath} was rewritten in place"
        assert path.stat().st_ino != inode, f"{relpath} was rewritten in place"
        assert path.stat().st_mode & 0o777 == 0o640, f"{relpath} lost its permissions"
        leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
        assert leftovers == [], f"temporary files left beside {relpath}: {leftovers}"


def test_log_with_a_milestone_replaces_both_files(opened: Repo, tmp_path: Path) -> None:
    kept = link_all(opened.root, [TIMELINE, META], tmp_path / "links")
    result = incident("log", "flag off", "--milestone", "contained", "--at", "2026-11-25T10:40:00Z")
    assert result.exit_code == 0, result.stderr
    assert_replaced_by_rename(opened.root, kept)


def test_draft_replaces_the_stage_file(
    opened: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    kept = link_all(opened.root, [TRIAGE], tmp_path / "links")
    result = incident("draft", "-m", "echo")
    assert result.exit_code == 0, result.stderr
    assert_replaced_by_rename(opened.root, kept)


def test_changelog_replaces_the_changelog(opened: Repo, tmp_path: Path) -> None:
    finish(opened)
    opened.write("CHANGELOG.md", "# Changelog\n\n## [Unreleased]\n")
    kept = link_all(opened.root, ["CHANGELOG.md"], tmp_path / "links")
    assert incident("changelog").exit_code == 0
    assert_replaced_by_rename(opened.root, kept)


def test_init_replaces_the_files_it_edits(repo: Repo, tmp_path: Path) -> None:
    repo.write(".pre-commit-config.yaml", "repos: []\n")
    repo.write(".gitattributes", "*.png binary\n")
    kept = link_all(repo.root, [".pre-commit-config.yaml", ".gitattributes"], tmp_path / "links")
    assert incident("init").exit_code == 0
    assert_replaced_by_rename(repo.root, kept)


def test_new_files_get_the_usual_permissions_and_no_leftovers(opened: Repo) -> None:
    umask = os.umask(0)
    os.umask(umask)
    for relpath in (TRIAGE, META, TIMELINE):
        assert (opened.root / relpath).stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in (opened.root / "incidents").iterdir()) == [ID]


# --- incident.yaml: a milestone changes one value, nothing else --------------------------------

META_TEXT = (
    "# Incident metadata.\n"
    "id: 2026-11-25-checkout-api-500s\n"
    'title: "Checkout API 500s"\n'
    'severity: "SEV2"   # bumped by Ana\n'
    "services:\n"
    '  - "checkout"\n'
    'started_at: "2026-11-25T10:00:00+00:00"\n'
    "detected_at: '2026-11-25T10:05:00+00:00'\n"
    "contained_at: null\n"
    "resolved_at: null\n"
)
NEW = '"2026-11-25T10:40:00+00:00"'


def meta_with(old: str, new: str, base: str = META_TEXT) -> str:
    assert old in base
    return base.replace(old, new)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(META_TEXT, meta_with("contained_at: null", f"contained_at: {NEW}"), id="plain"),
        pytest.param(meta_with("contained_at: null", "contained_at: null   # set by log"), meta_with("contained_at: null", f"contained_at: {NEW}   # set by log"), id="trailing comment"),
        pytest.param(meta_with("contained_at: null", "contained_at:   ~"), meta_with("contained_at: null", f"contained_at:   {NEW}"), id="tilde"),
        pytest.param(meta_with("contained_at: null", "contained_at:\tnull"), meta_with("contained_at: null", f"contained_at:\t{NEW}"), id="tab"),
        pytest.param(meta_with("contained_at: null", "contained_at:"), meta_with("contained_at: null", f"contained_at: {NEW}"), id="empty value"),
        pytest.param(meta_with("contained_at: null", "contained_at: ''"), meta_with("contained_at: null", f"contained_at: {NEW}"), id="empty quotes"),
        pytest.param(meta_with("contained_at: null\n", ""), META_TEXT.replace("contained_at: null\n", "") + f"contained_at: {NEW}\n", id="absent"),
        pytest.param(META_TEXT.replace("contained_at: null\n", "").rstrip("\n"), META_TEXT.replace("contained_at: null\n", "") + f"contained_at: {NEW}\n", id="absent, no final newline"),
        pytest.param(META_TEXT.replace("\n", "\r\n"), meta_with("contained_at: null", f"contained_at: {NEW}").replace("\n", "\r\n"), id="crlf"),
        pytest.param("\ufeff" + META_TEXT, "\ufeff" + meta_with("contained_at: null", f"contained_at: {NEW}"), id="bom"),
        pytest.param("\ufeff" + META_TEXT.replace("\n", "\r\n"), "\ufeff" + meta_with("contained_at: null", f"contained_at: {NEW}").replace("\n", "\r\n"), id="bom+crlf"),
    ],
)  # fmt: skip
def test_a_milestone_changes_only_its_value(opened: Repo, before: str, after: str) -> None:
    (opened.root / META).write_bytes(before.encode())
    result = incident("log", "flag off", "--milestone", "contained", "--at", "2026-11-25T10:40Z")
    assert result.exit_code == 0, result.stderr
    assert (opened.root / META).read_bytes() == after.encode()
    checked = incident("check")
    assert META not in checked.stdout


@pytest.mark.parametrize(
    "before",
    [
        pytest.param(meta_with("contained_at: null", "contained_at:\n  null"), id="value on the next line"),
        pytest.param(meta_with("contained_at: null", "'contained_at': null"), id="quoted key"),
        pytest.param(meta_with("contained_at: null", '"contained_at" : null'), id="double-quoted key"),
        pytest.param(
            "{id: 2026-11-25-checkout-api-500s, title: Checkout, severity: SEV2, "
            "started_at: '2026-11-25T10:00:00+00:00', contained_at: null}\n",
            id="flow mapping",
        ),
        pytest.param(meta_with("contained_at: null", "contained_at: &when null"), id="anchor"),
    ],
)  # fmt: skip
def test_a_milestone_in_an_unusual_layout_is_set_correctly_or_refused_untouched(
    opened: Repo, before: str
) -> None:
    """Either the file still parses with the new time, or nothing is written at all."""
    (opened.root / META).write_bytes(before.encode())
    files = snapshot(opened.root)
    result = incident("log", "flag off", "--milestone", "contained", "--at", "2026-11-25T10:40Z")
    if result.exit_code == 0:
        checked = incident("check")
        assert META not in checked.stdout, checked.stdout
        shown = incident("show", "--json")
        assert '"contained_at": "2026-11-25T10:40:00+00:00"' in shown.stdout
    else:
        assert result.exit_code == 2
        assert_one_line(result.stderr)
        assert result.stderr.startswith(f"error: {META}")
        assert snapshot(opened.root) == files


def test_a_refused_milestone_leaves_both_files_untouched(opened: Repo) -> None:
    files = snapshot(opened.root)
    result = incident("log", "too early", "--milestone", "contained", "--at", "2026-11-25T09:00Z")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: refusing to set contained_at: "
        f"{META}:11: contained_at (2026-11-25T09:00:00+00:00) is before detected_at "
        "(2026-11-25T10:05:00+00:00)\n"
    )
    assert snapshot(opened.root) == files


# --- stage files: a draft is inserted, every other byte stays -----------------------------------

DRAFT_BLOCK = re.compile(
    rb"<!-- ai-draft model=echo at=\S+ -->\r?\n.*?<!-- /ai-draft -->(\r?\n){2}", re.S
)


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode(),
        lambda t: t.replace("\n", "\r\n").encode(),
        lambda t: b"\xef\xbb\xbf" + t.encode(),
        lambda t: t.rstrip("\n").encode(),
        lambda t: t.replace("TODO", "TODO   \t").encode(),
    ],
    ids=["lf", "crlf", "bom", "no final newline", "trailing whitespace"],
)
def test_draft_keeps_every_byte_it_did_not_insert(
    opened: Repo, encode: Callable[[str], bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    data = encode(opened.read(TRIAGE))
    (opened.root / TRIAGE).write_bytes(data)
    result = incident("draft", "-m", "echo")
    assert result.exit_code == 0, result.stderr
    drafted = (opened.root / TRIAGE).read_bytes()
    blocks = list(DRAFT_BLOCK.finditer(drafted))
    assert len(blocks) == 1
    assert DRAFT_BLOCK.sub(b"", drafted) == data
    if b"\r\n" in data:
        assert drafted.count(b"\n") == drafted.count(b"\r\n")


def test_a_failed_draft_leaves_the_stage_file_untouched(
    opened: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    files = snapshot(opened.root)
    result = incident("draft", "-m", "no-such-model")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: unknown model 'no-such-model'; list the installed ones with `llm models`\n",
    )
    assert snapshot(opened.root) == files


# --- init: validate everything first, then write ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (".pre-commit-config.yaml", b"repos: []  # caf\xe9\n", "error: .pre-commit-config.yaml:1: not valid UTF-8 (byte 0xe9); save the file as UTF-8\n"),
        (".pre-commit-config.yaml", b"repos: [\n", "error: .pre-commit-config.yaml:2: invalid YAML: expected the node content, but found '<stream end>'\n"),
        (".pre-commit-config.yaml", b"- repo: local\n", "error: .pre-commit-config.yaml:1: expected a mapping with a `repos:` list\n"),
        (".gitattributes", b"*.png binary  # caf\xe9\n", "error: .gitattributes:1: not valid UTF-8 (byte 0xe9); save the file as UTF-8\n"),
    ],
    ids=["config not utf-8", "config invalid yaml", "config a list", "attributes not utf-8"],
)  # fmt: skip
def test_init_that_cannot_finish_changes_nothing(
    repo: Repo, name: str, data: bytes, message: str
) -> None:
    (repo.root / name).write_bytes(data)
    files = snapshot(repo.root)
    result = incident("init")
    assert (result.exit_code, result.stderr) == (2, message)
    assert snapshot(repo.root) == files


def test_init_keeps_a_bom_and_every_byte_of_the_config(repo: Repo) -> None:
    before = "\ufeff# ours\nrepos:\n  - repo: local   # keep\n    hooks: []\n"
    (repo.root / ".pre-commit-config.yaml").write_bytes(before.encode())
    assert incident("init").exit_code == 0
    after = (repo.root / ".pre-commit-config.yaml").read_bytes().decode()
    assert after.startswith(before)
    assert after.count("\ufeff") == 1
    assert "id: incident-check" in after[len(before) :]
