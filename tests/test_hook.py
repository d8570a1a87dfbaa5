"""`incident hook`: stage order and goals judged on the index, and the changelog entry."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import HookRunner, Repo, incident
from helpers_incident import (
    advance,
    app_file,
    build,
    changelog_text,
    complete,
    new_incident,
    set_meta,
    stage_path,
)

FAILED_HEADLINE = (
    "incident-check: {n} problem(s); stages are committed in order, "
    "each earlier stage meeting its goal in what is staged\n"
)
TRIAGE_SECTIONS = ("Symptoms", "Impact", "Mitigation", "Containment evidence")
CONTAINED_NOT_SET = (
    "contained_at is not set "
    "(triage needs the incident contained: incident log --milestone contained TEXT)"
)


def line_of(repo: Repo, relpath: str, text: str) -> int:
    """1-based number of the last line of ``relpath`` that is exactly ``text``.

    The last, because a stage file's prompt names the section headings too.
    """
    lines = repo.read(relpath).splitlines()
    return len(lines) - lines[::-1].index(text)


def staged(repo: Repo) -> list[str]:
    return repo.git("diff", "--cached", "--name-only").split()


def files_of(repo: Repo) -> dict[str, bytes]:
    """Every file of the working tree (outside .git) with its bytes."""
    return {
        str(p.relative_to(repo.root)): p.read_bytes()
        for p in sorted(repo.root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo.root).parts
    }


def unfinished_triage_messages(repo: Repo, incident_id: str) -> list[str]:
    """What the hook says about an untouched triage file and an unset contained_at."""
    triage = stage_path(incident_id, 1)
    meta = f"incidents/{incident_id}/incident.yaml"
    return [
        *(
            f'{triage}:{line_of(repo, triage, f"## {name}")}: section "{name}" is not filled in'
            for name in TRIAGE_SECTIONS
        ),
        f"{meta}:{line_of(repo, meta, 'contained_at: null')}: {CONTAINED_NOT_SET}",
    ]


def diagnosis_over_unfinished_triage(repo: Repo) -> str:
    """A scaffolded diagnosis next to the triage file as it was first scaffolded."""
    incident_id = new_incident()
    meta = f"incidents/{incident_id}/incident.yaml"
    triage = stage_path(incident_id, 1)
    first_triage, first_meta = repo.read(triage), repo.read(meta)
    complete(repo, incident_id, "01-triage.md")
    advance(incident_id)
    repo.write(triage, first_triage)
    repo.write(meta, first_meta)
    return incident_id


# --- The table: what is staged → exit code and exact output -------------------------------


@dataclass
class Case:
    args: list[str]
    code: int
    stdout: list[str]


def triage_unfinished(repo: Repo) -> Case:
    incident_id = new_incident()
    repo.git("add", "-A")
    return Case([stage_path(incident_id, 1), f"incidents/{incident_id}/incident.yaml"], 0, [])


def diagnosis_while_triage_incomplete(repo: Repo) -> Case:
    incident_id = diagnosis_over_unfinished_triage(repo)
    repo.git("add", "-A")
    messages = unfinished_triage_messages(repo, incident_id)
    return Case([stage_path(incident_id, 2)], 1, messages)


def diagnosis_while_triage_complete_only_in_working_tree(repo: Repo) -> Case:
    incident_id = diagnosis_over_unfinished_triage(repo)
    repo.git("add", "-A")
    messages = unfinished_triage_messages(repo, incident_id)
    complete(repo, incident_id, "01-triage.md")  # on disk only: not staged
    return Case([stage_path(incident_id, 2)], 1, messages)


def diagnosis_while_triage_complete_only_in_index(repo: Repo) -> Case:
    incident_id = new_incident()
    build(repo, incident_id, through=2, last_complete=False)
    repo.git("add", "-A")
    repo.write(stage_path(incident_id, 1), "unstaged scribbles\n")
    set_meta(repo, incident_id, "severity", '"SEV9"')
    return Case([stage_path(incident_id, 2)], 0, [])


def diagnosis_with_untracked_triage(repo: Repo) -> Case:
    incident_id = new_incident()
    build(repo, incident_id, through=2, last_complete=False)
    repo.git("add", f"incidents/{incident_id}/incident.yaml", stage_path(incident_id, 2))
    diagnosis = stage_path(incident_id, 2)
    return Case(
        [diagnosis],
        1,
        [
            f"{diagnosis}:1: diagnosis comes after triage, but {stage_path(incident_id, 1)} is missing"
        ],
    )


def summary_with_deleted_diagnosis(repo: Repo) -> Case:
    incident_id = new_incident()
    app_file(repo)
    build(repo, incident_id, through=3, last_complete=False)
    repo.commit_all("stages")
    repo.git("rm", "-q", "--cached", stage_path(incident_id, 2))
    summary = stage_path(incident_id, 3)
    return Case(
        [stage_path(incident_id, 2)],
        1,
        [
            f"{summary}:1: summary comes after diagnosis, but {stage_path(incident_id, 2)} is missing"
        ],
    )


def untracked_metadata(repo: Repo) -> Case:
    incident_id = new_incident()
    repo.git("add", stage_path(incident_id, 1))
    return Case(
        [stage_path(incident_id, 1)],
        1,
        [f"incidents/{incident_id}/incident.yaml: is missing from the index"],
    )


def bad_severity(repo: Repo) -> Case:
    incident_id = new_incident()
    set_meta(repo, incident_id, "severity", '"SEV9"')
    repo.git("add", "-A")
    meta = f"incidents/{incident_id}/incident.yaml"
    line = line_of(repo, meta, 'severity: "SEV9"')
    return Case(
        [stage_path(incident_id, 1)],
        1,
        [f"{meta}:{line}: severity 'SEV9' is not one of SEV1, SEV2, SEV3, SEV4"],
    )


def times_out_of_order(repo: Repo) -> Case:
    incident_id = new_incident()
    set_meta(repo, incident_id, "contained_at", '"2026-11-25T09:00:00+00:00"')
    repo.git("add", "-A")
    meta = f"incidents/{incident_id}/incident.yaml"
    line = line_of(repo, meta, 'contained_at: "2026-11-25T09:00:00+00:00"')
    return Case(
        [f"incidents/{incident_id}/incident.yaml"],
        1,
        [
            f"{meta}:{line}: contained_at (2026-11-25T09:00:00+00:00) is before "
            "detected_at (2026-11-25T10:05:00+00:00)"
        ],
    )


def finished_summary(repo: Repo) -> Case:
    incident_id = new_incident()
    app_file(repo)
    build(repo, incident_id, through=3)
    repo.git("add", "-A")
    return Case([stage_path(incident_id, 3)], 0, [])


def diagnosis_citing_a_file_not_in_the_index(repo: Repo) -> Case:
    incident_id = new_incident()
    app_file(repo)
    build(repo, incident_id, through=2)
    repo.git("rm", "-q", "--cached", "app.py")  # still on disk and at HEAD; gone from the commit
    repo.git("add", "incidents")
    diagnosis = stage_path(incident_id, 2)
    line = next(
        n for n, text in enumerate(repo.read(diagnosis).splitlines(), 1) if "`app.py:1`" in text
    )
    return Case(
        [diagnosis],
        1,
        [
            f"{diagnosis}:{line}: code reference `app.py:1` does not exist in "
            "the index (what this commit will contain)"
        ],
    )


def files_outside_incidents(repo: Repo) -> Case:
    repo.write("README.md", "hello\n")
    repo.write("incidents/.gitkeep", "")
    repo.git("add", "-A")
    return Case(["README.md", "incidents/.gitkeep"], 0, [])


@pytest.mark.parametrize(
    "scenario",
    [
        triage_unfinished,
        diagnosis_while_triage_incomplete,
        diagnosis_while_triage_complete_only_in_working_tree,
        diagnosis_while_triage_complete_only_in_index,
        diagnosis_with_untracked_triage,
        summary_with_deleted_diagnosis,
        untracked_metadata,
        bad_severity,
        times_out_of_order,
        finished_summary,
        diagnosis_citing_a_file_not_in_the_index,
        files_outside_incidents,
    ],
)
def test_hook_judges_what_is_staged(
    repo: Repo, hook: HookRunner, scenario: Callable[[Repo], Case]
) -> None:
    case = scenario(repo)
    before = files_of(repo)
    result = hook(*case.args)
    assert (result.code, result.stdout.splitlines()) == (case.code, case.stdout)
    assert result.stderr == (FAILED_HEADLINE.format(n=len(case.stdout)) if case.code else "")
    assert files_of(repo) == before  # nothing to add to the changelog in these cases


# --- Which incidents are validated --------------------------------------------------------


def test_hook_validates_only_the_incidents_named(repo: Repo, hook: HookRunner) -> None:
    good = new_incident("Checkout API 500s")
    bad = new_incident("Search is slow")
    set_meta(repo, bad, "severity", '"P0"')
    repo.git("add", "-A")

    assert hook(stage_path(good, 1)).code == 0

    everything = hook("--all")
    meta = f"incidents/{bad}/incident.yaml"
    assert everything.code == 1
    line = line_of(repo, meta, 'severity: "P0"')
    assert everything.stdout == (
        f"{meta}:{line}: severity 'P0' is not one of SEV1, SEV2, SEV3, SEV4\n"
    )
    assert hook(stage_path(bad, 1)).stdout == everything.stdout


def test_hook_all_reads_every_incident_from_the_index(repo: Repo, hook: HookRunner) -> None:
    new_incident()
    repo.commit_all("triage")
    assert hook("--all").code == 0
    # A broken incident that is not staged is not part of the commit.
    other = new_incident("Search is slow")
    set_meta(repo, other, "severity", '"P0"')
    assert hook("--all").code == 0
    repo.git("add", "-A")
    result = hook("--all")
    assert result.code == 1
    assert result.stdout.startswith(f"incidents/{other}/incident.yaml:")


def test_hook_with_no_incident_files_passes_silently(repo: Repo, hook: HookRunner) -> None:
    no_files = hook()
    assert (no_files.code, no_files.stdout, no_files.stderr) == (0, "", "")
    empty_index = hook("--all")
    assert (empty_index.code, empty_index.stdout, empty_index.stderr) == (0, "", "")


def test_hook_rejects_an_unknown_option(repo: Repo, hook: HookRunner) -> None:
    result = hook("--fast", "incidents/x/01-triage.md")
    assert result.code == 2
    assert result.stderr == (
        "error: unknown option '--fast'; usage: incident hook [--all] [FILES]...\n"
    )


def test_hook_outside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: HookRunner
) -> None:
    monkeypatch.chdir(tmp_path)
    result = hook("incidents/x/01-triage.md")
    assert result.code == 2
    assert result.stderr == (
        "error: not inside a git repository — run this from your repo, or run `git init` first\n"
    )


def test_hook_as_a_subprocess(repo: Repo) -> None:
    """The installed console script gives the same exit code and messages."""
    incident_id = diagnosis_over_unfinished_triage(repo)
    repo.git("add", "-A")
    bindir = os.path.dirname(sys.executable)
    proc = subprocess.run(
        ["incident", "hook", stage_path(incident_id, 2)],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")},
    )
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == unfinished_triage_messages(repo, incident_id)
    assert proc.stderr == FAILED_HEADLINE.format(n=5)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_hook_output_that_cannot_be_written_is_an_error_not_a_pass(repo: Repo) -> None:
    incident_id = diagnosis_over_unfinished_triage(repo)
    repo.git("add", "-A")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "incidentflow", "hook", stage_path(incident_id, 2)],
            cwd=repo.root,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    assert proc.returncode == 2
    assert proc.stderr == (
        FAILED_HEADLINE.format(n=5) + "error: cannot write: No space left on device\n"
    )


@pytest.mark.parametrize("closed", [">&-", "2>&-", ">&- 2>&-"])
def test_hook_with_its_output_closed_keeps_its_exit_code(repo: Repo, closed: str) -> None:
    failing = diagnosis_over_unfinished_triage(repo)
    passing = new_incident("Search is slow")
    repo.git("add", "-A")
    for incident_id, stage, code in ((failing, 2, 1), (passing, 1, 0)):
        command = f"{sys.executable} -m incidentflow hook {stage_path(incident_id, stage)} {closed}"
        proc = subprocess.run(["sh", "-c", command], cwd=repo.root, capture_output=True, text=True)
        assert (proc.returncode, "Traceback" in proc.stderr) == (code, False)


def test_hook_through_the_click_group_keeps_the_exit_code(repo: Repo) -> None:
    incident_id = diagnosis_over_unfinished_triage(repo)
    repo.git("add", "-A")
    result = incident("hook", stage_path(incident_id, 2))
    assert result.stdout.splitlines() == unfinished_triage_messages(repo, incident_id)
    assert result.exit_code == 1


# --- The changelog entry ------------------------------------------------------------------


def finished_postmortem(
    repo: Repo, title: str = "Checkout API 500s", day: str = "2026-11-25"
) -> str:
    """An incident whose four stages meet their goals, all staged."""
    if not (repo.root / "app.py").exists():
        app_file(repo)
    incident_id = new_incident(title, day=day)
    build(repo, incident_id, through=4)
    repo.git("add", "incidents")
    return incident_id


def entry(incident_id: str, *, link_prefix: str = "") -> str:
    return (
        f"- {changelog_text(incident_id)} (SEV2 incident [{incident_id}]"
        f"({link_prefix}incidents/{incident_id}/04-postmortem.md), {incident_id[:10]}) "
        f"<!-- incident:{incident_id} -->"
    )


def added_message(*ids: str, changelog: str = "CHANGELOG.md") -> str:
    noun = "entry" if len(ids) == 1 else "entries"
    return (
        f"incident-check: added the changelog {noun} for {', '.join(ids)} to {changelog}; "
        f"review it, `git add {changelog}` and commit again\n"
    )


KEEP_A_CHANGELOG = """\
# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).

## [Unreleased]

### Added

- Export incidents as JSON.

### Fixed

- Login page no longer flickers.

## [1.0.0] - 2026-10-01

### Added

- First release.

[Unreleased]: https://example.com/compare/v1.0.0...HEAD
[1.0.0]: https://example.com/releases/tag/v1.0.0
"""


def test_finished_postmortem_creates_the_changelog(repo: Repo, hook: HookRunner) -> None:
    incident_id = finished_postmortem(repo)
    first = hook(stage_path(incident_id, 4))
    assert (first.code, first.stdout, first.stderr) == (1, added_message(incident_id), "")
    assert repo.read("CHANGELOG.md") == (
        "# Changelog\n"
        "\n"
        "All notable changes to this project will be documented in this file.\n"
        "\n"
        "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).\n"
        "\n"
        "## [Unreleased]\n"
        "\n"
        "### Fixed\n"
        "\n"
        f"{entry(incident_id)}\n"
    )
    # The hook never stages anything itself.
    assert "CHANGELOG.md" not in staged(repo)
    assert repo.git("status", "--porcelain", "CHANGELOG.md") == "?? CHANGELOG.md\n"

    repo.git("add", "CHANGELOG.md")
    before = files_of(repo)
    second = hook(stage_path(incident_id, 4))
    assert (second.code, second.stdout, second.stderr) == (0, "", "")
    assert files_of(repo) == before


def test_the_changelog_is_read_when_a_commit_can_finish_the_postmortem(
    repo: Repo, hook: HookRunner
) -> None:
    """A postmortem lands with its own file or with incident.yaml (resolved_at); a later fix
    to an earlier stage of a finished incident does not read the changelog at all."""
    incident_id = finished_postmortem(repo)
    directory = f"incidents/{incident_id}"
    triage_only = hook(stage_path(incident_id, 1))
    assert (triage_only.code, triage_only.stdout) == (0, "")
    assert not (repo.root / "CHANGELOG.md").exists()
    assert hook(f"{directory}/incident.yaml").stdout == added_message(incident_id)
    (repo.root / "CHANGELOG.md").unlink()
    assert hook(stage_path(incident_id, 1), stage_path(incident_id, 4)).code == 1
    assert entry(incident_id) in repo.read("CHANGELOG.md")


def test_entry_goes_under_unreleased_fixed_keeping_every_other_byte(
    repo: Repo, hook: HookRunner
) -> None:
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)
    repo.commit_all("changelog")
    incident_id = finished_postmortem(repo)
    assert hook(stage_path(incident_id, 4)).code == 1
    assert repo.read("CHANGELOG.md") == KEEP_A_CHANGELOG.replace(
        "### Fixed\n\n", f"### Fixed\n\n{entry(incident_id)}\n", 1
    )
    assert repo.git("status", "--porcelain", "CHANGELOG.md") == " M CHANGELOG.md\n"
    assert "CHANGELOG.md" not in staged(repo)


def test_missing_fixed_category_is_created_in_keep_a_changelog_order(
    repo: Repo, hook: HookRunner
) -> None:
    original = KEEP_A_CHANGELOG.replace("### Fixed\n\n- Login page no longer flickers.\n\n", "")
    repo.write("CHANGELOG.md", original)
    incident_id = finished_postmortem(repo)
    assert hook(stage_path(incident_id, 4)).code == 1
    assert repo.read("CHANGELOG.md") == original.replace(
        "- Export incidents as JSON.\n\n",
        f"- Export incidents as JSON.\n\n### Fixed\n\n{entry(incident_id)}\n\n",
    )


def test_missing_unreleased_section_goes_before_the_newest_version(
    repo: Repo, hook: HookRunner
) -> None:
    original = KEEP_A_CHANGELOG.replace(
        "## [Unreleased]\n\n### Added\n\n- Export incidents as JSON.\n\n"
        "### Fixed\n\n- Login page no longer flickers.\n\n",
        "",
    )
    repo.write("CHANGELOG.md", original)
    incident_id = finished_postmortem(repo)
    assert hook(stage_path(incident_id, 4)).code == 1
    assert repo.read("CHANGELOG.md") == original.replace(
        "## [1.0.0]", f"## [Unreleased]\n\n### Fixed\n\n{entry(incident_id)}\n\n## [1.0.0]"
    )


def test_crlf_changelog_stays_crlf(repo: Repo, hook: HookRunner) -> None:
    crlf = KEEP_A_CHANGELOG.replace("\n", "\r\n").encode()
    (repo.root / "CHANGELOG.md").write_bytes(crlf)
    incident_id = finished_postmortem(repo)
    assert hook(stage_path(incident_id, 4)).code == 1
    expected = KEEP_A_CHANGELOG.replace(
        "### Fixed\n\n", f"### Fixed\n\n{entry(incident_id)}\n", 1
    ).replace("\n", "\r\n")
    assert (repo.root / "CHANGELOG.md").read_bytes() == expected.encode()


def test_entry_already_released_is_not_added_again(repo: Repo, hook: HookRunner) -> None:
    incident_id = finished_postmortem(repo)
    released = KEEP_A_CHANGELOG.replace(
        "### Added\n\n- First release.\n",
        f"### Added\n\n- First release.\n\n### Fixed\n\n- Old wording of the entry. "
        f"<!-- incident:{incident_id} -->\n",
    )
    repo.write("CHANGELOG.md", released)
    repo.git("add", "CHANGELOG.md")
    result = hook(stage_path(incident_id, 4))
    line = (
        released.splitlines().index(f"- Old wording of the entry. <!-- incident:{incident_id} -->")
        + 1
    )
    # A released line is never rewritten; the hook says so in one line and lets the commit in.
    assert (result.code, result.stdout, result.stderr) == (
        0,
        f"incident-check: CHANGELOG.md:{line}: the entry for {incident_id} is released under "
        "1.0.0 and stays as it is, though its postmortem's Changelog entry now reads differently\n",
        "",
    )
    assert repo.read("CHANGELOG.md") == released
    # Released with the postmortem's own words: nothing to say.
    repo.write(
        "CHANGELOG.md",
        KEEP_A_CHANGELOG.replace("- First release.\n", f"- First release.\n{entry(incident_id)}\n"),
    )
    repo.git("add", "CHANGELOG.md")
    quiet = hook(stage_path(incident_id, 4))
    assert (quiet.code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_two_postmortems_in_one_commit_newest_first(repo: Repo, hook: HookRunner) -> None:
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)
    older = finished_postmortem(repo, "Checkout API 500s", day="2026-11-25")
    newer = finished_postmortem(repo, "Search index stale", day="2026-12-02")
    result = hook(stage_path(older, 4), stage_path(newer, 4))
    assert (result.code, result.stdout) == (1, added_message(older, newer))
    assert repo.read("CHANGELOG.md") == KEEP_A_CHANGELOG.replace(
        "### Fixed\n\n", f"### Fixed\n\n{entry(newer)}\n{entry(older)}\n", 1
    )
    repo.git("add", "CHANGELOG.md")
    assert hook(stage_path(older, 4), stage_path(newer, 4)).code == 0


def test_entry_on_disk_but_not_staged_is_refused(repo: Repo, hook: HookRunner) -> None:
    """Committing again without `git add CHANGELOG.md` would leave the entry behind."""
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)
    repo.commit_all("changelog")
    incident_id = finished_postmortem(repo)
    assert hook(stage_path(incident_id, 4)).code == 1
    before = files_of(repo)
    again = hook(stage_path(incident_id, 4))
    assert (again.code, again.stdout, again.stderr) == (
        1,
        f"incident-check: CHANGELOG.md has the entry for {incident_id} but it is not staged; "
        "`git add CHANGELOG.md` and commit again\n",
        "",
    )
    assert files_of(repo) == before
    repo.git("add", "CHANGELOG.md")
    assert hook(stage_path(incident_id, 4)).code == 0


def test_one_entry_added_and_one_waiting_to_be_staged(repo: Repo, hook: HookRunner) -> None:
    first = finished_postmortem(repo, "Checkout API 500s", day="2026-11-25")
    assert hook(stage_path(first, 4)).code == 1
    second = finished_postmortem(repo, "Search index stale", day="2026-12-02")
    result = hook(stage_path(first, 4), stage_path(second, 4))
    assert (result.code, result.stdout) == (
        1,
        added_message(second)
        + f"incident-check: CHANGELOG.md has the entry for {first} but it is not staged; "
        "`git add CHANGELOG.md` and commit again\n",
    )
    repo.git("add", "CHANGELOG.md")
    assert hook(stage_path(first, 4), stage_path(second, 4)).code == 0


def test_unfinished_postmortem_adds_no_entry(repo: Repo, hook: HookRunner) -> None:
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=4, last_complete=False)
    repo.git("add", "incidents")
    result = hook(stage_path(incident_id, 4))
    assert (result.code, result.stdout) == (0, "")
    assert not (repo.root / "CHANGELOG.md").exists()


def test_postmortem_finished_only_in_working_tree_adds_no_entry(
    repo: Repo, hook: HookRunner
) -> None:
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=4, last_complete=False)
    repo.git("add", "incidents")
    complete(repo, incident_id, "04-postmortem.md")  # not staged
    assert hook(stage_path(incident_id, 4)).code == 0
    assert not (repo.root / "CHANGELOG.md").exists()


def test_no_entry_while_another_touched_incident_has_problems(repo: Repo, hook: HookRunner) -> None:
    done = finished_postmortem(repo)
    broken = new_incident("Search is slow")
    set_meta(repo, broken, "severity", '"P0"')
    repo.git("add", "-A")
    result = hook(stage_path(done, 4), stage_path(broken, 1))
    assert result.code == 1
    assert result.stderr == FAILED_HEADLINE.format(n=1)
    assert not (repo.root / "CHANGELOG.md").exists()


def test_configured_changelog_path_section_and_category(repo: Repo, hook: HookRunner) -> None:
    repo.write(
        ".incident.yaml",
        "changelog: {path: docs/CHANGES.md, section: Next, category: Security}\n",
    )
    incident_id = finished_postmortem(repo)
    result = hook(stage_path(incident_id, 4))
    assert (result.code, result.stdout) == (
        1,
        added_message(incident_id, changelog="docs/CHANGES.md"),
    )
    text = repo.read("docs/CHANGES.md")
    assert text.endswith(f"## [Next]\n\n### Security\n\n{entry(incident_id, link_prefix='../')}\n")


def test_deleting_a_whole_incident_passes(repo: Repo, hook: HookRunner) -> None:
    """The plain git hook passes deleted files too; removing an incident is not an error."""
    incident_id = new_incident()
    repo.commit_all("opened by mistake")
    repo.git("rm", "-r", "-q", f"incidents/{incident_id}")
    deleted = repo.git("diff", "--cached", "--name-only").split()
    assert len(deleted) == 3
    assert hook(*deleted).code == 0
    # Deleting only the metadata leaves an incident without it: still refused.
    repo.git("reset", "-q", "--hard")
    repo.git("rm", "-q", f"incidents/{incident_id}/incident.yaml")
    result = hook(f"incidents/{incident_id}/incident.yaml")
    assert (result.code, result.stdout) == (
        1,
        f"incidents/{incident_id}/incident.yaml: is missing from the index\n",
    )


# --- The changelog as a renderer reads it, through a link, in step with the postmortem ---


def test_changelog_linked_inside_the_repository_is_written_and_judged_at_its_target(
    repo: Repo, hook: HookRunner
) -> None:
    """In the index a symlink's blob is the link text, so the target's staged copy counts."""
    repo.write("docs/CHANGES.md", KEEP_A_CHANGELOG)
    (repo.root / "CHANGELOG.md").symlink_to("docs/CHANGES.md")
    repo.commit_all("changelog kept in docs, linked from the root")
    incident_id = finished_postmortem(repo)
    first = hook(stage_path(incident_id, 4))
    assert (first.code, first.stdout) == (
        1,
        f"incident-check: added the changelog entry for {incident_id} to docs/CHANGES.md "
        "(CHANGELOG.md links to it); review it, `git add docs/CHANGES.md` and commit again\n",
    )
    assert (repo.root / "CHANGELOG.md").is_symlink()
    assert repo.read("docs/CHANGES.md") == KEEP_A_CHANGELOG.replace(
        "### Fixed\n\n", f"### Fixed\n\n{entry(incident_id, link_prefix='../')}\n", 1
    )
    # Staging the link changes nothing: it is the target that has to be staged.
    repo.git("add", "CHANGELOG.md")
    again = hook(stage_path(incident_id, 4))
    assert again.code == 1
    assert "docs/CHANGES.md (CHANGELOG.md links to it) has the entry" in again.stdout
    repo.git("add", "docs/CHANGES.md")
    passed = hook(stage_path(incident_id, 4))
    assert (passed.code, passed.stdout, passed.stderr) == (0, "", "")
    assert incident("changelog", "--check").exit_code == 0


def test_an_edited_changelog_entry_rewrites_its_unreleased_line(
    repo: Repo, hook: HookRunner
) -> None:
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)
    incident_id = finished_postmortem(repo)
    assert hook(stage_path(incident_id, 4)).code == 1
    repo.git("add", "CHANGELOG.md")
    repo.git("commit", "-q", "--no-verify", "-m", "postmortem")
    # In review, the Changelog entry is reworded; the postmortem lands again.
    postmortem = stage_path(incident_id, 4)
    reworded = "Checkout no longer fails on carts emptied by a coupon."
    repo.write(postmortem, repo.read(postmortem).replace(changelog_text(incident_id), reworded))
    repo.git("add", postmortem)
    new_line = entry(incident_id).replace(changelog_text(incident_id), reworded)
    updated = hook(postmortem)
    assert (updated.code, updated.stdout) == (
        1,
        f"incident-check: updated the changelog entry for {incident_id} in CHANGELOG.md; "
        "review it, `git add CHANGELOG.md` and commit again\n",
    )
    assert repo.read("CHANGELOG.md") == KEEP_A_CHANGELOG.replace(
        "### Fixed\n\n", f"### Fixed\n\n{new_line}\n", 1
    )
    repo.git("add", "CHANGELOG.md")
    passed = hook(postmortem)
    assert (passed.code, passed.stdout, passed.stderr) == (0, "", "")


def test_a_created_unreleased_section_gets_the_compare_link(repo: Repo, hook: HookRunner) -> None:
    released = KEEP_A_CHANGELOG.replace(
        "## [Unreleased]\n\n### Added\n\n- Export incidents as JSON.\n\n"
        "### Fixed\n\n- Login page no longer flickers.\n\n",
        "",
    ).replace(
        "[Unreleased]: https://example.com/compare/v1.0.0...HEAD\n"
        "[1.0.0]: https://example.com/releases/tag/v1.0.0\n",
        "[1.0.0]: https://github.com/shop/shop/releases/tag/v1.0.0\n",
    )
    repo.write("CHANGELOG.md", released)
    incident_id = finished_postmortem(repo)
    assert hook(stage_path(incident_id, 4)).code == 1
    assert repo.read("CHANGELOG.md") == released.replace(
        "## [1.0.0]", f"## [Unreleased]\n\n### Fixed\n\n{entry(incident_id)}\n\n## [1.0.0]"
    ).replace(
        "[1.0.0]: ",
        "[Unreleased]: https://github.com/shop/shop/compare/v1.0.0...HEAD\n[1.0.0]: ",
    )


def test_only_an_entry_gone_under_pre_commit_is_called_rolled_back(
    repo: Repo, hook: HookRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook notes (in .git) what it wrote; an entry it finds rewritten by a newer
    postmortem is no roll-back, one that vanished under pre-commit is."""
    monkeypatch.setenv("PRE_COMMIT", "1")
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)
    repo.commit_all("changelog")
    incident_id = finished_postmortem(repo)
    postmortem = stage_path(incident_id, 4)
    assert hook(postmortem).stdout == added_message(incident_id)
    assert (repo.root / ".git/incidentflow-changelog.json").is_file()

    repo.write(postmortem, repo.read(postmortem).replace("Checkout no longer", "Checkout never"))
    repo.git("add", postmortem)
    reworded = hook(postmortem)
    assert reworded.stdout == (
        f"incident-check: updated the changelog entry for {incident_id} in CHANGELOG.md; "
        "review it, `git add CHANGELOG.md` and commit again\n"
    )

    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)  # as pre-commit's roll-back leaves it
    gone = hook(postmortem)
    assert gone.code == 1
    assert gone.stdout.startswith(
        f"incident-check: the changelog entry for {incident_id} that this hook wrote to "
        "CHANGELOG.md last time is gone again: pre-commit rolled it back"
    )
    assert gone.stdout.count("\n") == 1
    repo.git("add", "CHANGELOG.md")
    assert hook(postmortem).code == 0
    assert not (repo.root / ".git/incidentflow-changelog.json").exists()  # nothing left to note
    # Once the commit carries it, the note is dropped: removing it later is no roll-back.
    repo.git("commit", "-q", "--no-verify", "-m", "postmortem")
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)
    repo.git("add", "CHANGELOG.md")
    assert hook(postmortem).stdout == added_message(incident_id)


def test_without_pre_commit_a_removed_entry_is_simply_added_again(
    repo: Repo, hook: HookRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)
    incident_id = finished_postmortem(repo)
    assert hook(stage_path(incident_id, 4)).stdout == added_message(incident_id)
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)
    assert hook(stage_path(incident_id, 4)).stdout == added_message(incident_id)


def test_a_changelog_left_in_a_merge_conflict_is_named(repo: Repo, hook: HookRunner) -> None:
    app_file(repo)
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG)
    repo.commit_all("changelog")
    repo.git("switch", "-q", "-c", "topic")
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG.replace("flickers", "flickers on Safari"))
    repo.commit_all("theirs")
    repo.git("switch", "-q", "main")
    repo.write("CHANGELOG.md", KEEP_A_CHANGELOG.replace("flickers", "flickers on load"))
    repo.commit_all("ours")
    merged = subprocess.run(["git", "merge", "-q", "topic"], cwd=repo.root, capture_output=True)
    assert merged.returncode != 0
    incident_id = finished_postmortem(repo)
    result = hook(stage_path(incident_id, 4))
    assert (result.code, result.stdout, result.stderr) == (
        2,
        "",
        "error: CHANGELOG.md: has unresolved merge conflicts; resolve them and `git add` it\n",
    )
