"""`incident check --changed`: only the incidents a branch changed, as CI checks a pull request."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo, git, incident
from helpers_incident import new_incident, set_meta

from incidentflow.errors import IncidentError
from incidentflow.git.repo import Git
from incidentflow.model.workspace import Workspace
from incidentflow.workflow.changes import changed_incident_ids, find_base

BAD_SEVERITY = "severity 'SEV9' is not one of SEV1, SEV2, SEV3, SEV4"


@pytest.fixture
def three(repo: Repo) -> dict[str, str]:
    """Three incidents committed on main; Alpha's metadata is broken there already."""
    ids = {
        "alpha": new_incident("Alpha outage", day="2026-11-01"),
        "beta": new_incident("Beta outage", day="2026-11-02"),
        "gamma": new_incident("Gamma outage", day="2026-11-03"),
    }
    set_meta(repo, ids["alpha"], "severity", '"SEV9"')
    repo.commit_all("three incidents on main")
    return ids


def meta_problem(root: Path, incident_id: str) -> str:
    """The problem a SEV9 severity gives, on the line of `severity:` in incident.yaml."""
    path = f"incidents/{incident_id}/incident.yaml"
    lines = (root / path).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith("severity:"))
    return f"{path}:{line}: {BAD_SEVERITY}"


def short(repo: Repo, ref: str) -> str:
    return repo.git("rev-parse", "--short=7", ref).strip()


def test_only_the_changed_incidents_are_checked(repo: Repo, three: dict[str, str]) -> None:
    fork = short(repo, "HEAD")
    repo.git("switch", "-q", "-c", "incident/work")
    repo.write(f"incidents/{three['beta']}/timeline.md", "- 2026-11-02T10:30:00+00:00 — x (a)\n")
    repo.commit_all("beta: timeline")
    delta = new_incident("Delta outage", day="2026-11-04")  # untracked, not even staged
    set_meta(repo, delta, "severity", '"SEV9"')

    assert incident("check", "--all").exit_code == 1  # Alpha is broken on main

    result = incident("check", "--changed")
    assert result.exit_code == 1
    assert result.stdout == meta_problem(repo.root, delta) + "\n"
    assert result.stderr == (
        f"changed since main (merge base {fork}): {three['beta']}, {delta}\n"
        "1 problem(s) in 2 incidents\n"
    )


def test_changes_on_the_base_branch_after_the_fork_do_not_count(
    repo: Repo, three: dict[str, str]
) -> None:
    repo.git("switch", "-q", "-c", "incident/work")
    set_meta(repo, three["beta"], "commander", '"Bea"')
    repo.commit_all("beta: commander")
    repo.git("switch", "-q", "main")
    set_meta(repo, three["gamma"], "severity", '"SEV9"')
    repo.commit_all("gamma broken on main, after the fork")
    repo.git("switch", "-q", "incident/work")

    result = incident("check", "--changed", "--base", "main")
    assert result.exit_code == 0, result.stdout
    assert f": {three['beta']}\n" in result.stderr
    assert three["gamma"] not in result.stderr
    assert result.stderr.endswith("1 incident OK\n")


def test_nothing_changed(repo: Repo, three: dict[str, str]) -> None:
    repo.git("switch", "-q", "-c", "incident/work")
    result = incident("check", "--changed")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"no incident changed since main (merge base {short(repo, 'HEAD')})\n"
    assert json.loads(incident("check", "--changed", "--json").stdout) == []


def test_base_head_checks_only_uncommitted_edits(repo: Repo, three: dict[str, str]) -> None:
    set_meta(repo, three["gamma"], "severity", '"SEV9"')  # edited, not committed
    result = incident("check", "--changed", "--base", "HEAD", "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert [p["path"] for p in problems] == [f"incidents/{three['gamma']}/incident.yaml"]
    assert problems[0]["message"] == BAD_SEVERITY


def test_a_deleted_incident_is_not_checked(repo: Repo, three: dict[str, str]) -> None:
    repo.git("switch", "-q", "-c", "incident/cleanup")
    shutil.rmtree(repo.root / "incidents" / three["alpha"])
    repo.commit_all("drop alpha")
    result = incident("check", "--changed")
    assert result.exit_code == 0
    assert result.stderr.startswith("no incident changed since main")


def test_the_default_base_is_origin_head_in_a_clone(
    repo: Repo, three: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo.root), str(clone))
    monkeypatch.chdir(clone)
    git(clone, "switch", "-q", "-c", "incident/work")
    set_meta(Repo(clone), three["beta"], "severity", '"SEV9"')
    result = incident("check", "--changed")
    assert result.exit_code == 1
    assert result.stdout == meta_problem(clone, three["beta"]) + "\n"
    assert result.stderr.startswith(f"changed since origin/main (merge base {short(repo, 'HEAD')})")


def test_master_when_there_is_no_main(repo: Repo, three: dict[str, str]) -> None:
    repo.git("branch", "-m", "main", "master")
    repo.git("switch", "-q", "-c", "incident/work")
    assert incident("check", "--changed").stderr.startswith("no incident changed since master")


def feature_branch(repo: Repo, three: dict[str, str]) -> None:
    """A branch with two commits beyond main, so a depth-1 clone of it lacks the fork."""
    repo.git("switch", "-q", "-c", "feature")
    for text in ("one", "two"):
        set_meta(repo, three["beta"], "commander", f'"{text}"')
        repo.commit_all(f"beta {text}")
    repo.git("switch", "-q", "main")  # the remote's HEAD stays main, as on a forge


def test_shallow_clone_without_the_base_branch(
    repo: Repo, three: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feature_branch(repo, three)
    clone = tmp_path / "shallow"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        repo.root.as_uri(),
        str(clone),
    )
    monkeypatch.chdir(clone)
    result = incident("check", "--changed")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: cannot tell which branch to compare with: there is no origin/HEAD, main or "
        "master here; this is a shallow clone; fetch the base branch with enough history "
        "(git fetch --unshallow, or actions/checkout with fetch-depth: 0); name it with --base, "
        "e.g. --base origin/main\n"
    )
    result = incident("check", "--changed", "--base", "origin/main")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the base 'origin/main' is not in this clone; this is a shallow clone; fetch the "
        "base branch with enough history (git fetch --unshallow, or actions/checkout with "
        "fetch-depth: 0) (e.g. git fetch origin main)\n"
    )


def test_shallow_clone_whose_history_stops_before_the_fork(
    repo: Repo, three: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feature_branch(repo, three)
    clone = tmp_path / "shallow"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-single-branch",
        "--branch",
        "feature",
        repo.root.as_uri(),
        str(clone),
    )
    monkeypatch.chdir(clone)
    result = incident("check", "--changed", "--base", "origin/main")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 'origin/main' and HEAD share no history in this clone; this is a shallow clone; "
        "fetch the base branch with enough history (git fetch --unshallow, or actions/checkout "
        "with fetch-depth: 0)\n"
    )
    git(clone, "fetch", "-q", "--unshallow")
    result = incident("check", "--changed", "--base", "origin/main")
    assert result.exit_code == 0, result.stderr
    assert f"changed since origin/main (merge base {short(repo, 'main')}): {three['beta']}\n" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "main"], "--base REF only applies with --changed"),
        (["--changed", "--all"], "give incident ids, --all or --changed, not several"),
        (["--changed", "alpha"], "give incident ids, --all or --changed, not several"),
    ],
)
def test_usage_errors(repo: Repo, three: dict[str, str], args: list[str], message: str) -> None:
    result = incident("check", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_an_unknown_base(repo: Repo, three: dict[str, str]) -> None:
    result = incident("check", "--changed", "--base", "nosuch")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the base 'nosuch' is not in this clone; check the name, or fetch it "
        "(e.g. git fetch origin main)\n"
    )


def test_no_commits_yet(repo: Repo) -> None:
    with pytest.raises(IncidentError, match="cannot tell which branch to compare with"):
        find_base(Git(repo.root), ref=None)


def test_core_functions_without_the_cli(repo: Repo, three: dict[str, str]) -> None:
    repo.git("switch", "-q", "-c", "incident/work")
    set_meta(repo, three["gamma"], "commander", '"Gil"')
    workspace = Workspace.open(repo.root)
    base = find_base(workspace.git, ref="main")
    assert base.ref == "main"
    assert base.commit == repo.git("rev-parse", "main").strip()
    changed = changed_incident_ids(
        workspace.git, workspace.config, base=base, known=workspace.ids()
    )
    assert changed == [three["gamma"]]


# --- The CI recipe in docs/ci, run as GitHub Actions would run it ------------------------

WORKFLOW = Path(__file__).resolve().parents[1] / "docs" / "ci" / "incidents.yml"


def recipe_commands() -> list[str]:
    """The workflow's `run:` steps, minus installing, for a pull request into main."""
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    assert workflow["on"]["pull_request"]
    commands = [
        " ".join(step["run"].split())
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "run" in step and not step["run"].startswith("pip install")
    ]
    return [command.replace("${{ github.base_ref }}", "main") for command in commands]


def test_the_documented_ci_recipe(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert recipe_commands() == [
        'incident check --changed --base "origin/main"',
        'pre-commit run --show-diff-on-failure --from-ref "origin/main" --to-ref HEAD',
    ]
    assert incident("init").exit_code == 0
    repo.commit_all("set up incidentflow")
    old = new_incident("Old outage", day="2026-11-01")
    set_meta(repo, old, "severity", '"SEV9"')  # broken on main, not part of the PR
    repo.commit_all("an old incident")
    repo.git("switch", "-q", "-c", "incident/checkout")
    new = new_incident("Checkout fails", day="2026-11-05")
    repo.commit_all("triage started")
    repo.git("switch", "-q", "main")

    clone = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(repo.root), str(clone))  # fetch-depth: 0
    git(clone, "checkout", "-q", "incident/checkout")
    bindir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bindir + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))

    def run_recipe() -> list[subprocess.CompletedProcess[str]]:
        return [
            subprocess.run(["bash", "-c", command], cwd=clone, capture_output=True, text=True)
            for command in recipe_commands()
        ]

    check, hooks = run_recipe()
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stderr.startswith("changed since origin/main (merge base ")
    assert check.stderr.endswith(f": {new}\n1 incident OK\n")
    assert hooks.returncode == 0, hooks.stdout + hooks.stderr

    set_meta(Repo(clone), new, "severity", '"SEV9"')
    git(clone, "commit", "-q", "--no-verify", "-am", "oops")
    check, hooks = run_recipe()
    assert check.returncode == 1
    assert check.stdout == meta_problem(clone, new) + "\n"
    assert hooks.returncode == 1
    assert meta_problem(clone, new) in hooks.stdout
    assert old not in check.stdout + hooks.stdout
