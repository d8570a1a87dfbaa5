"""The hook as users run it: `git commit` through pre-commit, or through the plain git hook."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo, incident
from helpers_incident import (
    advance,
    app_file,
    build,
    complete,
    new_incident,
    stage_path,
)

CHECKOUT = Path(__file__).resolve().parents[1]
BINDIR = os.path.dirname(sys.executable)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module, so environments are built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(autouse=True)
def tools_env(
    isolated_git: None, monkeypatch: pytest.MonkeyPatch, pre_commit_home: Path
) -> Iterator[None]:
    """`incident` and `pre-commit` on PATH, one pre-commit cache."""
    monkeypatch.setenv("PATH", BINDIR + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PRE_COMMIT_COLOR", "never")
    yield


def run(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=repo.root, capture_output=True, text=True)


def commit(repo: Repo, message: str) -> subprocess.CompletedProcess[str]:
    """`git commit` with the hooks enabled."""
    return run(repo, "git", "commit", "-q", "-m", message)


def head_files(repo: Repo) -> list[str]:
    return repo.git("ls-tree", "-r", "--name-only", "HEAD").split()


def unfinished_triage_lines(repo: Repo, incident_id: str, staged_text: str) -> list[str]:
    triage = stage_path(incident_id, 1)
    lines = staged_text.splitlines()

    def heading(name: str) -> int:
        return len(lines) - lines[::-1].index(f"## {name}")

    return [
        f'{triage}:{heading(name)}: section "{name}" is not filled in'
        for name in ("Symptoms", "Impact", "Mitigation", "Containment evidence")
    ]


def walk_an_incident(repo: Repo) -> None:
    """The same story for both kinds of hook: refused out of order, accepted in order."""
    app_file(repo)
    incident_id = new_incident()
    triage = stage_path(incident_id, 1)
    repo.git("add", "-A")
    # A work-in-progress triage is fine to commit.
    first = commit(repo, "triage started")
    assert first.returncode == 0, first.stdout + first.stderr
    assert triage in head_files(repo)

    unfinished = repo.read(triage)
    complete(repo, incident_id, "01-triage.md")
    advance(incident_id)
    # Only the diagnosis is staged: the finished triage is still only on disk.
    repo.git("add", stage_path(incident_id, 2))
    refused = commit(repo, "diagnosis")
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    for line in unfinished_triage_lines(repo, incident_id, unfinished):
        assert line in output
    assert "incident-check: 5 problem(s); stages are committed in order" in output
    assert stage_path(incident_id, 2) not in head_files(repo)

    repo.git("add", "-A")
    accepted = commit(repo, "triage done, diagnosis started")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert stage_path(incident_id, 2) in head_files(repo)

    build_rest(repo, incident_id)
    repo.git("add", "-A")
    changed = commit(repo, "postmortem")
    assert changed.returncode != 0
    assert (
        f"incident-check: added the changelog entry for {incident_id} to CHANGELOG.md; "
        "review it, `git add CHANGELOG.md` and commit again"
    ) in changed.stdout + changed.stderr
    assert stage_path(incident_id, 4) not in head_files(repo)

    # Committing again without staging the changelog would leave the entry behind.
    forgot = commit(repo, "postmortem")
    assert forgot.returncode != 0
    assert (
        f"incident-check: CHANGELOG.md has the entry for {incident_id} but it is not staged; "
        "`git add CHANGELOG.md` and commit again"
    ) in forgot.stdout + forgot.stderr

    repo.git("add", "CHANGELOG.md")
    done = commit(repo, "postmortem")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"<!-- incident:{incident_id} -->" in repo.git("show", "HEAD:CHANGELOG.md")
    assert stage_path(incident_id, 4) in head_files(repo)
    assert repo.git("status", "--porcelain") == ""


def build_rest(repo: Repo, incident_id: str) -> None:
    """Diagnosis, summary and postmortem, each meeting its goal."""
    complete(repo, incident_id, "02-diagnosis.md")
    for stage_file in ("03-summary.md", "04-postmortem.md"):
        advance(incident_id)
        complete(repo, incident_id, stage_file)


def test_pre_commit_framework_with_the_hook_init_adds(repo: Repo) -> None:
    assert incident("init").exit_code == 0
    repo.commit_all("set up incidents")
    installed = run(repo, "pre-commit", "install")
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout == "pre-commit installed at .git/hooks/pre-commit\n"
    walk_an_incident(repo)


def test_plain_git_hook(repo: Repo) -> None:
    assert incident("init", "--git-hook").exit_code == 0
    repo.commit_all("set up incidents")
    walk_an_incident(repo)


def test_plain_git_hook_finds_incident_on_path_when_its_python_is_gone(repo: Repo) -> None:
    assert incident("init", "--git-hook").exit_code == 0
    hook = repo.root / ".git/hooks/pre-commit"
    hook.write_text(
        hook.read_text().replace(shlex.quote(sys.executable), "/nonexistent/python"),
        encoding="utf-8",
    )
    incident_id = new_incident()
    complete(repo, incident_id, "01-triage.md")
    advance(incident_id)
    repo.git("add", f"incidents/{incident_id}/incident.yaml", stage_path(incident_id, 2))
    refused = commit(repo, "diagnosis without triage")
    assert refused.returncode != 0
    # git shows a hook's stdout on its stderr.
    assert refused.stdout + refused.stderr == (
        f"{stage_path(incident_id, 2)}:1: diagnosis comes after triage, "
        f"but {stage_path(incident_id, 1)} is missing\n"
        "incident-check: 1 problem(s); stages are committed in order, "
        "each earlier stage meeting its goal in what is staged\n"
    )

    # Without incidentflow anywhere, the hook says so instead of letting commits through.
    path = os.pathsep.join(
        entry
        for entry in os.environ["PATH"].split(os.pathsep)
        if entry and not shutil.which("incident", path=entry)
    )
    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "x"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
    )
    assert proc.returncode == 1
    assert proc.stderr == (
        "incident-check: cannot find incidentflow; pip install incidentflow, "
        "or run incident init --git-hook --force again\n"
    )


def test_plain_git_hook_judges_a_partial_commit_on_its_own_index(repo: Repo) -> None:
    """`git commit PATH` commits HEAD plus PATH: what is staged elsewhere does not count."""
    assert incident("init", "--git-hook").exit_code == 0
    repo.commit_all("set up incidents")
    incident_id = new_incident()
    repo.commit_all("triage started")
    complete(repo, incident_id, "01-triage.md")
    advance(incident_id)
    repo.git("add", "-A")
    partial = run(repo, "git", "commit", "-q", "-m", "diagnosis only", stage_path(incident_id, 2))
    assert partial.returncode != 0
    assert 'section "Symptoms" is not filled in' in partial.stdout + partial.stderr
    whole = commit(repo, "triage and diagnosis")
    assert whole.returncode == 0, whole.stdout + whole.stderr


def test_try_repo_runs_the_published_hook(repo: Repo) -> None:
    """`pre-commit try-repo` installs this checkout and runs incident-check on a sample repo."""
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=3)
    repo.commit_all("an incident through its summary")

    def try_repo() -> subprocess.CompletedProcess[str]:
        return run(repo, "pre-commit", "try-repo", str(CHECKOUT), "incident-check", "--all-files")

    passed = try_repo()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "incident stages in order" in passed.stdout
    assert "Passed" in passed.stdout

    repo.git("rm", "-q", stage_path(incident_id, 2))
    repo.commit_all("lose the diagnosis")
    failed = try_repo()
    assert failed.returncode == 1
    assert "Failed" in failed.stdout
    assert (
        f"{stage_path(incident_id, 3)}:1: summary comes after diagnosis, "
        f"but {stage_path(incident_id, 2)} is missing\n"
    ) in failed.stdout


def merge_that_undoes_the_triage(repo: Repo) -> tuple[str, subprocess.CompletedProcess[str]]:
    """Two branches, each fine on its own: one adds the diagnosis on a finished triage, the
    other (from before) empties the triage's Impact again. git merges them cleanly, which
    would leave a diagnosis above an unfinished triage."""
    app_file(repo)
    incident_id = new_incident()
    complete(repo, incident_id, "01-triage.md")
    repo.commit_all("triage done")
    triage = stage_path(incident_id, 1)
    repo.git("switch", "-q", "-c", "rewrite-triage")
    text = repo.read(triage)
    impact = text.rindex("## Impact")
    end = text.index("\n## ", impact + 1)
    repo.write(triage, text[:impact] + "## Impact\n\nTODO\n" + text[end:])
    repo.git("add", "-A")
    assert commit(repo, "impact to be rewritten").returncode == 0
    repo.git("switch", "-q", "main")
    advance(incident_id)
    repo.git("add", "-A")
    assert commit(repo, "diagnosis").returncode == 0
    merged = run(repo, "git", "merge", "--no-edit", "rewrite-triage")
    return incident_id, merged


@pytest.mark.parametrize("how", ["pre-commit framework", "plain git hooks"])
def test_a_clean_merge_that_breaks_the_order_is_refused(repo: Repo, how: str) -> None:
    if how == "plain git hooks":
        assert incident("init", "--git-hook").exit_code == 0
    else:
        init = incident("init")
        assert "pre-commit install -t pre-commit -t pre-merge-commit" in init.stdout
        installed = run(repo, "pre-commit", "install", "-t", "pre-commit", "-t", "pre-merge-commit")
        assert installed.returncode == 0, installed.stderr
    repo.commit_all("set up incidents")
    incident_id, merged = merge_that_undoes_the_triage(repo)
    assert merged.returncode != 0, merged.stdout + merged.stderr
    said = merged.stdout + merged.stderr
    assert f"{stage_path(incident_id, 1)}:" in said and 'section "Impact" is not filled in' in said
    assert len(repo.git("log", "--format=%H", "--merges").split()) == 0  # no merge commit


CHANGELOG = """\
# Changelog

## [Unreleased]

### Fixed

- Login page no longer flickers.

## [1.0.0] - 2026-10-01

- First release.
"""
ROLLED_BACK = "Stashed changes conflicted with hook auto-fixes... Rolling back fixes..."


def test_pre_commit_rolling_back_the_entry_is_explained_and_the_way_out_works(repo: Repo) -> None:
    """Unstaged edits to CHANGELOG.md next to where the entry goes: pre-commit stashes them,
    the hook adds the entry, the stash no longer applies, and pre-commit rolls the entry back.
    The next commit says so and how to get out; both ways out end in a passing commit."""
    assert incident("init").exit_code == 0
    repo.write("CHANGELOG.md", CHANGELOG)
    app_file(repo)
    repo.commit_all("set up incidents")
    assert run(repo, "pre-commit", "install").returncode == 0
    incident_id = new_incident()
    build(repo, incident_id, through=4)
    repo.git("add", "incidents")
    mine = CHANGELOG.replace("### Fixed\n\n", "### Fixed\n\n- Search no longer times out.\n")
    repo.write("CHANGELOG.md", mine)  # not staged
    marker = f"<!-- incident:{incident_id} -->"

    first = commit(repo, "postmortem")
    output = first.stdout + first.stderr
    assert first.returncode != 0
    assert ROLLED_BACK in output
    assert f"incident-check: added the changelog entry for {incident_id} to CHANGELOG.md" in output
    assert repo.read("CHANGELOG.md") == mine  # the entry is gone again, the edits are there

    second = commit(repo, "postmortem")
    output = second.stdout + second.stderr
    assert second.returncode != 0
    explained = (
        f"incident-check: the changelog entry for {incident_id} that this hook wrote to "
        "CHANGELOG.md last time is gone again: pre-commit rolled it back"
    )
    assert explained in output
    assert f"incident-check: added the changelog entry for {incident_id}" not in output
    assert (
        "stage or stash them (`git add CHANGELOG.md`, or `git stash push CHANGELOG.md`)" in output
    )
    assert "run `incident changelog`, which writes the entry into your working copy" in output
    assert marker in output  # the line itself is printed
    assert repo.read("CHANGELOG.md") == mine

    # One way out: write the entry beside the edits, stage both, commit.
    assert incident("changelog").exit_code == 0
    assert marker in repo.read("CHANGELOG.md")
    assert "- Search no longer times out." in repo.read("CHANGELOG.md")
    repo.git("add", "CHANGELOG.md")
    done = commit(repo, "postmortem")
    assert done.returncode == 0, done.stdout + done.stderr
    assert marker in repo.git("show", "HEAD:CHANGELOG.md")


def test_staging_the_edits_after_a_roll_back_converges(repo: Repo) -> None:
    assert incident("init").exit_code == 0
    repo.write("CHANGELOG.md", CHANGELOG)
    app_file(repo)
    repo.commit_all("set up incidents")
    assert run(repo, "pre-commit", "install").returncode == 0
    incident_id = new_incident()
    build(repo, incident_id, through=4)
    repo.git("add", "incidents")
    mine = CHANGELOG.replace("### Fixed\n\n", "### Fixed\n\n- Search no longer times out.\n")
    repo.write("CHANGELOG.md", mine)
    assert ROLLED_BACK in (lambda r: r.stdout + r.stderr)(commit(repo, "postmortem"))

    # The other way out: stage the edits; the hook adds the entry for good this time.
    repo.git("add", "CHANGELOG.md")
    second = commit(repo, "postmortem")
    output = second.stdout + second.stderr
    assert second.returncode != 0
    assert ROLLED_BACK not in output
    assert "is gone again: pre-commit rolled it back" in output
    assert f"<!-- incident:{incident_id} -->" in repo.read("CHANGELOG.md")
    repo.git("add", "CHANGELOG.md")
    done = commit(repo, "postmortem")
    assert done.returncode == 0, done.stdout + done.stderr
    assert repo.git("status", "--porcelain") == ""
