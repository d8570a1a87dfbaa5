"""Shell completion through Click's own mechanism, as bash, zsh and fish ask for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo, incident

CHECKOUT = "2026-11-25-checkout-api-500s"
LOGIN = "2026-11-26-login-errors"


@pytest.fixture
def two(repo: Repo) -> Repo:
    for title, started in [("Checkout API 500s", "2026-11-25"), ("Login errors", "2026-11-26")]:
        result = incident("new", title, "--started-at", f"{started}T10:00:00+00:00")
        assert result.exit_code == 0, result.stderr
    return repo


def complete(line: str, *, cwd: Path, shell: str = "bash") -> subprocess.CompletedProcess[str]:
    """What `incident` answers when the shell asks to complete the last word of ``line``."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    # bash and zsh pass the index of the word being completed; fish passes the word itself.
    current = "" if line.endswith(" ") else words[-1]
    env = {
        **os.environ,
        "_INCIDENT_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": line,
        "COMP_CWORD": current if shell == "fish" else str(cword),
    }
    return subprocess.run(
        [sys.executable, "-m", "incidentflow"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def values(line: str, *, cwd: Path) -> list[str]:
    result = complete(line, cwd=cwd)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [row.split(",", 1)[1] for row in result.stdout.splitlines() if row]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("incident show ", [LOGIN, CHECKOUT]),
        ("incident show 2026-11-25", [CHECKOUT]),
        ("incident next log", [LOGIN]),  # a substring, as ID arguments match
        ("incident report checkout", [CHECKOUT]),
        ("incident prompt ", [LOGIN, CHECKOUT]),
        ("incident draft ", [LOGIN, CHECKOUT]),
        ("incident timeline 2026", [LOGIN, CHECKOUT]),
        ("incident pr-body l", [LOGIN]),
        ("incident check ", [LOGIN, CHECKOUT]),
        (f"incident check {CHECKOUT} ", [LOGIN]),  # not the one already given
        ("incident log ", [LOGIN, CHECKOUT]),
        (f"incident log {LOGIN} ", []),  # then the text, the user's own
        ("incident show nothing-like-it", []),
    ],
)
def test_incident_ids(two: Repo, line: str, expected: list[str]) -> None:
    assert values(line, cwd=two.root) == expected


def test_ids_from_inside_an_incident_directory(two: Repo) -> None:
    assert values("incident show c", cwd=two.root / "incidents" / LOGIN) == [CHECKOUT]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("incident new x --severity ", ["SEV1", "SEV2", "SEV3", "SEV4"]),
        ("incident new x --severity SEV", ["SEV1", "SEV2", "SEV3", "SEV4"]),
        ("incident list --severity sev2", ["SEV2"]),
        ("incident list --open --severity ", ["SEV1", "SEV2", "SEV3", "SEV4"]),
        ("incident prompt --stage ", ["triage", "diagnosis", "summary", "postmortem"]),
        ("incident prompt --stage d", ["diagnosis"]),
    ],
)
def test_severities_and_stages(two: Repo, line: str, expected: list[str]) -> None:
    assert values(line, cwd=two.root) == expected


def test_configured_severities(two: Repo) -> None:
    two.write(
        ".incident.yaml",
        "severities:\n  - {name: P1, description: Everyone}\n  - {name: P2, description: Some}\n",
    )
    assert values("incident new x --severity ", cwd=two.root) == ["P1", "P2"]
    zsh = complete("incident new x --severity P", cwd=two.root, shell="zsh")
    assert zsh.stdout.splitlines() == ["plain", "P1", "Everyone", "plain", "P2", "Some"]
    fish = complete("incident prompt --stage t", cwd=two.root, shell="fish")
    assert fish.stdout.splitlines() == ["plain,triage\tTriage and stabilize"]


@pytest.mark.parametrize(
    "line", ["incident show ", "incident new x --severity ", "incident check "]
)
def test_silent_outside_a_repository(tmp_path: Path, line: str) -> None:
    result = complete(line, cwd=tmp_path)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")


@pytest.mark.parametrize("config", ["severities: [\n", "incidents_dir: ../elsewhere\n", "\xff"])
def test_silent_with_a_broken_config(two: Repo, config: str) -> None:
    (two.root / ".incident.yaml").write_bytes(config.encode("utf-8", "surrogateescape"))
    for line in ("incident show ", "incident new x --severity "):
        result = complete(line, cwd=two.root)
        assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")
    # The stage names need no configuration.
    assert values("incident prompt --stage s", cwd=two.root) == ["summary"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_readme_setup_prints_a_completion_script(tmp_path: Path, shell: str) -> None:
    """`_INCIDENT_COMPLETE=<shell>_source incident`, as the README shows, prints the script."""
    result = subprocess.run(
        [sys.executable, "-m", "incidentflow"],
        cwd=tmp_path,
        env={**os.environ, "_INCIDENT_COMPLETE": f"{shell}_source"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == ""
    assert f"_INCIDENT_COMPLETE={shell}_complete" in result.stdout
