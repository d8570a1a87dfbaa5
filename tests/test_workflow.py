"""Walk one incident through all four stages with the CLI, as a responder would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Repo, incident

TRIAGE = {
    "Symptoms": "HTTP 500 on POST /checkout since 14:02 UTC; p99 latency 12 s.",
    "Impact": "About 30% of checkouts failed for 38 minutes, all regions.",
    "Mitigation": "Turned flag `payments.retry_v2` off at 14:31 UTC.",
    "Containment evidence": "5xx rate back to 0.1% by 14:36 on the checkout dashboard.",
}
DIAGNOSIS = {
    "Failing path": "The handler takes a pool connection at `app/pool.py:2` and holds it while "
    "`app/pay.py:1-2` retries the provider.",
    "Trigger": "The payment provider slowed to 9 s per call at 14:00.",
    "Root cause": "Retries ran while holding a database connection, so the pool ran dry.",
    "Evidence": "Pool wait time graph; logs show `PoolTimeout` after 14:02.",
}
SUMMARY = {
    "What happened": "Checkout failed for some customers because a slow payment provider made "
    "our service hold database connections too long.",
    "When": "14:02 to 14:36 UTC on 25 November 2026.",
    "Who was affected": "About 30% of customers trying to pay.",
    "How it was contained": "We switched off the new retry behaviour.",
}
POSTMORTEM = {
    "Summary": "Checkout failed for 34 minutes.",
    "Impact": "30% of checkouts failed.",
    "Timeline": "- 14:02 — errors start\n- 14:31 — flag off",
    "Root cause": "Connections held across retries.",
    "Trigger": "A slow payment provider.",
    "Resolution": "Flag off; then release the connection before calling the provider.",
    "Detection": "Alert on 5xx after 7 minutes.",
    "Action items": "| Action | Owner | Due | Type |\n|---|---|---|---|\n"
    "| Release connection before provider call | ana | 2026-12-01 | prevent |",
    "Lessons learned": "Retries need a budget.",
    "Changelog entry": "Fixed checkout failures when the payment provider is slow.",
}


def fill(path: Path, sections: dict[str, str]) -> None:
    """Replace the TODO placeholder under each named section."""
    text = path.read_text(encoding="utf-8")
    for name, body in sections.items():
        if (
            name == "Timeline"
            and f"## {name}\n\n<!-- Key times in order, with timezone. -->\nTODO" not in text
        ):
            continue  # the postmortem starts with the assembled timeline already in place
        if name == "Action items":
            text = re.sub(
                r"(## Action items\n\n<!--[^>]*-->\n)\| Action.*?\n\| ?-.*?\n",
                rf"\g<1>{body}\n",
                text,
                flags=re.S,
            )
            continue
        text, count = re.subn(
            rf"(## {re.escape(name)}\n\n<!--[^>]*-->\n)TODO",
            lambda m, body=body: m.group(1) + body,  # type: ignore[misc]
            text,
            flags=re.S,
        )
        assert count == 1, name
    path.write_text(text, encoding="utf-8")


def set_time(repo: Repo, incident_dir: Path, key: str, value: str) -> None:
    meta = incident_dir / "incident.yaml"
    meta.write_text(re.sub(rf"(?m)^{key}: .*$", f'{key}: "{value}"', meta.read_text()))


@pytest.fixture
def started(repo: Repo) -> Path:
    repo.write("app/pool.py", "def get():\n    return conn\n")
    repo.write("app/pay.py", "for attempt in range(5):\n    call()\n")
    repo.commit_all("app", date="2026-11-25T13:00:00+00:00")
    result = incident(
        "new",
        "Checkout API 500s",
        "--severity",
        "SEV2",
        "--service",
        "checkout",
        "--started-at",
        "2026-11-25T14:02:00+00:00",
        "--detected-at",
        "2026-11-25T14:09:00+00:00",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "incidents/2026-11-25-checkout-api-500s\n"
    return repo.root / "incidents" / "2026-11-25-checkout-api-500s"


def test_next_refuses_until_each_goal_is_met_then_scaffolds(repo: Repo, started: Path) -> None:
    rel = "incidents/2026-11-25-checkout-api-500s"
    refused = incident("next")
    assert refused.exit_code == 1
    lines = refused.stderr.splitlines()
    assert lines[0] == (
        "2026-11-25-checkout-api-500s: triage does not meet its goal yet, "
        "so diagnosis cannot start (5 to fix; --override can start it anyway)"
    )
    triage_text = (started / "01-triage.md").read_text().splitlines()
    for name in TRIAGE:
        # The last match: the prompt block above quotes the headings too.
        line = len(triage_text) - triage_text[::-1].index(f"## {name}")
        assert f'{rel}/01-triage.md:{line}: section "{name}" is not filled in' in lines
    assert (
        f"{rel}/incident.yaml:12: contained_at is not set (triage needs the incident contained: "
        "incident log --milestone contained TEXT)" in lines
    )
    assert not (started / "02-diagnosis.md").exists()

    fill(started / "01-triage.md", TRIAGE)
    set_time(repo, started, "contained_at", "2026-11-25T14:36:00+00:00")
    result = incident("next")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{rel}/02-diagnosis.md\n"

    assert incident("next").exit_code == 1
    fill(started / "02-diagnosis.md", DIAGNOSIS)
    assert incident("next").stdout == f"{rel}/03-summary.md\n"
    fill(started / "03-summary.md", SUMMARY)
    assert incident("next").stdout == f"{rel}/04-postmortem.md\n"
    postmortem = (started / "04-postmortem.md").read_text()
    timeline = postmortem[postmortem.rindex("## Timeline") :]
    assert "| Time | Event | Source |" in timeline
    assert "| 2026-11-25T14:36:00+00:00 | **Contained** | incident.yaml |" in timeline
    assert "```mermaid\ngantt\n" in timeline

    fill(started / "04-postmortem.md", POSTMORTEM)
    refused = incident("next")
    assert refused.exit_code == 1
    assert "resolved_at is not set" in refused.stderr
    # Logging the milestone draws the postmortem's generated timeline again.
    logged = incident(
        "log", "fix deployed", "--milestone", "resolved", "--at", "2026-11-26T10:00:00+00:00"
    )
    assert logged.exit_code == 0, logged.stderr
    assert "**Resolved:** fix deployed" in (started / "04-postmortem.md").read_text()
    # The only incident, though closed, is still the one meant when none is named.
    assert "nothing to scaffold" in incident("next").stderr
    done = incident("next", "checkout-api")
    assert done.exit_code == 1
    assert "the postmortem is the last stage and meets its goal; nothing to scaffold" in done.stderr
    assert incident("check", "--all").exit_code == 0
    listed = incident("list", "--json")
    assert '"status": "closed"' in listed.stdout


def test_next_never_overwrites(repo: Repo, started: Path) -> None:
    fill(started / "01-triage.md", TRIAGE)
    set_time(repo, started, "contained_at", "2026-11-25T14:36:00+00:00")
    assert incident("next").exit_code == 0
    diagnosis = started / "02-diagnosis.md"
    diagnosis.write_text("my own words\n")
    (started / "02-diagnosis.md").unlink()
    (started / "03-summary.md").write_text("---\nstage: summary\n---\nkept\n")
    refused = incident("next")
    assert refused.exit_code == 1
    assert (started / "03-summary.md").read_text() == "---\nstage: summary\n---\nkept\n"
    assert "summary comes after diagnosis, but" in refused.stderr


def test_prompts_carry_earlier_stages_verbatim(repo: Repo, started: Path) -> None:
    fill(started / "01-triage.md", TRIAGE)
    set_time(repo, started, "contained_at", "2026-11-25T14:36:00+00:00")
    assert incident("next").exit_code == 0
    prompt = incident("prompt").stdout
    for body in TRIAGE.values():
        assert body in prompt
    assert "Walk the failing code path" in prompt
    scaffolded = (started / "02-diagnosis.md").read_text()
    for body in TRIAGE.values():
        assert body in scaffolded
    assert incident("prompt", "--stage", "triage").stdout.startswith("You are a debugging partner")


def test_triage_prompt_lists_recent_commits_as_rollback_candidates(repo: Repo) -> None:
    repo.write("a.txt", "1")
    repo.commit_all("too old", date="2026-11-23T10:00:00+00:00")
    repo.write("a.txt", "2")
    sha = repo.commit_all("Raise payment retries to 5", date="2026-11-25T13:30:00+00:00")
    repo.write("a.txt", "3")
    repo.commit_all("after the start", date="2026-11-25T15:00:00+00:00")
    result = incident(
        "new",
        "Checkout down",
        "--started-at",
        "2026-11-25T14:00:00+00:00",
        "--detected-at",
        "2026-11-25T14:00:00+00:00",
    )
    assert result.exit_code == 0, result.stderr
    prompt = incident("prompt").stdout
    assert (
        f"- {sha[:12]} | Ana Oncall | 2026-11-25T13:30:00+00:00 | Raise payment retries to 5"
        in prompt
    )
    assert "too old" not in prompt and "after the start" not in prompt


def test_grounding_failures_name_the_line(repo: Repo, started: Path) -> None:
    fill(started / "01-triage.md", TRIAGE)
    set_time(repo, started, "contained_at", "2026-11-25T14:36:00+00:00")
    assert incident("next").exit_code == 0
    bad = dict(DIAGNOSIS)
    bad["Failing path"] = "Starts at `app/gone.py:3`, then `app/pool.py:99`."
    bad["Evidence"] = "Deployed in `abcdef0123`."
    fill(started / "02-diagnosis.md", bad)
    lines = (started / "02-diagnosis.md").read_text().splitlines()
    failing = next(i for i, line in enumerate(lines, 1) if "app/gone.py" in line)
    evidence = next(i for i, line in enumerate(lines, 1) if "abcdef0123" in line)
    result = incident("check")
    assert result.exit_code == 1
    rel = "incidents/2026-11-25-checkout-api-500s/02-diagnosis.md"
    assert result.stdout.splitlines() == [
        f"{rel}:{failing}: code reference `app/gone.py:3` does not exist in HEAD",
        f"{rel}:{failing}: code reference `app/pool.py:99` is past the end of app/pool.py (2 lines in HEAD)",
        f"{rel}:{evidence}: code reference `abcdef0123` is not a commit in this repository",
    ]


def test_show_and_list(repo: Repo, started: Path) -> None:
    shown = incident("show", "checkout")
    assert shown.exit_code == 0
    assert "status     active" in shown.stdout
    assert '"stage": "triage"' in incident("show", "--json").stdout
    listed = incident("list").stdout.splitlines()
    assert listed[0].split() == ["ID", "SEVERITY", "STATUS", "STAGE", "AGE", "DUE", "TITLE"]
    assert listed[1].split()[:4] == ["2026-11-25-checkout-api-500s", "SEV2", "active", "triage"]
    assert incident("list", "--severity", "SEV1").stdout.count("\n") == 1
