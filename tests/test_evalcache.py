"""The content cache behind list and check --all: fast, and never a stale answer."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from conftest import Repo, git, incident

ID = "2026-11-25-checkout"
TRIAGE_DONE = {
    "Symptoms": "500s on checkout.",
    "Impact": "All users in Europe.",
    "Mitigation": "Flag retry_v2 turned off.",
    "Containment evidence": "The error graph is flat.",
}


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """`list` shows each incident's age from the clock; pin it, so two lists compare equal
    even when a minute (or an hour) turns between them."""
    when = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr("incidentflow.commands.list_cmd.now", lambda: when)


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep results read from files written a moment before a run: these tests write and run
    within milliseconds (the default margin is for coarse file-system clocks)."""
    monkeypatch.setattr("incidentflow.speed.evalcache.SETTLE_NS", 0)


def fill_triage(path: Path) -> None:
    text = path.read_text()
    for name, body in TRIAGE_DONE.items():
        at = text.rindex(f"## {name}\n")
        end = text.index("TODO", at)
        text = text[:end] + body + text[end + 4 :]
    path.write_text(text)


@pytest.fixture
def committed(repo: Repo) -> Path:
    repo.write("app/pool.py", "a\nb\nc\n")
    repo.commit_all("app")
    incident(
        "new",
        "Checkout",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:05:00Z",
    )
    directory = repo.root / "incidents" / ID
    fill_triage(directory / "01-triage.md")
    incident("log", "flag off", "--at", "2026-11-25T10:30:00Z", "--milestone", "contained")
    assert incident("next").exit_code == 0
    diagnosis = directory / "02-diagnosis.md"
    text = diagnosis.read_text()
    at = text.rindex("## Failing path\n")
    end = text.index("TODO", at)
    diagnosis.write_text(text[:end] + "Starts at `app/pool.py:3`." + text[end + 4 :])
    repo.commit_all("incident")
    return directory


def unfill_impact(triage: Path) -> None:
    triage.write_text(triage.read_text().replace("All users in Europe.", "TODO"))


def assert_unfilled_impact_is_reported() -> None:
    result = incident("check", "--all")
    assert result.exit_code == 1
    assert 'section "Impact" is not filled in' in result.stdout


def cache_file(repo: Repo) -> Path:
    return repo.root / ".git" / "incidentflow-cache.json"


def test_results_are_cached_by_content(repo: Repo, committed: Path) -> None:
    first = incident("list", "--json").stdout
    assert '"age": "23h 0m"' in first  # started 2026-11-25T10:00Z, listed at the pinned clock
    check = incident("check", "--all")
    assert check.exit_code == 0
    entries = json.loads(cache_file(repo).read_text())["entries"]
    assert sorted(key.split(":")[0] for key in entries) == ["check", "list"]
    assert incident("list", "--json").stdout == first


def test_an_edit_in_the_working_tree_is_never_answered_from_the_cache(
    repo: Repo, committed: Path
) -> None:
    assert incident("check", "--all").exit_code == 0
    triage = committed / "01-triage.md"
    unfill_impact(triage)
    assert_unfilled_impact_is_reported()
    triage.unlink()
    assert (
        "but incidents/2026-11-25-checkout/01-triage.md is missing"
        in incident("check", "--all").stdout
    )


def test_an_untracked_stage_file_is_never_answered_from_the_cache(
    repo: Repo, committed: Path
) -> None:
    assert json.loads(incident("list", "--json").stdout)[0]["stage"] == "diagnosis"
    assert incident("check", "--all").exit_code == 0
    # Not added to git: the cached answers for the tracked files must not be reused.
    (committed / "03-summary.md").write_text("## Status\n\nWritten without front matter.\n")
    assert json.loads(incident("list", "--json").stdout)[0]["stage"] == "summary"
    result = incident("check", "--all")
    assert result.exit_code == 1
    assert "03-summary.md:1: has no front matter" in result.stdout


def test_a_symlinked_stage_file_is_read_through_the_link_every_time(
    repo: Repo, committed: Path
) -> None:
    # The index records the link, not the file it points at: its blob id says nothing of
    # the content a check reads.
    shared = repo.root / "docs" / "triage.md"
    shared.parent.mkdir()
    triage = committed / "01-triage.md"
    shared.write_text(triage.read_text())
    triage.unlink()
    triage.symlink_to("../../docs/triage.md")
    repo.commit_all("triage kept in docs")
    assert incident("check", "--all").exit_code == 0
    unfill_impact(shared)
    repo.commit_all("unfill impact")
    assert_unfilled_impact_is_reported()


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_a_file_git_is_told_not_to_look_at_is_never_answered_from_the_cache(
    repo: Repo, committed: Path, flag: str
) -> None:
    assert incident("check", "--all").exit_code == 0
    triage = committed / "01-triage.md"
    repo.git("update-index", flag, str(triage.relative_to(repo.root)))
    assert incident("check", "--all").exit_code == 0  # a run with the flag set, then an edit
    unfill_impact(triage)
    assert repo.git("diff-files", "--name-only") == ""  # git no longer sees the edit
    assert_unfilled_impact_is_reported()


def test_new_attributes_that_change_checked_out_bytes_empty_the_cache(
    repo: Repo, committed: Path
) -> None:
    assert incident("check", "--all").exit_code == 0
    # The same blobs now check out as UTF-16: what is on disk changed, the blob ids did not.
    (repo.root / ".gitattributes").write_text("*.yaml working-tree-encoding=UTF-16LE\n")
    assert_checked_out_again_as_utf16_and_reported(repo, committed / "incident.yaml")


def assert_checked_out_again_as_utf16_and_reported(repo: Repo, meta: Path) -> None:
    meta.unlink()
    repo.git("checkout", "--", str(meta.relative_to(repo.root)))
    assert meta.read_bytes()[1:2] == b"\0"
    result = incident("check", "--all")
    assert result.exit_code == 1
    assert "incident.yaml: invalid YAML" in result.stdout


def test_attributes_inside_an_incident_directory_are_never_answered_from_the_cache(
    repo: Repo, committed: Path
) -> None:
    assert incident("check", "--all").exit_code == 0
    # Only this directory's attributes change: the blob ids and the cache key's salt do not.
    attributes = committed / ".gitattributes"
    attributes.write_text("incident.yaml working-tree-encoding=UTF-16LE\n")
    repo.git("add", str(attributes.relative_to(repo.root)))  # incident.yaml's blob stays
    repo.git("commit", "-q", "-m", "attributes")
    assert_checked_out_again_as_utf16_and_reported(repo, committed / "incident.yaml")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any directory")
def test_nothing_is_taken_from_the_cache_when_git_cannot_read_a_directory(
    repo: Repo, committed: Path
) -> None:
    assert incident("check", "--all").exit_code == 0
    committed.chmod(0)
    try:
        result = incident("check", "--all")
    finally:
        committed.chmod(0o755)
    assert result.exit_code != 0
    assert "cannot read" in result.stdout + result.stderr


def test_checkout_of_another_branch_gives_that_branch_its_answer(
    repo: Repo, committed: Path
) -> None:
    assert incident("check", "--all").exit_code == 0
    repo.git("checkout", "-q", "-b", "broken")
    meta = committed / "incident.yaml"
    meta.write_text(meta.read_text().replace('severity: "SEV3"', 'severity: "SEV9"'))
    repo.commit_all("bad severity")
    assert incident("check", "--all").exit_code == 1
    repo.git("checkout", "-q", "main")
    assert incident("check", "--all").exit_code == 0
    repo.git("checkout", "-q", "broken")
    assert "severity 'SEV9' is not one of" in incident("check", "--all").stdout
    assert '"severity": "SEV9"' in incident("list", "--json").stdout


def test_code_references_are_judged_afresh_on_every_run(repo: Repo, committed: Path) -> None:
    """The cache keeps what the files say; whether their references resolve is judged on each
    run: a committed line as the code was when it was written, a new one as the code is."""
    assert incident("check", "--all").exit_code == 0
    repo.write("app/pool.py", "a\n")
    repo.commit_all("shrink pool.py")
    assert incident("check", "--all").exit_code == 0  # written when pool.py had 3 lines
    diagnosis = committed / "02-diagnosis.md"
    text = diagnosis.read_text()
    diagnosis.write_text(text.replace("Starts at", "Then `app/pool.py:2`.\n\nStarts at"))
    result = incident("check", "--all")
    assert result.exit_code == 1
    assert (
        "code reference `app/pool.py:2` is past the end of app/pool.py (1 lines in HEAD)"
        in result.stdout
    )
    assert "app/pool.py:3" not in result.stdout
    repo.commit_all("a reference that never resolved")
    assert "`app/pool.py:2` is past the end" in incident("check", "--all").stdout


def test_a_corrupt_cache_is_ignored(repo: Repo, committed: Path) -> None:
    incident("check", "--all")
    cache_file(repo).write_text("{not json")
    assert incident("check", "--all").exit_code == 0
    json.loads(cache_file(repo).read_text())


def test_a_config_change_empties_the_cache(repo: Repo, committed: Path) -> None:
    assert incident("check", "--all").exit_code == 0
    repo.write(".incident.yaml", "severities: [SEV1, SEV2]\n")
    result = incident("check", "--all")
    assert result.exit_code == 1
    assert "severity 'SEV3' is not one of SEV1, SEV2" in result.stdout


def test_a_tampered_entry_is_not_trusted_for_other_content(repo: Repo, committed: Path) -> None:
    # Entries are keyed by blob ids: a different file content can never hit them.
    incident("check", "--all")
    data = json.loads(cache_file(repo).read_text())
    for key in data["entries"]:
        if key.startswith("check:"):
            data["entries"][key] = [[], []]  # no problems, no references
    cache_file(repo).write_text(json.dumps(data))
    triage = committed / "01-triage.md"
    triage.write_text(triage.read_text().replace("Flag retry_v2 turned off.", "TODO"))
    repo.commit_all("unfill mitigation")
    assert incident("check", "--all").exit_code == 1


def test_worker_processes_give_the_same_answers(
    repo: Repo, committed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import incidentflow.speed.parallel

    for n in range(3):
        incident(
            "new",
            f"Other {n}",
            "--started-at",
            f"2026-11-2{n}T10:00:00Z",
            "--detected-at",
            f"2026-11-2{n}T10:00:00Z",
        )
    serial_check = incident("check", "--all")
    serial_list = incident("list", "--json").stdout
    cache_file(repo).unlink()
    monkeypatch.setattr(incidentflow.speed.parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(incidentflow.speed.parallel.os, "cpu_count", lambda: 2)
    parallel_check = incident("check", "--all")
    assert (parallel_check.exit_code, parallel_check.stdout) == (
        serial_check.exit_code,
        serial_check.stdout,
    )
    cache_file(repo).unlink()
    assert incident("list", "--json").stdout == serial_list


def test_a_cache_restored_in_a_fresh_clone_is_used(
    repo: Repo, committed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key covers content and code, not checkout details: CI can restore the cache file."""
    incident("list")
    data = json.loads(cache_file(repo).read_text())
    marked = 0
    for key, value in data["entries"].items():
        if key.startswith("list:"):
            value[3] = "from the restored cache"  # the title
            marked += 1
    assert marked == 1
    clone = tmp_path / "clone"
    git(repo.root, "clone", "-q", str(repo.root), str(clone))
    (clone / ".git" / "incidentflow-cache.json").write_text(json.dumps(data))
    monkeypatch.chdir(clone)
    assert "from the restored cache" in incident("list").stdout


@pytest.mark.parametrize("directory", ["ops/incidents", "ops[1]/in*"])
def test_an_incidents_directory_named_like_a_pattern_is_cached_by_its_files(
    repo: Repo, directory: str
) -> None:
    """git is asked about each incident's files by pattern; a name with pattern characters
    is matched as written."""
    repo.write(".incident.yaml", f'incidents_dir: "{directory}"\n')
    incident(
        "new",
        "Checkout",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    repo.commit_all("incident")
    first = incident("list", "--json").stdout
    entries = json.loads(cache_file(repo).read_text())["entries"]
    assert [key.split(":")[0] for key in entries] == ["list"]
    assert incident("list", "--json").stdout == first


def test_a_file_changed_while_results_are_computed_is_not_cached(
    repo: Repo, committed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import incidentflow.workflow.checking
    from incidentflow.speed.evalcache import ContentCache

    triage = committed / "01-triage.md"
    unfill_impact(triage)
    repo.commit_all("impact unknown")
    unfilled = triage.read_text()
    assert_unfilled_impact_is_reported()
    cache_file(repo).unlink()

    # git has looked (the keys say: Impact unfilled), then the file is edited mid-run.
    opened = ContentCache.__init__

    def git_looks_first(self: ContentCache, *args: object) -> None:
        opened(self, *args)  # type: ignore[arg-type]
        self._scan()

    evaluate = incidentflow.workflow.checking._evaluate

    def edited_meanwhile(workspace: object, incident_id: str, tree: object) -> object:
        time.sleep(0.05)  # past the file system clock's coarseness
        triage.write_text(unfilled.replace("TODO", "All users in Europe.", 1))
        return evaluate(workspace, incident_id, tree)  # type: ignore[arg-type]

    with monkeypatch.context() as patched:
        patched.setattr(ContentCache, "__init__", git_looks_first)
        patched.setattr(incidentflow.workflow.checking, "_evaluate", edited_meanwhile)
        assert incident("check", "--all").exit_code == 0  # it read the edited file

    triage.write_text(unfilled)  # back to what git has, and git agrees
    repo.git("update-index", "--refresh")
    assert repo.git("diff-files", "--name-only") == ""
    assert_unfilled_impact_is_reported()
