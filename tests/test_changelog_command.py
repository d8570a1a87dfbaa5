"""`incident changelog [--check]`: entries for finished postmortems, from the working tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo, incident
from helpers_incident import app_file, build, changelog_text, new_incident

KEEP_A_CHANGELOG = "changelog: Keep a Changelog in CHANGELOG.md (the default)\n"

RELEASED = """\
# Changelog

## [Unreleased]

## [2.0.0] - 2026-12-01

### Fixed

- Checkout fixed. <!-- incident:{id} -->
"""


def finished(repo: Repo, title: str = "Checkout API 500s", *, day: str = "2026-11-25") -> str:
    if not (repo.root / "app.py").exists():
        app_file(repo)
    incident_id = new_incident(title, day=day)
    build(repo, incident_id, through=4)
    return incident_id


def line_for(incident_id: str, *, severity: str = "SEV2") -> str:
    return (
        f"- {changelog_text(incident_id)} ({severity} incident [{incident_id}]"
        f"(incidents/{incident_id}/04-postmortem.md), {incident_id[:10]}) "
        f"<!-- incident:{incident_id} -->"
    )


def test_check_then_add_then_check(repo: Repo) -> None:
    incident_id = finished(repo)

    missing = incident("changelog", "--check")
    assert (missing.exit_code, missing.stdout, missing.stderr) == (
        1,
        f"CHANGELOG.md: missing the entry for {incident_id}\n",
        "",
    )
    assert not (repo.root / "CHANGELOG.md").exists()

    added = incident("changelog")
    assert (added.exit_code, added.stdout) == (
        0,
        f"CHANGELOG.md: added the entry for {incident_id}\n",
    )
    assert repo.read("CHANGELOG.md").endswith(
        f"## [Unreleased]\n\n### Fixed\n\n{line_for(incident_id)}\n"
    )
    assert repo.read("CHANGELOG.md").startswith("# Changelog\n")

    checked = incident("changelog", "--check")
    assert (checked.exit_code, checked.stdout, checked.stderr) == (0, "", "")

    before = (repo.root / "CHANGELOG.md").read_bytes()
    again = incident("changelog")
    assert (again.exit_code, again.stdout, again.stderr) == (
        0,
        "",
        KEEP_A_CHANGELOG + "CHANGELOG.md is up to date\n",
    )
    assert (repo.root / "CHANGELOG.md").read_bytes() == before


def test_unfinished_postmortems_need_no_entry(repo: Repo) -> None:
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=4, last_complete=False)
    assert incident("changelog", "--check").exit_code == 0
    result = incident("changelog")
    assert (result.exit_code, result.stderr) == (
        0,
        KEEP_A_CHANGELOG + "CHANGELOG.md is up to date\n",
    )
    assert not (repo.root / "CHANGELOG.md").exists()


def test_released_entry_counts_as_present(repo: Repo) -> None:
    incident_id = finished(repo)
    repo.write("CHANGELOG.md", RELEASED.format(id=incident_id))
    note = (
        f"CHANGELOG.md:9: the entry for {incident_id} is released under 2.0.0 and stays as it "
        "is, though its postmortem's Changelog entry now reads differently\n"
    )
    checked = incident("changelog", "--check")
    assert (checked.exit_code, checked.stdout, checked.stderr) == (0, "", note)
    result = incident("changelog")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == KEEP_A_CHANGELOG + note + "CHANGELOG.md is up to date\n"
    assert repo.read("CHANGELOG.md") == RELEASED.format(id=incident_id)


def test_an_edited_entry_is_drift_until_its_unreleased_line_is_rewritten(repo: Repo) -> None:
    incident_id = finished(repo)
    assert incident("changelog").exit_code == 0
    postmortem = f"incidents/{incident_id}/04-postmortem.md"
    reworded = "Checkout no longer fails on carts a coupon emptied."
    repo.write(postmortem, repo.read(postmortem).replace(changelog_text(incident_id), reworded))
    line = repo.read("CHANGELOG.md").splitlines().index(line_for(incident_id)) + 1

    drift = incident("changelog", "--check")
    assert (drift.exit_code, drift.stdout) == (
        1,
        f"CHANGELOG.md:{line}: the entry for {incident_id} differs from its postmortem: "
        f'text "{changelog_text(incident_id)}" is now "{reworded}"\n',
    )
    fixed = incident("changelog")
    assert (fixed.exit_code, fixed.stdout) == (
        0,
        f"CHANGELOG.md:{line}: updated the entry for {incident_id} to match its postmortem\n",
    )
    assert repo.read("CHANGELOG.md").splitlines()[line - 1] == line_for(incident_id).replace(
        changelog_text(incident_id), reworded
    )
    assert incident("changelog", "--check").exit_code == 0


def test_several_missing_entries_newest_first(repo: Repo) -> None:
    older = finished(repo, "Checkout API 500s", day="2026-11-25")
    newer = finished(repo, "Search index stale", day="2026-12-02")
    repo.write("CHANGELOG.md", "# Changelog\n\n## [1.0.0] - 2026-10-01\n\n- First.\n")

    missing = incident("changelog", "--check")
    assert missing.exit_code == 1
    assert sorted(missing.stdout.splitlines()) == [
        f"CHANGELOG.md: missing the entry for {older}",
        f"CHANGELOG.md: missing the entry for {newer}",
    ]
    assert incident("changelog").exit_code == 0
    assert repo.read("CHANGELOG.md") == (
        "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n"
        f"{line_for(newer)}\n{line_for(older)}\n\n"
        "## [1.0.0] - 2026-10-01\n\n- First.\n"
    )


def test_changelog_in_a_subdirectory_links_back_to_the_postmortem(repo: Repo) -> None:
    repo.write(".incident.yaml", "changelog: docs/CHANGELOG.md\n")
    incident_id = finished(repo)
    result = incident("changelog")
    assert result.stdout == f"docs/CHANGELOG.md: added the entry for {incident_id}\n"
    assert f"](../incidents/{incident_id}/04-postmortem.md)" in repo.read("docs/CHANGELOG.md")


def test_changelog_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = incident("changelog", "--check")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: not inside a git repository — run this from your repo, or run `git init` first\n",
    )


def test_unreadable_changelog_is_one_clear_error(repo: Repo) -> None:
    finished(repo)
    (repo.root / "CHANGELOG.md").mkdir()
    for args in (["changelog"], ["changelog", "--check"]):
        result = incident(*args)
        assert (result.exit_code, result.stderr) == (
            2,
            "error: CHANGELOG.md: cannot read: Is a directory\n",
        )


def test_text_put_before_an_entry_is_drift_too(repo: Repo) -> None:
    """The line as written counts only after nothing but its bullet."""
    incident_id = finished(repo)
    assert incident("changelog").exit_code == 0
    text = repo.read("CHANGELOG.md")
    repo.write(
        "CHANGELOG.md",
        text.replace(line_for(incident_id), "- Reviewer: " + line_for(incident_id)[2:]),
    )
    drift = incident("changelog", "--check")
    assert drift.exit_code == 1
    assert f"the entry for {incident_id} differs from its postmortem: text " in drift.stdout
    assert incident("changelog").exit_code == 0
    assert repo.read("CHANGELOG.md") == text


def test_a_changelog_with_conflict_markers_is_left_for_a_person(repo: Repo) -> None:
    incident_id = finished(repo)
    conflicted = (
        "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n<<<<<<< HEAD\n- Ours.\n=======\n"
        "- Theirs.\n>>>>>>> topic\n"
    )
    repo.write("CHANGELOG.md", conflicted)
    result = incident("changelog")
    assert (result.exit_code, result.stdout, result.stderr.splitlines()[-1]) == (
        2,
        "",
        "error: CHANGELOG.md:7: has merge conflict markers; resolve them, then add the entry "
        "(commit again, or run `incident changelog`)",
    )
    assert repo.read("CHANGELOG.md") == conflicted
    assert (
        incident("changelog", "--check").stdout
        == f"CHANGELOG.md: missing the entry for {incident_id}\n"
    )
