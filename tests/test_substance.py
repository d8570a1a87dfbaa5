"""A goal is met by substance, not by placeholder: what fills a section, a row, an entry."""

from __future__ import annotations

import pytest
from conftest import HookRunner, Repo, incident
from helpers_incident import (
    advance,
    app_file,
    build,
    complete,
    new_incident,
    set_meta,
    stage_path,
)

GUIDANCE = "Blast radius: who and what is affected, since when, how badly."


def section_set(repo: Repo, relpath: str, title: str, body: str) -> int:
    """Replace the body of section ``title`` (the stage's own, not the prompt's quote)."""
    text = repo.read(relpath)
    at = text.rindex(f"## {title}\n")
    end = text.find("\n## ", at + 1)
    end = len(text) if end == -1 else end + 1
    repo.write(relpath, text[:at] + f"## {title}\n\n{body}\n\n" + text[end:])
    return text[:at].count("\n") + 1


@pytest.fixture
def triaged(repo: Repo) -> str:
    """A finished triage under a started diagnosis: the triage is held to its whole goal."""
    app_file(repo)
    incident_id = new_incident()
    complete(repo, incident_id, "01-triage.md")
    advance(incident_id)
    return incident_id


SYMPTOMS = "500s on POST /checkout, p99 12 s."


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("asdf", 'holds only a placeholder ("asdf"); write what is known'),
        ("see above", 'holds only a placeholder ("see above"); write what is known'),
        ("Same as above.", 'holds only a placeholder ("Same as above."); write what is known'),
        (".", 'holds only a placeholder ("."); write what is known'),
        ("TBD", 'holds only a placeholder ("TBD"); write what is known'),
        ("**TBD**", 'holds only a placeholder ("**TBD**"); write what is known'),
        ("N/A", 'holds only a placeholder ("N/A"); write what is known'),
        ("- n/a", 'holds only a placeholder ("- n/a"); write what is known'),
        ("TODO: fill in", 'holds only a placeholder (": fill in"); write what is known'),
        ("_TODO_", 'holds only a placeholder ("_TODO_"); write what is known'),
        ("none yet", 'holds only a placeholder ("none yet"); write what is known'),
        ("?", 'holds only a placeholder ("?"); write what is known'),
        ("-", 'holds only a placeholder ("-"); write what is known'),
        ("...", 'holds only a placeholder ("..."); write what is known'),
        (
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.",
            'holds only a placeholder ("Lorem ipsum dolor sit amet, consectetur …"); '
            "write what is known",
        ),
        (
            "[dashboard](https://grafana.example.com/d/checkout)",
            "is only a link or code with nothing said about it",
        ),
        (
            "https://grafana.example.com/d/checkout",
            "is only a link or code with nothing said about it",
        ),
        ("`checkout_errors_total`", "is only a link or code with nothing said about it"),
        (GUIDANCE, "only repeats its guidance; answer it"),
        (SYMPTOMS, 'repeats section "Symptoms" word for word'),
        ("Many users.", "has 2 words; at least 3 (stages.triage.min_words)"),
    ],
)
def test_what_does_not_fill_a_section(repo: Repo, triaged: str, body: str, problem: str) -> None:
    triage = stage_path(triaged, 1)
    section_set(repo, triage, "Symptoms", SYMPTOMS)
    line = section_set(repo, triage, "Impact", body)
    result = incident("check", triaged)
    assert result.exit_code == 1
    assert result.stdout == f'{triage}:{line}: section "Impact" {problem}\n'
    refused = incident("next", triaged)
    assert refused.exit_code == 1  # the diagnosis goes no further on it either


@pytest.mark.parametrize(
    "body",
    [
        "Rolled back web to v41.",
        "All EU customers.",
        "About 30% of checkouts failed between 14:02 and 14:31 UTC; see [the graph](https://g/x).",
        "`checkout_errors_total` rose to 40/s on every web node.",
        "TBD numbers from analytics, but every EU customer saw errors at checkout.",
    ],
)
def test_terse_real_answers_fill_a_section(repo: Repo, triaged: str, body: str) -> None:
    section_set(repo, stage_path(triaged, 1), "Impact", body)
    result = incident("check", triaged)
    assert (result.exit_code, result.stdout) == (0, "")


def test_the_latest_stage_may_hold_placeholders_while_it_is_written(repo: Repo) -> None:
    incident_id = new_incident()
    section_set(repo, stage_path(incident_id, 1), "Impact", "TBD")
    assert incident("check", incident_id).exit_code == 0  # work in progress
    assert 'section "Impact" holds only a placeholder' in incident("next", incident_id).stderr


def test_the_word_minimum_is_configured_per_section(repo: Repo, triaged: str) -> None:
    triage = stage_path(triaged, 1)
    line = section_set(repo, triage, "Impact", "All EU customers.")
    repo.write(".incident.yaml", "stages:\n  triage:\n    min_words: {Impact: 6}\n")
    assert incident("check", triaged).stdout == (
        f'{triage}:{line}: section "Impact" has 3 words; at least 6 (stages.triage.min_words)\n'
    )
    section_set(repo, triage, "Impact", "Bad.")
    repo.write(".incident.yaml", "stages:\n  triage:\n    min_words: 0\n")
    assert incident("check", triaged).exit_code == 0


# --- the action items --------------------------------------------------------------------


@pytest.fixture
def postmortem(repo: Repo) -> str:
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=4)
    assert incident("check", incident_id).exit_code == 0
    return incident_id


def set_rows(repo: Repo, incident_id: str, rows: list[str]) -> tuple[str, int]:
    path = stage_path(incident_id, 4)
    table = "| Action | Owner | Due | Type |\n|---|---|---|---|\n" + "".join(f"{r}\n" for r in rows)
    line = section_set(repo, path, "Action items", table.rstrip("\n"))
    return path, line + 4


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "| Fix | ana | 2026-12-15 | prevent |",
            'action item "Fix" needs a few words on what to do',
        ),
        (
            "| Add a pool timeout | ? | 2026-12-15 | prevent |",
            'action item "Add a pool timeout" has no owner',
        ),
        (
            "| Add a pool timeout | TBD | 2026-12-15 | prevent |",
            'action item "Add a pool timeout" has no owner',
        ),
        (
            "| Add a pool timeout | someone | 2026-12-15 | prevent |",
            'action item "Add a pool timeout" has no owner',
        ),
        (
            "| Add a pool timeout | ana | next week | prevent |",
            'action item "Add a pool timeout" has "next week"; use a date like 2026-12-31',
        ),
        (
            "| Add a pool timeout | ana | 2026-02-30 | prevent |",
            'action item "Add a pool timeout" has "2026-02-30"; use a date like 2026-12-31',
        ),
        (
            "| Add a pool timeout | ana | 2026-12-15 | cleanup |",
            'action item "Add a pool timeout" has type "cleanup"; use one of mitigate, prevent, '
            "detect, process, repair",
        ),
        (
            "| Add a pool timeout | ana | 2026-12-15 |  |",
            'action item "Add a pool timeout" has no type; use one of mitigate, prevent, detect, '
            "process, repair",
        ),
    ],
)
def test_an_action_item_needs_substance(
    repo: Repo, postmortem: str, row: str, problem: str
) -> None:
    path, line = set_rows(repo, postmortem, [row])
    # The postmortem is still being written: what is not written yet may commit so (a wrong
    # date or type may not), but the incident does not close.
    wrong = "has type" in problem or "use a date" in problem
    assert incident("check", postmortem).exit_code == (1 if wrong else 0)
    result = incident("next", postmortem)
    assert result.exit_code == 1
    assert f"{path}:{line}: {problem}\n" in result.stderr
    assert '"status": "resolved"' in incident("show", postmortem, "--json").stdout


def test_types_are_read_in_any_case_and_configured(repo: Repo, postmortem: str) -> None:
    set_rows(repo, postmortem, ["| Add a pool timeout | @ana | 2026-12-15 | Prevent |"])
    assert "nothing to scaffold" in incident("next", postmortem).stderr  # the goal is met
    repo.write(".incident.yaml", "stages:\n  postmortem:\n    action_types: [fix, watch]\n")
    assert 'has type "Prevent"; use one of fix, watch' in incident("next", postmortem).stderr


@pytest.mark.parametrize(
    ("severity", "needed"), [("SEV1", True), ("SEV2", True), ("SEV3", False), ("SEV4", False)]
)
def test_only_serious_incidents_need_a_follow_up(
    repo: Repo, postmortem: str, severity: str, needed: bool
) -> None:
    set_meta(repo, postmortem, "severity", f'"{severity}"')
    set_rows(repo, postmortem, [])
    result = incident("next", postmortem)
    assert ("nothing to scaffold" in result.stderr) != needed, result.stderr
    if needed:
        assert f"a {severity} incident needs at least one follow-up" in result.stderr
    repo.write(".incident.yaml", "stages:\n  postmortem:\n    action_items_required_for: []\n")
    assert "nothing to scaffold" in incident("next", postmortem).stderr


# --- the changelog entry -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("see above", 'holds only a placeholder ("see above")'),
        ("Fixed checkout errors.", "has 3 words; at least 5 (stages.postmortem.min_words)"),
    ],
)
def test_a_placeholder_changelog_entry_never_reaches_the_changelog(
    repo: Repo, postmortem: str, hook: HookRunner, entry: str, problem: str
) -> None:
    path = stage_path(postmortem, 4)
    section_set(repo, path, "Changelog entry", entry)
    repo.git("add", "-A")
    outcome = hook(path)
    assert (outcome.code, outcome.stdout) == (0, "")  # a postmortem still being written
    assert not (repo.root / "CHANGELOG.md").exists()
    assert incident("changelog").exit_code == 0
    assert not (repo.root / "CHANGELOG.md").exists()
    assert f'section "Changelog entry" {problem}' in incident("next", postmortem).stderr
