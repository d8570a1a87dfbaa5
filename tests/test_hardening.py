"""Hardening: every command, in every broken place, says one clear line and changes nothing.

Also home of the helpers the other `test_hardening_*` modules share: a byte snapshot of a
working tree, an incident opened at fixed times, and a subprocess runner with a timeout.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import Repo, incident

from incidentflow.cli import cli

ID = "2026-11-25-checkout-api-500s"
DIR = f"incidents/{ID}"
TRIAGE = f"{DIR}/01-triage.md"
DIAGNOSIS = f"{DIR}/02-diagnosis.md"
SUMMARY = f"{DIR}/03-summary.md"
POSTMORTEM = f"{DIR}/04-postmortem.md"
META = f"{DIR}/incident.yaml"
TIMELINE = f"{DIR}/timeline.md"

NOT_A_REPO = (
    "error: not inside a git repository — run this from your repo, or run `git init` first\n"
)
WRITTEN = "Written down by the responders."
ACTION_ROW = "| Reject empty carts before pricing | ana | 2026-12-15 | prevent |  |"
CHANGELOG_ENTRY = "Checkout no longer fails when a coupon empties the cart."

# Arguments that get each command past option parsing; commands not listed need none.
MINIMAL_ARGS: dict[str, list[str]] = {
    "new": ["Checkout API 500s"],
    "log": ["text"],
    "draft": ["-m", "echo"],
    "hook": [f"{TRIAGE}"],
    "changelog": ["--check"],
    "index": ["--check"],
    "set": ["severity", "SEV1", "--reason", "all regions"],
    "role": ["scribe", "Bo Li"],
    "link": ["2026-11-25-other"],
    "update": ["restoring"],
}
COMMANDS = sorted(cli.list_commands(click.Context(cli)))


# --- helpers shared by the hardening modules ------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file under ``root`` except `.git/`, as bytes; symlinks as their target."""
    files: dict[str, bytes | str] = {}
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        if here == root and ".git" in dirs:
            dirs.remove(".git")
        for name in sorted(names + [d for d in dirs if (here / d).is_symlink()]):
            path = here / name
            relpath = path.relative_to(root).as_posix()
            files[relpath] = (
                f"symlink -> {os.readlink(path)}" if path.is_symlink() else path.read_bytes()
            )
    return files


def sub_last(text: str, old: str, new: str) -> str:
    """Replace the last occurrence of ``old`` (a stage's own heading, not the prompt's)."""
    head, found, tail = text.rpartition(old)
    assert found, f"{old!r} not found"
    return head + new + tail


def fill(repo: Repo, relpath: str, texts: dict[str, str] | None = None) -> None:
    """Replace every `TODO` placeholder of a stage file; give the action table a row."""
    chosen = {
        "Failing path": "POST /checkout divides by the item count in `app.py:2`.",
        "Changelog entry": CHANGELOG_ENTRY,
        **(texts or {}),
    }
    section = ""
    lines = []
    for line in repo.read(relpath).splitlines():
        heading = re.match(r"^## (.+?)\s*$", line)
        if heading:
            section = heading.group(1)
        if line.strip() == "TODO":
            line = chosen.get(section, f"{section}: {WRITTEN}")
        lines.append(line)
        if section == "Action items" and re.fullmatch(r"\|[-| :]+\|", line.strip()):
            lines.append(ACTION_ROW)
    repo.write(relpath, "\n".join(lines) + "\n")


def set_meta(repo: Repo, key: str, value: str) -> None:
    """Set one top-level line of the incident's `incident.yaml` (value written as given)."""
    text, count = re.subn(rf"(?m)^{key}:.*$", f"{key}: {value}", repo.read(META))
    assert count == 1
    repo.write(META, text)


def open_incident() -> None:
    """`incident new` with fixed times; the incident gets id ``ID``."""
    result = incident(
        "new",
        "Checkout API 500s",
        "--severity",
        "SEV2",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:05:00Z",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{DIR}\n"


def triage_done(repo: Repo) -> None:
    """Fill the triage and set `contained_at`: the triage meets its goal."""
    fill(repo, TRIAGE)
    set_meta(repo, "contained_at", '"2026-11-25T10:40:00+00:00"')


def advance() -> None:
    """`incident next`, which must succeed."""
    result = incident("next")
    assert result.exit_code == 0, result.stdout + result.stderr


def finish(repo: Repo) -> None:
    """Carry the opened incident through all four stages; the postmortem meets its goal."""
    repo.write("app.py", "def price(total, count):\n    return total / count\n")
    repo.git("add", "app.py")
    repo.git("commit", "-q", "--no-verify", "-m", "app")
    triage_done(repo)
    for relpath in (DIAGNOSIS, SUMMARY, POSTMORTEM):
        advance()
        fill(repo, relpath)
    set_meta(repo, "resolved_at", '"2026-11-25T12:00:00+00:00"')
    assert incident("refresh", ID).exit_code == 0
    result = incident("check", ID)
    assert result.exit_code == 0, result.stdout


def run_module(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m incidentflow ARGS` as a real process; a hang fails the test, not the run."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "incidentflow", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`incident {' '.join(args)[:80]}` still ran after {timeout:.0f} s")


@pytest.fixture
def opened(repo: Repo) -> Repo:
    """A repository (no commits yet) with one incident opened at fixed times."""
    open_incident()
    return repo


def assert_one_line(stderr: str) -> None:
    """An error is exactly one line, without a traceback."""
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), stderr
    assert "Traceback" not in stderr


# --- every command, wherever it is run ------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_outside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = incident(name, *MINIMAL_ARGS.get(name, []))
    assert (result.exit_code, result.stderr) == (2, NOT_A_REPO)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_in_a_bare_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    bare = tmp_path / "shop.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    before = snapshot(bare)
    monkeypatch.chdir(bare / "refs")
    result = incident(name, *MINIMAL_ARGS.get(name, []))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {bare.resolve()} is a bare git repository (no working tree); "
        "run this in a clone with a working tree\n"
    )
    assert snapshot(bare) == before


@pytest.mark.parametrize("name", ["new", "log", "init"])
def test_a_directory_with_an_empty_dot_git_is_not_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = incident(name, *MINIMAL_ARGS.get(name, []))
    assert result.exit_code == 2
    assert_one_line(result.stderr)
    assert re.search("not (inside )?a git repository", result.stderr), result.stderr
    assert snapshot(tmp_path) == {}


READ_ONLY = {
    "list": [],
    "show": [],
    "check": [],
    "prompt": [],
    "timeline": [],
    "actions": [],
    "stats": [],
    "changelog": ["--check"],
}


@pytest.mark.parametrize(("name", "args"), READ_ONLY.items(), ids=list(READ_ONLY))
def test_read_only_commands_in_a_repository_without_commits(
    opened: Repo, name: str, args: list[str]
) -> None:
    before = snapshot(opened.root)
    result = incident(name, *args)
    assert result.exit_code == 0, result.stderr
    assert "error" not in result.stderr
    assert snapshot(opened.root) == before


@pytest.mark.parametrize(("name", "args"), READ_ONLY.items(), ids=list(READ_ONLY))
def test_read_only_commands_on_a_detached_head(opened: Repo, name: str, args: list[str]) -> None:
    opened.commit_all("incident opened", date="2026-11-25T10:10:00+00:00")
    opened.git("checkout", "-q", "--detach")
    before = snapshot(opened.root)
    result = incident(name, *args)
    assert result.exit_code == 0, result.stderr
    assert snapshot(opened.root) == before


def test_writing_commands_on_a_detached_head(opened: Repo) -> None:
    opened.commit_all("incident opened", date="2026-11-25T10:10:00+00:00")
    opened.git("checkout", "-q", "--detach")
    logged = incident(
        "log", "rolled back", "--milestone", "contained", "--at", "2026-11-25T10:40:00Z"
    )
    assert logged.exit_code == 0, logged.stderr
    fill(opened, TRIAGE)
    assert incident("next").stdout == f"{DIAGNOSIS}\n"
    assert incident("init").exit_code == 0
    assert opened.git("status", "--porcelain", "--branch").startswith("## HEAD (no branch)")


# --- usage errors, through the real entry point ----------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log"], "error: Missing argument '[ID] TEXT'. (see: incident log --help)\n"),
        (["new"], "error: Missing argument 'TITLE'. (see: incident new --help)\n"),
        (
            ["log", "a", "b", "c"],
            'error: quote the entry text: incident log [ID] "TEXT" (see: incident log --help)\n',
        ),
        (
            ["prompt", "--stage", "review"],
            "error: Invalid value for '--stage': 'review' is not one of 'triage', 'diagnosis', "
            "'summary', 'postmortem'. (see: incident prompt --help)\n",
        ),
        (
            ["log", "x", "--milestone", "fixed"],
            "error: Invalid value for '--milestone': 'fixed' is not one of 'detected', "
            "'contained', 'resolved'. (see: incident log --help)\n",
        ),
        (["list", "--severity"], "error: Option '--severity' requires an argument. "),
        (["frobnicate"], "error: No such command 'frobnicate'. (see: incident --help)\n"),
    ],
    ids=["log", "new", "log-3-args", "stage", "milestone", "severity-value", "command"],
)
def test_usage_errors_through_python_dash_m(opened: Repo, args: list[str], message: str) -> None:
    before = snapshot(opened.root)
    result = run_module(*args, cwd=opened.root)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert_one_line(result.stderr)
    assert result.stdout == ""
    assert snapshot(opened.root) == before


# --- a real bug: exit 70, one line, the traceback on request ---------------------------------

# A bug cannot be produced on purpose through valid or invalid input (every such input must
# get a clear message), so this program plants one: `incident list` raises KeyError.
PLANTED_BUG = """
import sys
import incidentflow.workflow.listing as listing

def broken(*args, **kwargs):
    return {}["boom"]

listing.list_rows = broken
from incidentflow.main import main
main()
"""
BUG_LINE = re.compile(
    r"^internal error: KeyError: 'boom' \(<string>:\d+\)\. This is a bug in incidentflow; "
    r"(rerun with --debug for the traceback and )?"
    r"report it at https://github\.com/incidentflow/incidentflow/issues\n$"
)


def planted(
    repo: Repo, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PLANTED_BUG, *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_a_bug_is_one_line_naming_the_exception_with_exit_70(repo: Repo) -> None:
    result = planted(repo, "list")
    assert result.returncode == 70
    assert BUG_LINE.match(result.stderr), result.stderr
    assert "rerun with --debug" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--debug", "list"], {}),
        (["list", "--debug"], {}),
        (["list"], {"INCIDENTFLOW_DEBUG": "1"}),
    ],
    ids=["--debug first", "--debug last", "INCIDENTFLOW_DEBUG=1"],
)
def test_debug_shows_the_traceback_then_the_line(
    repo: Repo, args: list[str], env: dict[str, str]
) -> None:
    result = planted(repo, *args, env=env)
    assert result.returncode == 70
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert "KeyError: 'boom'" in result.stderr
    last = result.stderr.splitlines(keepends=True)[-1]
    assert BUG_LINE.match(last), last
    assert "rerun with --debug" not in last


@pytest.mark.parametrize(
    "args",
    [
        ["log", "x", "--at", "-99999999d"],
        ["log", "x", "--at", "0001-01-01T00:00:00+01:00"],
        ["log", "x", "--at", "9999-12-31T23:59:59-01:00"],
        ["new", "Far past", "--started-at", "0001-01-01T00:00:00+01:00"],
        ["new", "Far future", "--started-at", "9999-12-31T23:59:59-01:00"],
        ["new", "Long ago", "--started-at", "-999999999999999999999d"],
    ],
    ids=[
        "log relative",
        "log year 1",
        "log year 9999",
        "new year 1",
        "new year 9999",
        "new relative overflow",
    ],
)
def test_times_out_of_range_are_bad_input_not_a_bug(opened: Repo, args: list[str]) -> None:
    before = snapshot(opened.root)
    result = incident(*args)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"error: invalid time {args[-1]!r}")
    assert_one_line(result.stderr)
    assert snapshot(opened.root) == before
