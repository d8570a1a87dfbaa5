"""What every command promises: help text, one-line errors, documented exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import Repo, incident

from incidentflow.cli import cli
from incidentflow.error_handler import report_failure

COMMANDS = sorted(cli.list_commands(click.Context(cli)))


def test_the_commands_of_the_spec_exist() -> None:
    for name in (
        "init",
        "new",
        "list",
        "show",
        "check",
        "next",
        "prompt",
        "log",
        "changelog",
        "hook",
    ):
        assert name in COMMANDS


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str) -> None:
    result = incident(name, "--help")
    assert result.exit_code == 0
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.help and len(command.help.strip()) > 20
    assert f"Usage: cli {name}" in result.stdout or f"Usage: incident {name}" in result.stdout


MAIN_COMMANDS = ("new", "log", "next", "check", "prompt", "draft", "report", "list", "show")


@pytest.mark.parametrize("name", MAIN_COMMANDS)
def test_main_commands_end_their_help_with_examples(name: str) -> None:
    help_text = incident(name, "--help").stdout
    description = help_text.split("\nOptions:", 1)[0]
    examples = description.split("\n  Examples:\n", 1)[1].splitlines()
    # Kept line by line, as written (Click's \b): each one a command to copy.
    assert examples and all(line.startswith(f"    incident {name}") for line in examples if line)


@pytest.mark.parametrize(
    ("name", "option"), [("new", "--started-at"), ("new", "--detected-at"), ("log", "--at")]
)
def test_time_options_say_what_hh_mm_means(name: str, option: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    (param,) = [p for p in command.params if option in getattr(p, "opts", ())]
    help_text = " ".join(str(getattr(param, "help", "")).split())
    assert "HH:MM: the last time the clock showed HH:MM in the configured timezone" in help_text
    assert "23:50 typed just after midnight is last night" in help_text
    assert "today" not in help_text


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "incidentflow", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=os.environ,
    )


@pytest.mark.parametrize(
    "args", [["list"], ["new", "x"], ["check", "--all"], ["hook", "incidents/x/01-triage.md"]]
)
def test_outside_a_repository(tmp_path: Path, args: list[str]) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr
        == "error: not inside a git repository — run this from your repo, or run `git init` first\n"
    )


def test_bare_repository(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "b.git")], check=True)
    result = run("list", cwd=tmp_path / "b.git")
    assert result.returncode == 2
    assert "is a bare git repository (no working tree)" in result.stderr
    assert result.stderr.count("\n") == 1


def test_usage_errors_are_one_line(repo: Repo) -> None:
    result = run("list", "--bogus", cwd=repo.root)
    assert result.returncode == 2
    assert result.stderr.startswith("error: No such option")
    assert result.stderr.endswith(
        "--bogus'. (see: incident list --help)\n"
    ) or result.stderr.endswith("--bogus (see: incident list --help)\n")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("lsit", " Did you mean 'list'?"),
        ("ne", " (Did you mean one of: 'new', 'next'?)"),
        ("xyzzy", ""),
    ],
)
def test_a_mistyped_command_gets_a_suggestion(repo: Repo, typed: str, hint: str) -> None:
    result = run(typed, cwd=repo.root)
    assert result.returncode == 2
    assert result.stderr == f"error: No such command {typed!r}.{hint} (see: incident --help)\n"


def test_help_lists_every_command_alphabetically(repo: Repo) -> None:
    listed = run("--help", cwd=repo.root).stdout.split("Commands:\n", 1)[1]
    names = [line.split()[0] for line in listed.splitlines() if line.strip()]
    assert names == COMMANDS == sorted(COMMANDS)


def test_unexpected_errors_are_reported_as_bugs(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        {}["missing"]
    except KeyError as exc:
        code = report_failure(exc, debug=False)
    err = capsys.readouterr().err
    assert code == 70
    assert err.startswith("internal error: KeyError: 'missing' (test_cli_contract.py:")
    assert err.endswith(
        "This is a bug in incidentflow; rerun with --debug for the traceback and report it at "
        "https://github.com/incidentflow/incidentflow/issues\n"
    )
    assert err.count("\n") == 1


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as exc:
        assert report_failure(exc, debug=True) == 70
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")


def test_python_dash_m_and_version(repo: Repo) -> None:
    result = run("--version", cwd=repo.root)
    assert result.returncode == 0
    assert result.stdout.startswith("incident, version ")


def test_new_in_detached_head(repo: Repo) -> None:
    repo.write("a.txt", "1")
    sha = repo.commit_all()
    repo.git("checkout", "-q", "--detach", sha)
    result = incident(
        "new",
        "Detached",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    assert result.exit_code == 0


def test_list_and_check_print_all_of_their_output_and_exit_code(repo: Repo) -> None:
    """They end without tearing the interpreter down; what they print must all be there."""
    for n in range(3):
        incident(
            "new",
            f"Outage {n}",
            "--started-at",
            f"2026-11-2{n}T10:00:00Z",
            "--detected-at",
            f"2026-11-2{n}T10:00:00Z",
        )
    assert run("check", "--all", cwd=repo.root).stderr == "3 incidents OK\n"
    meta = next(repo.root.glob("incidents/*-outage-1/incident.yaml"))
    meta.write_text(meta.read_text().replace('severity: "SEV', 'severity: "BAD'))
    for args in (["list"], ["list", "--json"], ["check", "--all"], ["check", "--all", "--json"]):
        expected = incident(*args)
        result = run(*args, cwd=repo.root)
        assert (result.returncode, result.stdout) == (expected.exit_code, expected.stdout)
    assert run("check", "--all", cwd=repo.root).returncode == 1
    assert len(run("list", cwd=repo.root).stdout.splitlines()) == 4


@pytest.mark.parametrize("closed", [">&-", "2>&-"])
def test_list_with_its_output_closed_succeeds_quietly(repo: Repo, closed: str) -> None:
    incident(
        "new",
        "Outage",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    command = f"{sys.executable} -m incidentflow list {closed}"
    result = subprocess.run(["sh", "-c", command], cwd=repo.root, capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["show"]])
def test_output_to_a_full_disk_is_an_error_not_a_bug(repo: Repo, args: list[str]) -> None:
    incident(
        "new",
        "Outage",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "incidentflow", *args],
            cwd=repo.root,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ,
        )
    assert (result.returncode, result.stderr) == (
        2,
        "error: cannot write: No space left on device\n",
    )
