"""Incident types (`incident new --type`), and prompts that see what responders see: the date,
the suspects' patches, the questions to ask when nothing changed, and the postmortem's record.

All through the CLI on real git; the hook is the real one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import HookRunner, Repo, incident
from helpers_incident import (
    DAY,
    DETECTED,
    STARTED,
    app_file,
    build,
    complete,
    new_incident,
    stage_path,
)

from incidentflow.ai.redaction import REDACTED

SECURITY = """\
timezone: Europe/Berlin
types:
  security:
    description: Leaked credentials or data exposed
    runbooks:
      - https://wiki.example.com/runbooks/rotate-credentials
      - docs/runbooks/security.md
    stages:
      triage:
        required_sections: [Data exposure]
        guidance:
          Data exposure: Which data, whose, from when to when, and who could read it.
      summary:
        required_sections: [Customer communication]
        guidance:
          Customer communication: What customers are told, by whom, and when.
"""


def _new(*args: str) -> str:
    result = incident(
        "new",
        "Token in a public gist",
        "--started-at",
        DAY + STARTED,
        "--detected-at",
        DAY + DETECTED,
        *args,
    )
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip()).name


def _heading_sections(text: str) -> list[str]:
    return re.findall(r"(?m)^## (.+)$", text)


def test_a_type_adds_its_sections_runbooks_and_guidance(repo: Repo, hook: HookRunner) -> None:
    app_file(repo)
    repo.write(".incident.yaml", SECURITY)
    incident_id = _new("--type", "security", "--severity", "sev1")
    meta = repo.read(f"incidents/{incident_id}/incident.yaml")
    assert 'type: "security"' in meta or "type: security" in meta
    assert 'severity: "SEV1"' in meta or "severity: SEV1" in meta  # the alias as its name
    opened = repo.read(f"incidents/{incident_id}/timeline.md")
    assert ", as SEV1 security. Log what happened" in opened  # recorded after the fact
    assert incident("show", incident_id, "--json").stdout.count('"type": "security"') == 1
    triage = repo.read(stage_path(incident_id, 1))
    sections = _heading_sections(triage.split("</details>", 1)[1])
    assert sections.index("Symptoms") < sections.index("Data exposure")
    assert "<!-- Which data, whose, from when to when, and who could read it. -->" in triage
    intro = triage.split("<details>", 1)[0]
    assert "- https://wiki.example.com/runbooks/rotate-credentials\n" in intro
    assert "- docs/runbooks/security.md\n" in intro

    prompt = incident("prompt", incident_id).stdout
    assert "- Type: security (Leaked credentials or data exposed)\n" in prompt
    assert "## Runbooks for security incidents (open these first)\n" in prompt
    assert "- https://wiki.example.com/runbooks/rotate-credentials\n" in prompt
    assert "This is a security incident, which also needs:\n- Data exposure: Which data" in prompt
    assert "## Data exposure\n" in prompt.split("## How to answer", 1)[1]

    # Its added section is required: the stage order holds the triage to it.
    complete(repo, incident_id, "01-triage.md")
    text = repo.read(stage_path(incident_id, 1))
    start = text.rindex("## Data exposure")
    unwritten = text[:start] + "## Data exposure\n\nTODO\n"
    repo.write(stage_path(incident_id, 1), unwritten)
    refused = incident("next", incident_id)
    assert refused.exit_code == 1
    assert 'section "Data exposure" is not filled in' in refused.stderr, refused.stderr
    repo.write(stage_path(incident_id, 1), text)
    assert incident("next", incident_id).exit_code == 0
    repo.write(stage_path(incident_id, 1), unwritten)
    repo.git("add", "-A")
    blocked = hook(stage_path(incident_id, 1), stage_path(incident_id, 2))
    assert blocked.code == 1 and "Data exposure" in blocked.stdout
    repo.write(stage_path(incident_id, 1), text)
    repo.git("add", "-A")
    assert hook(stage_path(incident_id, 1), stage_path(incident_id, 2)).code == 0

    # The summary's added section comes with its stage, and its prompt asks for it.
    complete(repo, incident_id, "02-diagnosis.md")
    assert incident("next", incident_id).exit_code == 0
    summary = repo.read(stage_path(incident_id, 3))
    assert "## Customer communication" in summary
    assert "- Customer communication: What customers are told" in incident("prompt").stdout


def test_an_unknown_type_or_severity_is_refused_and_writes_nothing(repo: Repo) -> None:
    unknown = incident("new", "Token leak", "--type", "securty")
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "error: type 'securty' is not a configured incident type "
        "(none are configured: see types: in .incident.yaml)\n"
    )
    repo.write(".incident.yaml", SECURITY)
    unknown = incident("new", "Token leak", "--type", "securty")
    assert unknown.stderr == (
        "error: type 'securty' is not a configured incident type (security)\n"
    )
    bad = incident("new", "Token leak", "--severity", "SEV9")
    assert bad.exit_code == 2 and "severity 'SEV9' is not one of SEV1, SEV2" in bad.stderr
    assert not (repo.root / "incidents").exists() or not any((repo.root / "incidents").iterdir())


def test_every_prompt_says_when_now_is(repo: Repo) -> None:
    repo.write(".incident.yaml", "timezone: Europe/Berlin\n")
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=4, last_complete=False)
    for stage in ("triage", "diagnosis", "summary", "postmortem"):
        prompt = incident("prompt", incident_id, "--stage", stage).stdout
        now = re.search(
            r"^Now: \w+day (\d{4}-\d\d-\d\d), \d\d:\d\d Europe/Berlin \(UTC\+0[12]:00\)\. "
            r"The incident started on 2026-11-25: this record is written after the fact\. "
            r"Times below carry their UTC offset; the responders work in Europe/Berlin\.$",
            prompt,
            re.M,
        )
        assert now is not None, stage
        assert now.group(1) >= "2026-12-01"  # today, not the incident's day


def test_the_postmortem_prompt_shows_the_timeline_once_and_asks_for_no_generated_section(
    repo: Repo,
) -> None:
    app_file(repo)
    incident_id = new_incident()
    logged = incident("log", incident_id, "Rolled back web to v41", "--at", f"{DAY}T10:30Z")
    assert logged.exit_code == 0, logged.stderr
    build(repo, incident_id, through=4, last_complete=False)
    postmortem = repo.read(stage_path(incident_id, 4))
    assert postmortem.count("Rolled back web to v41") >= 2  # the generated table and chart
    prompt = incident("prompt", incident_id).stdout
    assert prompt.count("Rolled back web to v41") == 1
    assert (
        "| Action | Owner | Due | Type | Status |\n| --- |" not in prompt.split("## Your task")[0]
    )
    answer = prompt.split("## How to answer", 1)[1]
    assert "## Summary" in answer and "## Timeline" not in answer
    assert "- Timeline:" not in prompt
    assert "the Timeline section is generated from timeline.md: do not write it" in prompt


def test_the_postmortem_prompt_lists_roles_severity_updates_and_overrides(repo: Repo) -> None:
    app_file(repo)
    incident_id = new_incident(severity="SEV3")
    steps = [
        ("set", incident_id, "severity", "SEV1", "--reason", "every region fails"),
        ("role", incident_id, "scribe", "Bo Scribe"),
        ("role", incident_id, "commander", "Cy Lead"),
        ("update", incident_id, "Checkout is failing; rollback under way", "--next", "30m"),
        ("next", incident_id, "--override", "restore takes 18 h; diagnosis cannot wait"),
    ]
    for step in steps:
        result = incident(*step)
        assert result.exit_code == 0, (step, result.stderr)
    complete(repo, incident_id, "01-triage.md")
    complete(repo, incident_id, "02-diagnosis.md")
    assert incident("next", incident_id).exit_code == 0
    complete(repo, incident_id, "03-summary.md")
    assert incident("next", incident_id).exit_code == 0
    prompt = incident("prompt", incident_id).stdout
    record = prompt.split("## On the record", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in record.splitlines() if line.startswith("- ")]
    assert any(line.startswith("- Role scribe: Bo Scribe (") for line in lines), lines
    assert any(re.match(r"- Role commander: Ana Oncall \(start → \d{4}", line) for line in lines)
    assert any(re.match(r"- Role commander: Cy Lead \(\d{4}.* → now\)", line) for line in lines)
    assert any(
        "Severity SEV3 → SEV1 at" in line and "every region fails (Ana Oncall)" in line
        for line in lines
    )
    assert any("Checkout is failing; rollback under way" in line for line in lines)
    assert any(
        "Override at" in line and "diagnosis started before triage met its goal — restore" in line
        for line in lines
    )
    assert "- Scribe: Bo Scribe\n" in prompt  # and among the incident's facts


@pytest.fixture
def suspects(repo: Repo) -> str:
    """A repository whose last commit before the incident changed a config with a secret."""
    repo.write("app/pool.py", "".join(f"line {n}\n" for n in range(1, 41)))
    repo.write("vendor/huge.txt", "".join(f"v {n}\n" for n in range(1, 400)))
    repo.commit_all("add pool", date=f"{DAY}T08:00:00+00:00")
    repo.write("app/pool.py", repo.read("app/pool.py").replace("line 20\n", "retries = 50\n"))
    repo.write("app/settings.py", "DB_PASSWORD = 'hunter2hunter2hunter2'\n")
    repo.write("vendor/huge.txt", "".join(f"w {n}\n" for n in range(1, 400)))
    repo.commit_all("Raise pool retries", date=f"{DAY}T09:30:00+00:00")
    return new_incident()


def test_the_triage_prompt_shows_the_suspects_patches_redacted(suspects: str) -> None:
    prompt = incident("prompt", suspects).stdout
    commit = prompt.split("| Raise pool retries\n", 1)[1].split("\n## ", 1)[0]
    assert "    ```diff\n    diff --git a/app/pool.py b/app/pool.py\n" in commit
    assert "    -line 20\n    +retries = 50\n" in commit
    assert "hunter2hunter2" not in prompt
    assert REDACTED in commit and "app/settings.py" in commit
    assert "diff --git a/vendor/huge.txt" not in commit  # 798 changed lines: named, not shown
    assert "    - vendor/huge.txt\n" in commit
    assert "citing the patch where it shows the fault" in prompt


def test_patches_go_first_when_the_prompt_is_too_long(repo: Repo, suspects: str) -> None:
    full = incident("prompt", suspects)
    repo.write(".incident.yaml", f"ai: {{max_prompt_chars: {len(full.stdout) - 100}}}\n")
    fitted = incident("prompt", suspects)
    assert fitted.exit_code == 0
    assert "```diff" not in fitted.stdout
    assert "- the patches of the newest recent commits\n" in fitted.stdout
    assert "    - app/pool.py\n" in fitted.stdout  # the files each changed stay


def test_with_no_recent_change_triage_asks_what_changed_elsewhere(repo: Repo) -> None:
    repo.write("app.py", "x = 1\n")
    repo.commit_all("long ago", date="2026-10-01T08:00:00+00:00")
    prompt = incident("prompt", new_incident()).stdout
    assert "nothing in this repository to roll back" in prompt
    assert "what did an operator run, what configuration or flag changed" in prompt
    assert "rollback suspects" not in prompt
