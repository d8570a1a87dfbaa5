"""Repository context in prompts: excerpts, suspect commits, redaction, and the size cap."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo, incident

from incidentflow.ai.redaction import REDACTED

ID = "2026-11-25-checkout-api-500s"


@pytest.fixture
def opened(repo: Repo) -> Path:
    repo.write("app/pool.py", "".join(f"line {n}\n" for n in range(1, 201)))
    repo.write("app/logo.png", "\x89PNG\r\n\x1a\n\x00\x00binary")
    first = repo.commit_all("add pool", date="2026-11-24T10:00:00+00:00")
    repo.write("app/pool.py", "".join(f"new {n}\n" for n in range(1, 201)))
    repo.commit_all("Raise pool retries", date="2026-11-25T13:30:00+00:00")
    (repo.root / "first.sha").write_text(first)
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T14:02:00Z",
        "--detected-at",
        "2026-11-25T14:09:00Z",
    )
    assert result.exit_code == 0
    return repo.root / "incidents" / ID


def test_triage_lists_the_files_each_suspect_commit_changed(opened: Path) -> None:
    prompt = incident("prompt").stdout
    assert "| Raise pool retries\n    - app/pool.py\n" in prompt


def test_excerpt_at_head_and_at_an_older_revision(opened: Path, repo: Repo) -> None:
    head = incident("prompt", "--with-file", "app/pool.py:50-52").stdout
    assert "### app/pool.py:45-57 @ HEAD\n" in head
    assert "50 | new 50\n" in head and "57 | new 57\n" in head and "58 | new 58" not in head
    first = (repo.root / "first.sha").read_text()
    old = incident("prompt", "--with-file", "app/pool.py:3", "--rev", first).stdout
    assert f"### app/pool.py:1-8 @ {first}\n" in old
    assert "3 | line 3\n" in old


def test_excerpts_are_capped(opened: Path, repo: Repo) -> None:
    repo.write(".incident.yaml", "ai: {excerpt_lines: 10}\n")
    prompt = incident("prompt", "--with-file", "app/pool.py").stdout
    assert "### app/pool.py:1-10 @ HEAD (cut to the first lines)\n" in prompt
    assert "11 | new 11" not in prompt


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("../outside.py", "error: path '../outside.py' points outside the repository\n"),
        ("/etc/passwd", "error: path '/etc/passwd' must be relative to the repository root\n"),
    ],
)
def test_paths_outside_the_repository_are_refused(opened: Path, spec: str, message: str) -> None:
    result = incident("prompt", "--with-file", spec)
    assert result.exit_code == 2
    assert result.stderr == message


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("app/none.py", "--with-file app/none.py: app/none.py does not exist at HEAD"),
        ("app/logo.png", "--with-file app/logo.png: app/logo.png is a binary file"),
        ("app", "--with-file app: app is a directory at HEAD"),
        ("app/pool.py:999", "app/pool.py has 200 lines at HEAD; line 999 does not exist"),
        ("app/pool.py:150-260", "app/pool.py has 200 lines at HEAD; lines 150-260 do not exist"),
    ],
)
def test_a_named_file_that_is_not_there_is_an_error(opened: Path, spec: str, message: str) -> None:
    result = incident("prompt", "--with-file", spec)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_paths_the_stage_files_name_are_skipped_when_missing(opened: Path) -> None:
    triage = opened / "01-triage.md"
    text = triage.read_text()
    at = text.rindex("## Symptoms\n")
    end = text.index("TODO", at)
    triage.write_text(text[:end] + "Errors come from `app/gone.py:3`." + text[end + 4 :])
    result = incident("prompt", "--stage", "diagnosis")
    assert result.exit_code == 0, result.stderr
    assert "Errors come from `app/gone.py:3`." in result.stdout  # the triage, quoted
    assert "### app/gone.py" not in result.stdout  # but no excerpt of what is not there


def test_diagnosis_prompt_carries_excerpts_named_in_triage(opened: Path, repo: Repo) -> None:
    triage = opened / "01-triage.md"
    text = triage.read_text()
    for name, body in {
        "Symptoms": "Errors come from `app/pool.py:120`.",
        "Impact": "30% of checkouts.",
        "Mitigation": "Flag retry_v2 turned off.",
        "Containment evidence": "The error graph is flat.",
    }.items():
        at = text.rindex(f"## {name}\n")
        end = text.index("TODO", at)
        text = text[:end] + body + text[end + 4 :]
    triage.write_text(text)
    incident("log", "flag off", "--at", "2026-11-25T14:31:00Z", "--milestone", "contained")
    assert incident("next").exit_code == 0
    prompt = incident("prompt").stdout
    assert "### app/pool.py:115-125 @ HEAD\n" in prompt
    assert "## Suspect commits (the 24 hours before the start): what each changed\n" in prompt
    assert "    - app/pool.py (+200 -200)\n" in prompt


def test_secrets_in_stage_text_are_redacted_and_reported(opened: Path) -> None:
    triage = opened / "01-triage.md"
    text = triage.read_text()
    at = text.rindex("## Symptoms\n")
    end = text.index("TODO", at)
    triage.write_text(text[:end] + "Logs show password=hunter2 in the DSN." + text[end + 4 :])
    result = incident("prompt")
    assert "hunter2" not in result.stdout
    assert f"Logs show password={REDACTED} in the DSN." in result.stdout
    assert result.stderr.startswith(
        "warning: triage prompt: redacted 1 line(s) that look like credentials (prompt lines "
    )


def test_oversized_context_is_trimmed_and_the_prompt_says_so(opened: Path, repo: Repo) -> None:
    files = ("--with-file", "app/pool.py:10", "--with-file", "app/pool.py:150")
    full = incident("prompt", *files).stdout
    cap = len(full) - 100
    repo.write(".incident.yaml", f"ai: {{max_prompt_chars: {cap}}}\n")
    result = incident("prompt", *files)
    assert len(result.stdout) <= cap
    assert "### app/pool.py:5-15 @ HEAD" in result.stdout
    assert (
        "## Left out to keep this prompt short\n- excerpt app/pool.py:145-155 @ HEAD\n"
        in result.stdout
    )
    assert (
        "warning: triage prompt: left out to fit the size limit: excerpt app/pool.py:145-155 @ HEAD"
        in result.stderr
    )
