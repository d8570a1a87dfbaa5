"""Broken `.incident.yaml` and `incident.yaml`: one line naming the place, nothing changed.

YAML 1.1 habits (`no`, `on`, unquoted dates) are read as the user meant or refused with a
message that says why; they never quietly become booleans.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo, incident
from test_hardening import (
    COMMANDS,
    META,
    MINIMAL_ARGS,
    assert_one_line,
    open_incident,
    run_module,
    snapshot,
)

from incidentflow.model.config import load_config


@pytest.fixture
def opened(repo: Repo) -> Repo:
    """A repository (no commits yet) with one incident opened at fixed times."""
    open_incident()
    return repo


KNOWN_KEYS = "incidents_dir, changelog, timezone, severities, roles, types, recent_changes, templates_dir, ai, actions, stages"

# --- .incident.yaml -------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
def test_a_broken_config_stops_every_command_with_the_same_line(repo: Repo, name: str) -> None:
    repo.write(".incident.yaml", "# ours\ntimezone: UTC\ncolour: blue\n")
    before = snapshot(repo.root)
    result = incident(name, *MINIMAL_ARGS.get(name, []))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: .incident.yaml:3: unknown key 'colour' (known keys: {KNOWN_KEYS})\n"
    )
    assert snapshot(repo.root) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("just a string\n", ".incident.yaml: the configuration must be a mapping of keys to values", id="scalar"),
        pytest.param("42\n", ".incident.yaml: the configuration must be a mapping of keys to values", id="number"),
        pytest.param("a: 1\nb: [\n", ".incident.yaml:3: invalid YAML: expected the node content, but found '<stream end>'", id="unclosed list"),
        pytest.param("timezone: 'UTC\n", ".incident.yaml:2: invalid YAML: found unexpected end of stream", id="unclosed quote"),
        pytest.param("ai:\n  model: x\n\tmax_prompt_chars: 5\n", ".incident.yaml:3: invalid YAML: found character '\\t' that cannot start any token", id="tab"),
        pytest.param("timezone: UTC\ntimezone: UTC\n", '.incident.yaml:2: invalid YAML: found duplicate key "timezone" with value "UTC" (original value: "UTC")', id="duplicate key"),
        pytest.param("incidents_dir: 42\n", ".incident.yaml:1: incidents_dir must be a non-empty string, not the number 42 (quote it)", id="dir number"),
        pytest.param("incidents_dir: ''\n", ".incident.yaml:1: incidents_dir must be a non-empty string", id="dir empty"),
        pytest.param("timezone: 5\n", ".incident.yaml:1: timezone must be a non-empty string, not the number 5 (quote it)", id="timezone number"),
        pytest.param("timezone: 12:30\n", ".incident.yaml:1: unknown timezone '12:30'; use an IANA name like Europe/Berlin", id="timezone clock"),
        pytest.param("severities: SEV1\n", ".incident.yaml:1: severities must be a non-empty list of {name, description}", id="severities string"),
        pytest.param("severities:\n  - {name: SEV1, colour: red}\n", ".incident.yaml:2: unknown key 'colour' in a severity (known: name, description, aliases, updates, postmortem)", id="severity key"),
        pytest.param("severities:\n  - {description: Page}\n", ".incident.yaml:2: severities[0] needs a name", id="severity name"),
        pytest.param("severities:\n  - SEV1\n  - SEV1\n", ".incident.yaml:1: severity names and aliases must be unique (in any case)", id="severity twice"),
        pytest.param("ai: gpt\n", ".incident.yaml:1: ai must be a mapping of keys to values", id="ai string"),
        pytest.param("ai:\n  model: 1.5\n", ".incident.yaml:2: ai.model must be a non-empty string, not the number 1.5 (quote it)", id="ai model number"),
        pytest.param("ai:\n  temperature: 1\n", ".incident.yaml:2: unknown key ai.temperature (known: model, max_prompt_chars, excerpt_lines)", id="ai key"),
        pytest.param("recent_changes:\n  max: true\n", ".incident.yaml:2: recent_changes.max must be a positive whole number", id="max bool"),
        pytest.param("recent_changes:\n  max: 2.5\n", ".incident.yaml:2: recent_changes.max must be a positive whole number", id="max float"),
        pytest.param("recent_changes:\n  window: 1:30\n", ".incident.yaml:2: recent_changes.window must be a duration like 24h, 90m or 2d", id="window clock"),
        pytest.param("recent_changes:\n  since: 1d\n", ".incident.yaml:2: unknown key recent_changes.since (known: window, max)", id="recent key"),
        pytest.param("changelog: 7\n", ".incident.yaml:1: changelog must be a mapping of keys to values", id="changelog number"),
        pytest.param("changelog:\n  path: CHANGES.md\n  colour: red\n", ".incident.yaml:3: unknown key changelog.colour (known: path, section, category, format, type)", id="changelog key"),
        pytest.param("templates_dir: [a]\n", ".incident.yaml:1: templates_dir must be a non-empty string", id="templates list"),
        pytest.param("stages: [triage]\n", ".incident.yaml:1: stages must be a mapping of keys to values", id="stages list"),
        pytest.param("stages:\n  triage: []\n", ".incident.yaml:2: stages.triage must be a mapping of keys to values", id="stage list"),
        pytest.param("stages:\n  triage:\n    max_words: {Symptoms: lots}\n", ".incident.yaml:3: stages.triage.max_words.Symptoms must be a positive whole number", id="limit word"),
        pytest.param("stages:\n  triage:\n    max_lines: 3\n", ".incident.yaml:3: unknown key stages.triage.max_lines (known: required_sections, max_words, max_chars, min_words)", id="stage key"),
    ],
)  # fmt: skip
def test_invalid_config_names_its_line(repo: Repo, text: str, message: str) -> None:
    repo.write(".incident.yaml", text)
    before = snapshot(repo.root)
    result = incident("list")
    assert (result.exit_code, result.stderr) == (2, f"error: {message}\n")
    assert snapshot(repo.root) == before


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", b"# nothing yet\n", b"~\n", b"---\n...\n", b"\xef\xbb\xbf# with a BOM\n"],
    ids=["empty", "blank lines", "comment", "null", "empty document", "bom"],
)
def test_an_empty_config_means_the_defaults(repo: Repo, data: bytes) -> None:
    (repo.root / ".incident.yaml").write_bytes(data)
    result = incident("list")
    assert (result.exit_code, result.stderr) == (0, "")
    assert load_config(repo.root).severity_names == ("SEV1", "SEV2", "SEV3", "SEV4")


def test_a_config_that_is_not_utf8_names_the_line(repo: Repo) -> None:
    (repo.root / ".incident.yaml").write_bytes(b"# Zeitzone\ntimezone: Europe/Z\xfcrich\n")
    result = incident("list")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: .incident.yaml:2: not valid UTF-8 (byte 0xfc); save the file as UTF-8\n"
    )


def test_yes_no_on_off_are_words_in_the_config(repo: Repo) -> None:
    repo.write(
        ".incident.yaml",
        "severities: [yes, no, on, off]\nai:\n  model: off\nincidents_dir: on\n",
    )
    config = load_config(repo.root)
    assert config.severity_names == ("yes", "no", "on", "off")
    assert config.ai_model == "off"
    assert config.incidents_dir == "on"
    result = incident(
        "new",
        "Flag flip",
        "--severity",
        "no",
        "--started-at",
        "2026-11-25T10:00Z",
        "--detected-at",
        "2026-11-25T10:00Z",
    )
    assert (result.exit_code, result.stdout) == (0, "on/2026-11-25-flag-flip\n")
    assert incident("check").exit_code == 0


def test_an_unquoted_date_as_changelog_section_is_read_as_meant_or_refused_clearly(
    repo: Repo,
) -> None:
    repo.write(".incident.yaml", "changelog:\n  section: 2026-01-01\n")
    result = incident("list")
    if result.exit_code == 0:
        assert load_config(repo.root).changelog_section == "2026-01-01"
    else:
        assert result.exit_code == 2
        assert_one_line(result.stderr)
        assert result.stderr.startswith("error: .incident.yaml:2: changelog.section ")
        assert "2026-01-01" in result.stderr or "date" in result.stderr, result.stderr


# A `%YAML 1.1` directive asks for YAML 1.1, where `yes`/`on` are booleans. These run in a
# fresh process each: reading such a document must not change how later ones are read.
READ_CONFIG = (
    "import json\n"
    "from pathlib import Path\n"
    "from incidentflow.model.config import load_config\n"
    "config = load_config(Path.cwd())\n"
    "print(json.dumps({'severities': list(config.severity_names), "
    "'incidents_dir': config.incidents_dir, 'ai.model': config.ai_model}))\n"
)


@pytest.mark.parametrize(
    ("text", "line", "key", "meant"),
    [
        ("%YAML 1.1\n---\nseverities: [yes, no]\n", 3, "severities", ["yes", "no"]),
        ("%YAML 1.1\n---\nincidents_dir: on\n", 3, "incidents_dir", "on"),
        ("%YAML 1.1\n---\nai:\n  model: off\n", 4, "ai.model", "off"),
    ],
    ids=["severities", "incidents_dir", "ai.model"],
)
def test_yaml_1_1_booleans_in_the_config_are_read_as_words_or_refused_clearly(
    repo: Repo, text: str, line: int, key: str, meant: object
) -> None:
    repo.write(".incident.yaml", text)
    result = run_module("list", cwd=repo.root)
    if result.returncode == 0:
        read = subprocess.run(
            [sys.executable, "-c", READ_CONFIG],
            cwd=repo.root,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(read.stdout)[key] == meant
        return
    assert result.returncode == 2
    assert_one_line(result.stderr)
    assert result.stderr.startswith(f"error: .incident.yaml:{line}: ")
    # The message must say what went wrong: the word was read as a boolean.
    word = meant[0] if isinstance(meant, list) else meant
    assert repr(word) in result.stderr or "boolean" in result.stderr, result.stderr


def test_a_yaml_1_1_document_does_not_change_how_the_next_one_is_read(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for root, text in ((first, "%YAML 1.1\n---\ntimezone: UTC\n"), (second, "ai: {model: on}\n")):
        root.mkdir()
        (root / ".incident.yaml").write_text(text)
    program = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from incidentflow.model.config import load_config\n"
        "models = []\n"
        "for root in sys.argv[1:]:\n"
        "    try:\n"
        "        models.append(load_config(Path(root)).ai_model)\n"
        "    except Exception as exc:\n"
        "        models.append(str(exc))\n"
        "print(json.dumps(models))\n"
    )
    alone = subprocess.run(
        [sys.executable, "-c", program, str(second)], capture_output=True, text=True, check=True
    )
    after = subprocess.run(
        [sys.executable, "-c", program, str(first), str(second)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(alone.stdout) == ["on"]
    assert json.loads(after.stdout) == [None, "on"]


# --- incident.yaml --------------------------------------------------------------------------

ORIGINAL = (
    "# Incident metadata. Times are ISO-8601 with a UTC offset, quoted; null until known.\n"
    "# The status (active, contained, resolved, closed) is derived from these times and\n"
    "# the stage files; it is never stored. Set times with: incident log --milestone.\n"
    "id: 2026-11-25-checkout-api-500s\n"
    'title: "Checkout API 500s"\n'
    'severity: "SEV2"\n'
    'commander: "Ana Oncall"\n'
    "services: []\n"
    'started_at: "2026-11-25T10:00:00+00:00"\n'
    'detected_at: "2026-11-25T10:05:00+00:00"\n'
    "contained_at: null\n"
    "resolved_at: null\n"
)
KNOWN_META = (
    "id, title, severity, type, commander, roles, services, started_at, detected_at, "
    "contained_at, resolved_at, links, custom"
)


def edited(old: str, new: str) -> str:
    assert old in ORIGINAL
    return ORIGINAL.replace(old, new)


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        pytest.param("", ["1: is empty; it needs at least id, title, severity, started_at"], id="empty"),
        pytest.param("# nothing\n", ["1: is empty; it needs at least id, title, severity, started_at"], id="only a comment"),
        pytest.param("just text\n", ["1: must be a mapping of keys to values"], id="scalar"),
        pytest.param("- a\n- b\n", ["1: must be a mapping of keys to values"], id="list"),
        pytest.param(edited('title: "Checkout API 500s"', "title: [Checkout"), ["6: invalid YAML: did not find expected ',' or ']'"], id="invalid yaml"),
        pytest.param(edited("services: []", "services:\n\t- web"), ["9: invalid YAML: found character that cannot start any token"], id="tab"),
        pytest.param(ORIGINAL + "id: again\n", ['13: invalid YAML: found duplicate key "id" with value "again" (original value: "2026-11-25-checkout-api-500s")'], id="duplicate key"),
        pytest.param(ORIGINAL + "colour: blue\n", [f"13: unknown key 'colour' (known keys: {KNOWN_META})"], id="unknown key"),
        pytest.param(edited('commander: "Ana Oncall"', "commander: 12"), ["7: commander must be a string, not a number (quote it)"], id="commander number"),
        pytest.param(edited('title: "Checkout API 500s"', "title: [a, b]"), ["5: title must be a string, not a list (quote it)"], id="title list"),
        pytest.param(edited("services: []", "services: checkout"), ["8: services must be a list of service names"], id="services string"),
        pytest.param(edited("services: []", "services: [1, 2]"), ["8: services must be a list of service names"], id="services numbers"),
        pytest.param(edited('severity: "SEV2"', "severity: no"), ["6: severity 'no' is not one of SEV1, SEV2, SEV3, SEV4"], id="severity no"),
        pytest.param(edited('severity: "SEV2"', "severity: SEV9"), ["6: severity 'SEV9' is not one of SEV1, SEV2, SEV3, SEV4"], id="severity unknown"),
        pytest.param(edited("id: 2026-11-25-checkout-api-500s", "id: 2026-11-26-other"), ["4: id '2026-11-26-other' does not match the directory name '2026-11-25-checkout-api-500s'"], id="id mismatch"),
        pytest.param(edited('started_at: "2026-11-25T10:00:00+00:00"', "started_at: 2026-11-25"), ['9: started_at 2026-11-25 is not a valid time: it is a date without a time (write e.g. "2026-11-25T14:05:00+00:00")'], id="unquoted date"),
        pytest.param(edited('started_at: "2026-11-25T10:00:00+00:00"', "started_at: 2026-11-25 10:00:00"), ["9: started_at 2026-11-25 10:00:00 is not a valid time: it has no UTC offset (write it quoted, with e.g. +00:00)"], id="unquoted naive time"),
        pytest.param(edited('started_at: "2026-11-25T10:00:00+00:00"', 'started_at: "2026-11-25T10:00:00"'), ["9: started_at 2026-11-25T10:00:00 is not a valid time: it has no UTC offset (add one, e.g. +00:00)"], id="quoted naive time"),
        pytest.param(edited('started_at: "2026-11-25T10:00:00+00:00"', "started_at: true"), ["9: started_at True is not a valid time: expected an ISO-8601 string, got a boolean"], id="time boolean"),
        pytest.param(edited("contained_at: null", 'contained_at: "2026-11-25T09:00:00+00:00"'), ["11: contained_at (2026-11-25T09:00:00+00:00) is before detected_at (2026-11-25T10:05:00+00:00)"], id="out of order"),
        pytest.param(edited('started_at: "2026-11-25T10:00:00+00:00"\n', ""), ["1: started_at is missing"], id="missing key"),
    ],
)  # fmt: skip
def test_invalid_metadata_is_a_located_check_problem(
    opened: Repo, text: str, problems: list[str]
) -> None:
    opened.write(META, text)
    before = snapshot(opened.root)
    result = incident("check")
    assert result.exit_code == 1
    assert result.stdout == "".join(f"{META}:{problem}\n" for problem in problems)
    assert snapshot(opened.root) == before


def test_metadata_that_is_not_utf8_names_the_line(opened: Repo) -> None:
    (opened.root / META).write_bytes(ORIGINAL.replace("Ana Oncall", "Zo\xeb").encode("latin-1"))
    result = incident("check")
    assert result.exit_code == 1
    assert result.stdout == f"{META}:7: not valid UTF-8 (byte 0xeb); save the file as UTF-8\n"


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ('commander: "Ana Oncall"', "commander: on", "commander", "on"),
        ('commander: "Ana Oncall"', "commander: Norway", "commander", "Norway"),
        ("services: []", "services: [on, off, yes, no]", "services", ["on", "off", "yes", "no"]),
        (
            'started_at: "2026-11-25T10:00:00+00:00"',
            "started_at: 2026-11-25T10:00:00+00:00",
            "started_at",
            "2026-11-25T10:00:00+00:00",
        ),
        (
            'detected_at: "2026-11-25T10:05:00+00:00"',
            "detected_at: 2026-11-25 11:05:00+01:00",
            "detected_at",
            "2026-11-25T11:05:00+01:00",
        ),
    ],
    ids=["on", "plain word", "yes-no list", "unquoted time", "unquoted time with space"],
)
def test_yaml_1_1_traps_in_metadata_are_read_as_meant(
    opened: Repo, old: str, new: str, field: str, value: object
) -> None:
    opened.write(META, edited(old, new))
    assert incident("check").exit_code == 0
    shown = json.loads(incident("show", "--json").stdout)
    assert shown[field] == value


def test_severity_no_is_the_level_called_no(repo: Repo) -> None:
    repo.write(".incident.yaml", "severities: [yes, no]\n")
    result = incident(
        "new",
        "Flag flip",
        "--started-at",
        "2026-11-25T10:00Z",
        "--detected-at",
        "2026-11-25T10:00Z",
    )
    meta = "incidents/2026-11-25-flag-flip/incident.yaml"
    text = repo.read(meta)
    repo.write(meta, text.replace('severity: "no"', "severity: no"))
    assert result.exit_code == 0
    assert incident("check").exit_code == 0
    assert json.loads(incident("show", "--json").stdout)["severity"] == "no"


def test_a_yaml_1_1_directive_in_metadata_never_makes_booleans(opened: Repo) -> None:
    opened.write(META, "%YAML 1.1\n---\n" + edited('commander: "Ana Oncall"', "commander: on"))
    shown = run_module("show", "--json", cwd=opened.root)
    if shown.returncode == 0:
        assert json.loads(shown.stdout)["commander"] == "on"
        return
    checked = run_module("check", cwd=opened.root)
    assert checked.returncode == 1
    assert checked.stdout.startswith(f"{META}:9: ")
    assert "'on'" in checked.stdout or "boolean" in checked.stdout


def test_other_incidents_still_list_when_one_has_broken_metadata(opened: Repo) -> None:
    os.rename(opened.root / META, opened.root / (META + ".bak"))
    result = incident(
        "new",
        "Search down",
        "--started-at",
        "2026-11-26T10:00Z",
        "--detected-at",
        "2026-11-26T10:00Z",
    )
    assert result.exit_code == 0
    listed = incident("list")
    assert listed.exit_code == 0
    assert "2026-11-26-search-down" in listed.stdout
    assert "2026-11-25-checkout-api-500s" in listed.stdout
