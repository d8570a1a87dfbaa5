"""Grounded references stay grounded: judged as the code was when their line was written."""

from __future__ import annotations

import pytest
from conftest import HookRunner, Repo, incident
from helpers_incident import advance, fill, new_incident, set_meta, stage_path

CAPACITY = "tools/capacity/remove_capacity.py"
SOURCE = "".join(f"line {number}\n" for number in range(1, 21))
CITED = f"The typo reached `{CAPACITY}:13`, which removes every server matching the prefix."


def committed_incident(repo: Repo, *, failing: str = CITED) -> str:
    """The code, then an incident through its postmortem citing it, all committed."""
    repo.write(CAPACITY, SOURCE)
    repo.commit_all("capacity tool", date="2026-11-20T09:00:00+00:00")
    incident_id = new_incident()
    day = incident_id[:10]
    set_meta(repo, incident_id, "contained_at", f'"{day}T10:40:00+00:00"')
    fill(repo, stage_path(incident_id, 1))
    for number in (2, 3, 4):
        advance(incident_id)
        texts = {
            "Failing path": failing,
            "Root cause": "The prefix match in the tool had no guard against short prefixes.",
        }
        if number == 4:
            set_meta(repo, incident_id, "resolved_at", f'"{day}T12:00:00+00:00"')
            texts["Changelog entry"] = (
                "Removing capacity no longer matches more servers than named."
            )
        fill(repo, stage_path(incident_id, number), texts)
    repo.commit_all("the incident, written")
    return incident_id


def refactor(repo: Repo, text: str = "def remove(names):\n    ...\n") -> None:
    repo.write(CAPACITY, text)
    repo.commit_all("refactor the capacity tool")


def test_a_refactor_of_the_cited_code_breaks_nothing(repo: Repo, hook: HookRunner) -> None:
    incident_id = committed_incident(repo)
    refactor(repo)
    result = incident("check", "--all")
    assert (result.exit_code, result.stdout) == (0, "")
    # An unrelated edit to the postmortem commits: the earlier stages still meet their goals.
    postmortem = stage_path(incident_id, 4)
    repo.write(postmortem, repo.read(postmortem).replace("| prevent |", "| prevent | done |"))
    repo.git("add", "-A")
    outcome = hook(postmortem)
    assert outcome.code in (0, 1), outcome.stdout
    assert "code reference" not in outcome.stdout
    shown = incident("show", incident_id)
    assert f"`{CAPACITY}:13` has changed since; judged at" in shown.stdout


@pytest.mark.parametrize("change", ["rename", "delete"])
def test_a_rename_or_deletion_of_the_cited_file_breaks_nothing(repo: Repo, change: str) -> None:
    committed_incident(repo)
    if change == "rename":
        repo.git("mv", CAPACITY, "tools/capacity/remove.py")
    else:
        repo.git("rm", "-q", CAPACITY)
    repo.commit_all(change)
    assert incident("check", "--all").exit_code == 0


def test_a_squash_merge_after_the_code_moved_on_breaks_nothing(repo: Repo) -> None:
    """The incident branch is squashed onto a main where the tool was already refactored:
    blame now names the squash commit, whose tree has the new code; the code that was
    current when the incident started still has the cited line."""
    repo.write(CAPACITY, SOURCE)
    repo.commit_all("capacity tool", date="2026-11-20T09:00:00+00:00")
    repo.git("switch", "-q", "-c", "incident")
    repo.git("switch", "-q", "main")
    refactor(repo)  # main moves on (its commit is dated now, after the incident)
    repo.git("switch", "-q", "incident")
    incident_id = committed_incident_on_branch(repo)
    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--squash", "incident")
    repo.commit_all("incident (squashed)")
    result = incident("check", "--all")
    assert (result.exit_code, result.stdout) == (0, "")
    assert incident_id in incident("list").stdout


def committed_incident_on_branch(repo: Repo) -> str:
    incident_id = new_incident()
    day = incident_id[:10]
    set_meta(repo, incident_id, "contained_at", f'"{day}T10:40:00+00:00"')
    fill(repo, stage_path(incident_id, 1))
    advance(incident_id)
    fill(repo, stage_path(incident_id, 2), {"Failing path": CITED})
    repo.commit_all("the incident")
    return incident_id


def test_a_line_written_after_the_code_changed_is_judged_now(repo: Repo, hook: HookRunner) -> None:
    incident_id = committed_incident(repo)
    refactor(repo)
    diagnosis = stage_path(incident_id, 2)
    repo.write(diagnosis, repo.read(diagnosis) + f"\nAlso `{CAPACITY}:14`.\n")
    result = incident("check", "--all")
    assert result.exit_code == 1
    assert f"code reference `{CAPACITY}:14` is past the end of {CAPACITY} (2 lines in HEAD)" in (
        result.stdout
    )
    assert f"{CAPACITY}:13`" not in result.stdout
    repo.git("add", "-A")
    outcome = hook(diagnosis)
    assert outcome.code == 1
    assert f"`{CAPACITY}:14` is past the end" in outcome.stdout


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
def test_a_hallucinated_reference_fails_in_every_stage(
    repo: Repo, hook: HookRunner, stage: int
) -> None:
    incident_id = committed_incident(repo)
    path = stage_path(incident_id, stage)
    repo.write(path, repo.read(path) + "\nSee `tools/nothere.py:99`.\n")
    result = incident("check", "--all")
    assert result.exit_code == 1
    assert f"{path}:" in result.stdout
    assert "code reference `tools/nothere.py:99` does not exist in HEAD" in result.stdout
    repo.git("add", "-A")
    outcome = hook(path)
    assert outcome.code == 1
    assert "`tools/nothere.py:99` does not exist in the index" in outcome.stdout


@pytest.mark.parametrize(
    "written",
    [
        "`/etc/gitlab/gitlab.rb`",
        "`/var/opt/gitlab/postgresql/data/`",
        "`~/.ssh/config`",
        "`https://status.example.com/incidents/42`",
        "`s3://backups/db-2026-11-25.tar`",
        "`file:///var/log/syslog`",
    ],
)
def test_paths_outside_the_repository_are_not_references(
    repo: Repo, hook: HookRunner, written: str
) -> None:
    incident_id = committed_incident(repo)
    diagnosis = stage_path(incident_id, 2)
    repo.write(diagnosis, repo.read(diagnosis) + f"\nWe looked at {written} on db1.\n")
    assert incident("check", "--all").exit_code == 0
    repo.git("add", "-A")
    outcome = hook(diagnosis)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "", "")


def test_bare_file_names_are_found_where_they_are_tracked(repo: Repo) -> None:
    repo.write("waf/xss.lua", "".join(f"-- {n}\n" for n in range(9)))
    repo.write("a/settings.py", "x\n")
    repo.write("b/settings.py", "y\n")
    incident_id = committed_incident(repo)
    triage = stage_path(incident_id, 1)
    text = repo.read(triage)
    cases = {
        "`remove_capacity.py`": None,
        "`remove_capacity.py:13`": None,
        "`xss.lua:7`": None,
        "`xss.lua:70`": "code reference `xss.lua:70` is past the end of waf/xss.lua (9 lines in HEAD)",
        "`settings.py`": None,
        "`settings.py:1`": (
            "code reference `settings.py:1` matches 2 files in HEAD: a/settings.py, "
            "b/settings.py; give the path"
        ),
        "`remove_capcity.py:3`": (
            f"code reference `remove_capcity.py:3` does not exist in HEAD; did you mean {CAPACITY}?"
        ),
    }
    for written, expected in cases.items():
        repo.write(triage, text + f"\nSee {written}.\n")
        result = incident("check", "--all")
        if expected is None:
            assert (result.exit_code, result.stdout) == (0, ""), written
        else:
            assert result.exit_code == 1, written
            assert result.stdout.split(": ", 1)[1].rstrip("\n") == expected


def test_github_anchors_are_references(repo: Repo) -> None:
    incident_id = committed_incident(repo)
    first = repo.git("rev-parse", "HEAD~1").strip()
    triage = stage_path(incident_id, 1)
    text = repo.read(triage)
    cases = {
        f"`{CAPACITY}#L7`": None,
        f"`{CAPACITY}#L7-L9`": None,
        f"`{first[:10]}:{CAPACITY}#L20`": None,
        f"`{CAPACITY}#L21`": f"`{CAPACITY}#L21` is past the end of {CAPACITY} (20 lines in HEAD)",
        f"`{CAPACITY}#L9-L7`": f"`{CAPACITY}#L9-L7` has an empty or reversed line range",
    }
    for written, expected in cases.items():
        repo.write(triage, text + f"\nSee {written}.\n")
        result = incident("check", "--all")
        if expected is None:
            assert (result.exit_code, result.stdout) == (0, ""), written
        else:
            assert f"code reference {expected}" in result.stdout, written


def test_pin_rewrites_references_at_the_commit_they_were_judged_at(repo: Repo) -> None:
    incident_id = committed_incident(
        repo, failing=f"It reached `{CAPACITY}:13` and `remove_capacity.py#L12`."
    )
    written = repo.git("rev-parse", "HEAD").strip()
    refactor(repo)
    head = repo.git("rev-parse", "HEAD").strip()
    diagnosis = stage_path(incident_id, 2)
    before = repo.read(diagnosis)
    repo.write(
        diagnosis, before + "\nNow the tool starts at `tools/capacity/remove_capacity.py:1`.\n"
    )
    dry = incident("pin", incident_id, "--stage", "diagnosis", "--dry-run")
    assert dry.exit_code == 0
    assert repo.read(diagnosis).startswith(before)  # a dry run changes nothing
    result = incident("pin", incident_id, "--stage", "diagnosis")
    assert result.exit_code == 0, result.stderr
    pinned = repo.read(diagnosis)
    assert f"`{written[:12]}:{CAPACITY}:13`" in pinned
    assert f"`{written[:12]}:{CAPACITY}#L12`" in pinned  # the bare name becomes its path
    assert f"`{head[:12]}:{CAPACITY}:1`" in pinned  # resolves now: pinned at HEAD
    assert f"{diagnosis}: pinned `{CAPACITY}:13` as `{written[:12]}:{CAPACITY}:13`" in (
        result.stdout
    )
    assert incident("check", "--all").exit_code == 0
    # The rest of the file is as it was: only the references changed.
    assert (
        pinned.replace(f"{written[:12]}:", "")
        .replace(f"{head[:12]}:", "")
        .replace(f"{CAPACITY}#L12", "remove_capacity.py#L12")
        == before + "\nNow the tool starts at `tools/capacity/remove_capacity.py:1`.\n"
    )
    again = incident("pin", incident_id, "--stage", "diagnosis")
    assert repo.read(diagnosis) == pinned
    assert "no reference to pin" in again.stderr
