"""`.incident.yaml`: every key validated, errors naming the key's line."""

from __future__ import annotations

import pytest
from conftest import Repo, incident

from incidentflow.model.config import load_config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "colour: blue\n",
            ".incident.yaml:1: unknown key 'colour' (known keys: incidents_dir, changelog, "
            "timezone, severities, roles, types, recent_changes, templates_dir, ai, actions, stages)",
        ),
        (
            "timezone: Mars/Olympus\n",
            ".incident.yaml:1: unknown timezone 'Mars/Olympus'; use an IANA name like Europe/Berlin",
        ),
        (
            "recent_changes:\n  window: soon\n",
            ".incident.yaml:2: recent_changes.window must be a duration like 24h, 90m or 2d",
        ),
        (
            "recent_changes:\n  max: -1\n",
            ".incident.yaml:2: recent_changes.max must be a positive whole number",
        ),
        (
            "incidents_dir: ../elsewhere\n",
            ".incident.yaml:1: incidents_dir: path '../elsewhere' points outside the repository",
        ),
        (
            "templates_dir: /etc\n",
            ".incident.yaml:1: templates_dir: path '/etc' must be relative to the repository root",
        ),
        (
            "stages:\n  triage:\n    required_sections: Symptoms\n",
            ".incident.yaml:3: stages.triage.required_sections must be a list of section names",
        ),
        (
            "stages:\n  review: {}\n",
            ".incident.yaml:2: unknown stage 'review' (known: triage, diagnosis, summary, postmortem)",
        ),
        (
            "severities: []\n",
            ".incident.yaml:1: severities must be a non-empty list of {name, description}",
        ),
        (
            "- just\n- a list\n",
            ".incident.yaml: the configuration must be a mapping of keys to values",
        ),
        (
            "timezone: [UTC\n",
            ".incident.yaml:2: invalid YAML: expected ',' or ']', but got '<stream end>'",
        ),
    ],
)
def test_invalid_config_is_one_line_with_its_location(repo: Repo, text: str, message: str) -> None:
    repo.write(".incident.yaml", text)
    result = incident("list")
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"


def test_valid_config_changes_the_rules(repo: Repo) -> None:
    repo.write(
        ".incident.yaml",
        "# ours\nincidents_dir: ops/incidents\ntimezone: Europe/Berlin\n"
        "severities:\n  - {name: P1, description: Page}\n  - P2\n"
        "changelog: {path: docs/CHANGES.md, section: Unreleased, category: Fixed}\n"
        "stages:\n  summary:\n    max_words: {What happened: 20}\n",
    )
    config = load_config(repo.root)
    assert config.incidents_dir == "ops/incidents"
    assert config.severity_names == ("P1", "P2")
    assert config.changelog == "docs/CHANGES.md"
    assert config.stage_rules["summary"].max_words == {"What happened": 20}
    result = incident(
        "new",
        "Late night outage",
        "--severity",
        "P1",
        "--started-at",
        "2026-11-25T23:30:00Z",
        "--detected-at",
        "2026-11-25T23:30:00Z",
    )
    assert result.stdout == "ops/incidents/2026-11-26-late-night-outage\n"
    bad = incident("new", "x", "--severity", "SEV1")
    assert bad.stderr == "error: severity 'SEV1' is not one of P1, P2\n"


def test_empty_config_means_defaults(repo: Repo) -> None:
    repo.write(".incident.yaml", "# nothing yet\n")
    assert load_config(repo.root).severity_names == ("SEV1", "SEV2", "SEV3", "SEV4")


def test_the_hook_reads_a_set_up_configuration_without_ruamel(repo: Repo) -> None:
    """`incident init`'s commented defaults, with the keys people set in them: the commit
    path reads them with the exact small parser, not by importing ruamel.yaml."""
    import subprocess
    import sys

    from incidentflow.workflow.setup import DEFAULT_CONFIG

    repo.write(
        ".incident.yaml",
        DEFAULT_CONFIG
        + "timezone: Europe/Berlin   # where the team is\n"
        + "changelog: docs/CHANGES.md\n"
        + "recent_changes: {window: 48h, max: 10}\n"
        + "ai:\n  model: gpt-4o-mini\n",
    )
    config = load_config(repo.root)
    assert (config.timezone, config.changelog, config.recent_max) == (
        "Europe/Berlin",
        "docs/CHANGES.md",
        10,
    )
    assert config.ai_model == "gpt-4o-mini"
    incident("new", "Checkout 500s", "--started-at", "-1h")
    triage = next((repo.root / "incidents").iterdir()) / "01-triage.md"
    repo.git("add", "-A")
    run = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "incidentflow",
            "hook",
            str(triage.relative_to(repo.root)),
        ],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    imported = {line.split("|")[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    assert not {name for name in imported if name.startswith(("ruamel", "click", "git", "jinja2"))}
    assert "incidentflow.workflow.hook" in imported


def test_a_wrong_value_read_by_the_small_parser_still_names_its_line(repo: Repo) -> None:
    repo.write(
        ".incident.yaml", "# team settings\ntimezone: Europe/Berlin\nrecent_changes: {window: 5w}\n"
    )
    result = incident("list")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: .incident.yaml:3: recent_changes.window must be a duration like 24h, 90m or 2d\n"
    )
