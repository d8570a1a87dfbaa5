"""No secret leaves the machine: prompts, scaffolded stage files and drafts are redacted.

A secret sits in a commit message, in a file passed with --with-file, in a file the triage
names, in stage sections and in --system; it must never appear in stdout, stderr, a stage
file or what the model (llm's offline `echo`) received.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo, incident
from helpers_example import copy_example

from incidentflow.ai.redaction import REDACTED

ID = "2026-11-25-checkout-api-500s"
# Provider-format values are assembled here so that no complete key is written in the tree.
STRIPE_KEY = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
DB_PASSWORD = "Zk3fL9qW2xV7nB4m"
SETTINGS_PASSWORD = "q8Rt2vLm9XwN4bYs"
JSON_TOKEN = "tK7nP2xQ9mV4wR8sL3yB6zD1"
SECTION_BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMifQ.c2lnbmF0dXJlMTIzNDU2"
SYSTEM_TOKEN = "mN4bV7cX2zL9kJ5h"
SECRETS = (STRIPE_KEY, DB_PASSWORD, SETTINGS_PASSWORD, JSON_TOKEN, SECTION_BEARER, SYSTEM_TOKEN)


@pytest.fixture
def leaky(repo: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An incident whose repository and triage hold secrets; returns the triage file."""
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm-home"))
    repo.write(
        "config/settings.py",
        "DATABASES = {\n    'default': {\n        'USER': 'shop',\n"
        f"        'PASSWORD': '{SETTINGS_PASSWORD}',\n    }}\n}}\n",
    )
    repo.write("config/client.json", json.dumps({"endpoint": "/v1", "token": JSON_TOKEN}) + "\n")
    repo.commit_all("add settings", date="2026-11-24T10:00:00+00:00")
    repo.write("app/pool.py", "retries = 3\n")
    repo.commit_all(
        f"Hotfix payments: STRIPE_SECRET_KEY={STRIPE_KEY} and db password={DB_PASSWORD}",
        date="2026-11-25T13:30:00+00:00",
    )
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T14:02:00Z",
        "--detected-at",
        "2026-11-25T14:09:00Z",
    )
    assert result.exit_code == 0, result.stderr
    yield repo.root / "incidents" / ID / "01-triage.md"


def _write_section(path: Path, name: str, body: str) -> None:
    text = path.read_text()
    at = text.rindex(f"## {name}\n")
    end = text.index("TODO", at)
    path.write_text(text[:end] + body + text[end + 4 :])


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_the_scaffolded_triage_carries_the_redacted_commit_message(leaky: Path) -> None:
    text = leaky.read_text()
    _assert_no_secret(text)
    assert f"Hotfix payments: STRIPE_SECRET_KEY={REDACTED} and db password={REDACTED}" in text


def test_incident_new_reports_the_redaction(repo: Repo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit_all(f"token={JSON_TOKEN}", date="2026-11-25T13:30:00+00:00")
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T14:02:00Z",
        "--detected-at",
        "2026-11-25T14:02:00Z",
    )
    assert result.exit_code == 0
    assert result.stderr.startswith(
        "warning: 01-triage.md: redacted 1 line(s) that look like credentials (prompt lines "
    )
    _assert_no_secret(result.stdout, result.stderr)


def test_incident_prompt_redacts_commits_excerpts_and_sections(leaky: Path) -> None:
    _write_section(leaky, "Symptoms", f"Replayed with Authorization: Bearer {SECTION_BEARER}")
    result = incident(
        "prompt", "--with-file", "config/settings.py", "--with-file", "config/client.json"
    )
    assert result.exit_code == 0
    _assert_no_secret(result.stdout, result.stderr)
    assert f"        'PASSWORD': '{REDACTED}'," in result.stdout
    assert f'"token": "{REDACTED}"' in result.stdout
    assert f"Authorization: Bearer {REDACTED}" in result.stdout
    assert re.match(
        r"warning: triage prompt: redacted 4 line\(s\) that look like credentials "
        r"\(prompt lines \d+, \d+, \d+, \d+\)\n$",
        result.stderr,
    )


def test_the_warning_names_the_prompt_lines_that_carry_a_redaction(leaky: Path) -> None:
    result = incident("prompt")
    numbers = re.search(r"prompt lines ([\d, ]+)\)", result.stderr)
    assert numbers is not None
    lines = result.stdout.split("\n")
    for number in numbers.group(1).split(", "):
        assert REDACTED in lines[int(number) - 1]


def test_what_the_model_receives_is_redacted(leaky: Path) -> None:
    _write_section(leaky, "Impact", f"Seen with DB_PASSWORD={DB_PASSWORD} in the logs.")
    result = incident(
        "draft",
        "-m",
        "echo",
        "--with-file",
        "config/settings.py",
        "--system",
        f"You may call the API with token={SYSTEM_TOKEN}.",
    )
    assert result.exit_code == 0, result.stderr
    stage_file = leaky.read_text()  # it still holds what the responder wrote, of course
    (block,) = re.findall(
        r"<!-- ai-draft model=echo at=\S+ -->\n(.*?)\n<!-- /ai-draft -->", stage_file, re.S
    )
    _assert_no_secret(result.stdout, result.stderr, block)
    received = json.loads(block.replace("&lt;!--", "<!--").replace("--&gt;", "-->"))
    assert received["system"] == f"You may call the API with token={REDACTED}."
    assert f"        'PASSWORD': '{REDACTED}'," in received["prompt"]
    assert f"Seen with DB_PASSWORD={REDACTED} in the logs." in received["prompt"]
    assert "warning: --system: redacted 1 line(s) that look like credentials\n" in result.stderr


def test_the_dry_run_shows_the_redacted_prompt(leaky: Path) -> None:
    result = incident("draft", "--dry-run", "--with-file", "config/client.json")
    assert result.exit_code == 0
    _assert_no_secret(result.stdout, result.stderr)
    assert f'"token": "{REDACTED}"' in result.stdout


def test_incident_next_scaffolds_a_redacted_diagnosis(leaky: Path, repo: Repo) -> None:
    for name, body in {
        "Symptoms": f"Errors come from `config/settings.py:4`; the DSN had password={DB_PASSWORD}.",
        "Impact": "About 30% of checkouts failed.",
        "Mitigation": "Turned the retry flag off.",
        "Containment evidence": "The 5xx rate is back to its baseline.",
    }.items():
        _write_section(leaky, name, body)
    incident("log", "flag off", "--at", "2026-11-25T14:31:00Z", "--milestone", "contained")
    result = incident("next")
    assert result.exit_code == 0, result.stderr
    diagnosis = (leaky.parent / "02-diagnosis.md").read_text()
    _assert_no_secret(result.stdout, result.stderr, diagnosis)
    assert f"the DSN had password={REDACTED}." in diagnosis  # triage carried forward
    assert f"4 |         'PASSWORD': '{REDACTED}'," in diagnosis  # the excerpt it names


def test_a_private_key_cut_by_the_excerpt_is_still_redacted(repo: Repo) -> None:
    body = ["MIIEow" + "A1b2C3d4" * 7, *(["Z9y8X7w6" * 8] * 20), "Q" * 30 + "=="]
    repo.write(
        "deploy/key.pem",
        "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END RSA PRIVATE KEY-----\n",
    )
    repo.commit_all("add key", date="2026-11-24T10:00:00+00:00")
    assert (
        incident(
            "new",
            "Checkout API 500s",
            "--started-at",
            "2026-11-25T14:02:00Z",
            "--detected-at",
            "2026-11-25T14:02:00Z",
        ).exit_code
        == 0
    )
    # Lines 12 to 16 of the file, shown as 7 to 21 with context: no BEGIN line among them.
    result = incident("prompt", "--with-file", "deploy/key.pem:12-16")
    assert result.exit_code == 0
    assert "Z9y8X7w6" not in result.stdout
    assert "### deploy/key.pem:7-21 @ HEAD\n" in result.stdout
    assert "\n 7 | \n" in result.stdout and "\n21 | \n" in result.stdout


@pytest.mark.parametrize(
    ("stage", "section"),
    [
        ("triage", "Symptoms"),
        ("diagnosis", "Failing path"),
        ("summary", "What happened"),
        ("postmortem", "Summary"),
    ],
)
def test_every_stage_prompt_is_redacted(repo: Repo, stage: str, section: str) -> None:
    incident_id = copy_example(repo)
    stage_files = sorted((repo.root / "incidents" / incident_id).glob("0*.md"))
    path = next(p for p in stage_files if p.name.endswith(f"-{stage}.md"))
    text = path.read_text()
    at = text.index(f"\n## {section}\n", text.index("</details>")) + len(section) + 5
    path.write_text(
        text[:at] + f'\nThe replayed call sent {{"password": "{DB_PASSWORD}"}}.\n' + text[at:]
    )
    result = incident("prompt", incident_id, "--stage", stage)
    assert result.exit_code == 0, result.stderr
    _assert_no_secret(result.stdout, result.stderr)
    assert f'The replayed call sent {{"password": "{REDACTED}"}}.' in result.stdout


@pytest.mark.parametrize("stage", ["triage", "diagnosis", "summary", "postmortem"])
def test_the_worked_example_has_nothing_to_redact(repo: Repo, stage: str) -> None:
    incident_id = copy_example(repo)
    result = incident("prompt", incident_id, "--stage", stage)
    assert result.exit_code == 0
    assert "redacted" not in result.stderr
    assert REDACTED not in result.stdout
