"""The prompt size limit holds for every part of the prompt, and the prompt says what it cut."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Repo, incident

from incidentflow.ai.prompt_fit import CUT_MARK, cut_text

ID = "2026-11-25-checkout-api-500s"
LIMIT = 24_000  # ai.max_prompt_chars by default


@pytest.fixture
def triage(repo: Repo) -> Path:
    repo.write("app/pool.py", "retries = 3\n")
    repo.commit_all("Raise pool retries", date="2026-11-25T13:30:00+00:00")
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T14:02:00Z",
        "--detected-at",
        "2026-11-25T14:09:00Z",
        "--service",
        "checkout",
    )
    assert result.exit_code == 0, result.stderr
    return repo.root / "incidents" / ID / "01-triage.md"


def _fill(path: Path, texts: dict[str, str]) -> None:
    text = path.read_text()
    for name, body in texts.items():
        at = text.rindex(f"## {name}\n")
        end = text.index("TODO", at)
        text = text[:end] + body + text[end + 4 :]
    path.write_text(text)


def _words(count: int, word: str = "timeout") -> str:
    return " ".join(f"{word}{n}" for n in range(count))


HUGE = _words(250_000)  # about 2.5 MB


@pytest.mark.parametrize("command", [("prompt",), ("draft", "--dry-run")])
def test_a_huge_current_stage_is_cut_to_the_limit(triage: Path, command: tuple[str, ...]) -> None:
    _fill(triage, {"Symptoms": HUGE, "Impact": "About 30% of checkouts fail."})
    result = incident(*command)
    assert result.exit_code == 0
    assert len(result.stdout) <= LIMIT
    kept = re.search(
        r"- the end of what is written in 01-triage\.md \(kept ([\d,]+) of ([\d,]+) characters\)\n",
        result.stdout,
    )
    assert kept is not None
    assert int(kept.group(2).replace(",", "")) > len(HUGE)
    assert result.stderr == (
        "warning: triage prompt: left out to fit the size limit: the patches of the newest "
        "recent commits; the files changed by each "
        "recent commit; the end of what is written in "
        f"01-triage.md (kept {kept.group(1)} of {kept.group(2)} characters)\n"
    )
    # The beginning stays, cut after a whole word and marked; the section after it is gone.
    assert "### Symptoms\ntimeout0 timeout1 timeout2 " in result.stdout
    assert re.search(rf"timeout\d+{re.escape(CUT_MARK)}\n", result.stdout)
    assert "About 30% of checkouts fail." not in result.stdout
    assert "## How to answer" in result.stdout  # the instructions are never what is cut


def test_a_huge_earlier_stage_is_cut_not_dropped(triage: Path) -> None:
    _fill(
        triage,
        {
            "Symptoms": HUGE,
            "Impact": "About 30% of checkouts fail.",
            "Mitigation": "Turned the retry flag off.",
            "Containment evidence": "The 5xx rate is back to its baseline.",
        },
    )
    incident("log", "flag off", "--at", "2026-11-25T14:31:00Z", "--milestone", "contained")
    assert incident("next").exit_code == 0
    result = incident("prompt")
    assert result.exit_code == 0
    assert len(result.stdout) <= LIMIT
    assert "## What the responders wrote in triage and stabilize (01-triage.md)\n" in result.stdout
    assert "### Symptoms\ntimeout0 timeout1 " in result.stdout
    assert "- the end of what was written in 01-triage.md (kept " in result.stdout
    diagnosis = (triage.parent / "02-diagnosis.md").read_text()
    assert len(diagnosis) < 2 * LIMIT  # the scaffolded file carries the fitted prompt


def test_a_huge_title_and_service_list_are_cut(repo: Repo) -> None:
    services = [f"--service=svc-{n:05d}" for n in range(4000)]
    result = incident(
        "new",
        _words(20_000, "outage"),
        "--started-at",
        "2026-11-25T14:02:00Z",
        "--detected-at",
        "2026-11-25T14:02:00Z",
        *services,
    )
    assert result.exit_code == 0, result.stderr
    assert "the end of the title (kept " in result.stderr
    assert "the end of the service list (kept " in result.stderr
    prompt = incident("prompt")
    assert len(prompt.stdout) <= LIMIT
    assert "- Title: outage0 outage1 " in prompt.stdout
    assert "- Services: svc-00000, svc-00001, " in prompt.stdout


def test_many_long_timeline_entries_are_cut(triage: Path) -> None:
    timeline = triage.parent / "timeline.md"
    entries = "".join(
        f"- 2026-11-25T14:{n:02d}:00+00:00 — {_words(2_000, f'e{n}x')} (Ana Oncall)\n"
        for n in range(30)
    )
    timeline.write_text(timeline.read_text() + entries)
    result = incident("prompt")
    assert len(result.stdout) <= LIMIT
    # 30 entries (a record written after the fact has no "opened" entry), the newest 10 kept
    assert "- the 20 oldest timeline entries\n" in result.stdout
    assert "- the end of timeline entry 1 (kept " in result.stdout


def test_a_limit_below_the_template_itself_cuts_the_end(triage: Path, repo: Repo) -> None:
    repo.write(".incident.yaml", "ai: {max_prompt_chars: 300}\n")
    result = incident("prompt")
    assert len(result.stdout) <= 300
    assert result.stdout.endswith(f"{CUT_MARK}")
    assert "the end of the prompt: its template alone is over the limit" in result.stderr


def test_a_prompt_within_the_limit_is_left_whole(triage: Path) -> None:
    result = incident("prompt")
    assert result.stderr == ""
    assert "Left out to keep this prompt short" not in result.stdout


@pytest.mark.parametrize(
    ("text", "limit", "cut"),
    [
        ("short", 10, "short"),
        ("one two three four five", 16, f"one two{CUT_MARK}"),
        ("first line\nsecond line that is long", 22, f"first line{CUT_MARK}"),
        ("x" * 40, 12, "x" * 8 + CUT_MARK),
        ("anything", 2, CUT_MARK[:2]),
    ],
)
def test_cut_text_cuts_at_a_boundary_and_marks_it(text: str, limit: int, cut: str) -> None:
    assert cut_text(text, limit) == cut
    assert len(cut_text(text, limit)) <= limit
