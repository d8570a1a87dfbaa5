"""A real incident replayed weeks later, as a team keeps its record: changes logged at the
times they happened, ids typed as prefixes, a case-insensitive severity filter, honest times
for a resolved incident, and prompts and messages that say what is true now.

All through the CLI on real git repositories.
"""

from __future__ import annotations

import json
import re

from conftest import HookRunner, Repo, incident
from helpers_incident import (
    DAY,
    app_file,
    build,
    complete,
    new_incident,
    set_meta,
    stage_path,
)


def entries(repo: Repo, incident_id: str) -> list[str]:
    text = repo.read(f"incidents/{incident_id}/timeline.md")
    return [line for line in text.splitlines() if line.startswith("- ")]


def test_every_change_can_be_logged_at_the_time_it_happened(repo: Repo) -> None:
    incident_id = new_incident(severity="SEV2")
    other = new_incident("Status dashboard all green")
    steps = [
        ("set", incident_id, "severity", "SEV1", "--reason", "data loss", "--at", f"{DAY}T10:20Z"),
        ("role", incident_id, "scribe", "Bo Li", "--at", f"{DAY}T10:25Z"),
        ("update", incident_id, "Restoring from backup", "--at", f"{DAY}T10:30Z"),
        ("link", incident_id, other, "--as", "causes", "--at", f"{DAY}T10:35Z"),
        ("next", incident_id, "--override", "restore takes 18 h", "--at", f"{DAY}T10:50Z"),
    ]
    for step in steps:
        result = incident(*step)
        assert result.exit_code == 0, (step, result.stderr)
    logged = entries(repo, incident_id)
    times = [line.split(" — ", 1)[0][2:] for line in logged]
    assert times == sorted(times)  # in time order, though logged later
    for moment, start in [
        ("10:20", "Severity SEV2 → SEV1: data loss"),
        ("10:25", "Role scribe: nobody → Bo Li"),
        ("10:30", "Update (internal"),
        ("10:35", f"Link causes {other}"),
        ("10:50", "Override: diagnosis started before triage met its goal"),
    ]:
        assert any(line.startswith(f"- {DAY}T{moment}:00+00:00 — {start}") for line in logged), (
            moment,
            logged,
        )
    front = repo.read(stage_path(incident_id, 2)).split("\n---\n", 1)[0]
    assert f'at: "{DAY}T10:50:00+00:00"' in front
    shown = json.loads(incident("show", incident_id, "--json").stdout)
    assert shown["severity_history"][0]["at"].startswith(f"{DAY}T10:20")
    # An incident recorded after the fact refuses a bare clock time: which day?
    ambiguous = incident("set", incident_id, "title", "Data loss", "--reason", "x", "--at", "10:40")
    assert ambiguous.exit_code == 2 and "--at" in ambiguous.stderr


def test_update_with_an_id_prefix_renders_and_posts_nothing(repo: Repo) -> None:
    first = new_incident("Replication lag", severity="SEV1")
    new_incident("Status dashboard all green", day="2026-11-26")
    assert incident("update", first, "Restoring from the 6-hour-old copy").exit_code == 0
    before = {i: entries(repo, i) for i in (first, "2026-11-26-status-dashboard-all-green")}
    rendered = incident("update", "2026-11-25-rep", "--render", "slack")
    assert rendered.exit_code == 0, rendered.stderr
    assert "Restoring from the 6-hour-old copy" in rendered.stdout
    assert "Replication lag" in rendered.stdout
    after = {i: entries(repo, i) for i in before}
    assert after == before
    # Several words are an update's text, never an id.
    posted = incident("update", first, "--render", "slack")
    assert posted.exit_code == 0


def test_list_severity_filter_takes_any_case_and_refuses_an_unknown_level(repo: Repo) -> None:
    severe = new_incident("Replication lag", severity="SEV1")
    new_incident("Slow dashboard", severity="SEV3", day="2026-11-26")
    found = incident("list", "--severity", "sev1")
    assert found.exit_code == 0
    assert severe in found.stdout and "slow-dashboard" not in found.stdout
    unknown = incident("list", "--severity", "P1")
    assert unknown.exit_code == 2
    assert unknown.stderr == "error: severity 'P1' is not one of SEV1, SEV2, SEV3, SEV4\n"


def test_a_resolved_incident_is_not_open_for_years_and_its_roles_end(repo: Repo) -> None:
    app_file(repo)
    incident_id = new_incident()
    assert incident("role", incident_id, "scribe", "Bo Li").exit_code == 0
    build(repo, incident_id, through=4)
    shown = incident("show", incident_id)
    assert "open for" not in shown.stdout
    data = json.loads(incident("show", incident_id, "--json").stdout)
    held = {entry["role"]: entry for entry in data["roles_held"]}
    assert held["scribe"]["until"] == data["resolved_at"]
    assert held["commander"]["until"] == data["resolved_at"]
    prompt = incident("prompt", incident_id).stdout
    assert "→ now)" not in prompt


def test_prompts_say_the_record_is_written_after_the_fact(repo: Repo) -> None:
    incident_id = new_incident()
    prompt = incident("prompt", incident_id).stdout
    assert f"The incident started on {DAY}: this record is written after the fact." in prompt


def test_an_early_diagnosis_prompt_knows_nothing_is_contained_yet(repo: Repo) -> None:
    incident_id = new_incident()
    started = incident("next", incident_id, "--override", "restore takes 18 h; cannot wait")
    assert started.exit_code == 0, started.stderr
    prompt = incident("prompt", incident_id).stdout
    assert "is diagnosing a production incident that is not contained yet" in prompt
    assert "has contained" not in prompt
    record = prompt.split("## On the record", 1)[1].split("\n## ", 1)[0]
    assert "diagnosis started before triage met its goal — restore takes 18 h" in record
    timeline = prompt.split("## Timeline so far", 1)[1].split("\n## ", 1)[0]
    assert "Override" not in timeline  # said once, on the record


def test_commits_that_only_touch_incident_files_are_no_rollback_suspects(repo: Repo) -> None:
    repo.write("db/pool.py", "max_connections = 100\n")
    repo.commit_all("Raise max_connections", date=f"{DAY}T08:00:00+00:00")
    repo.write("incidents/2026-11-24-older/notes.md", "notes\n")
    repo.commit_all("incident: triage (WIP)", date=f"{DAY}T09:00:00+00:00")
    prompt = incident("prompt", new_incident()).stdout
    assert "| Raise max_connections\n" in prompt
    assert "incident: triage (WIP)" not in prompt


def test_the_postmortem_prompt_names_the_configured_action_types(repo: Repo) -> None:
    app_file(repo)
    repo.write(
        ".incident.yaml", "stages:\n  postmortem:\n    action_types: [prevent, detect, repair]\n"
    )
    incident_id = new_incident()
    build(repo, incident_id, through=4, last_complete=False)
    prompt = incident("prompt", incident_id).stdout
    assert "Type is one of prevent, detect, repair;" in prompt


def test_the_hook_suggests_where_a_cited_file_moved(repo: Repo, hook: HookRunner) -> None:
    repo.write("db/backup/pg_dump_cron.sh", "".join(f"echo {n}\n" for n in range(1, 21)))
    repo.commit_all("the nightly dump", date="2026-11-20T08:00:00+00:00")
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=2, last_complete=False)
    repo.git("mv", "db/backup/pg_dump_cron.sh", "db/backup/dump.sh")
    repo.git("commit", "-q", "--no-verify", "-m", "rename the dump script")
    diagnosis = stage_path(incident_id, 2)
    text = repo.read(diagnosis).replace("TODO", "The dump at `db/backup/pg_dump_cron.sh:14`.", 1)
    repo.write(diagnosis, text)
    repo.git("add", "-A")
    refused = hook(diagnosis)
    assert refused.code == 1
    assert (
        "code reference `db/backup/pg_dump_cron.sh:14` does not exist in the index (what this "
        "commit will contain); did you mean db/backup/dump.sh?"
    ) in refused.stdout


def test_an_override_warning_lists_everything_the_skipped_stage_lacks(repo: Repo) -> None:
    incident_id = new_incident()
    assert incident("next", incident_id, "--override", "restore takes 18 h").exit_code == 0
    warned = incident("check", incident_id)
    assert warned.exit_code == 0
    line = next(x for x in warned.stderr.splitlines() if "still lacks" in x)
    assert re.search(r"still lacks .+; .+; .+; and \d+ more \(incident show lists them\)", line)


def test_a_mistyped_field_is_named_with_the_likely_one(repo: Repo) -> None:
    incident_id = new_incident()
    for args in ((incident_id, "sevrity", "SEV1"), ("sevrity", "SEV1")):
        result = incident("set", *args, "--reason", "worse")
        assert result.exit_code == 2
        assert "unknown field 'sevrity'; did you mean severity?" in result.stderr


def test_rendering_an_update_overtaken_by_events_warns(repo: Repo) -> None:
    incident_id = new_incident(severity="SEV1")
    assert incident("update", incident_id, "Restore is 50% done", "--at", f"{DAY}T10:30Z")
    complete(repo, incident_id, "01-triage.md")  # contained at 10:40
    set_meta(repo, incident_id, "contained_at", f'"{DAY}T10:40:00+00:00"')
    rendered = incident("update", incident_id, "--render", "statuspage")
    assert rendered.exit_code == 0
    assert "Restore is 50% done" in rendered.stdout
    assert "was posted before the incident was contained" in rendered.stderr


def test_index_says_it_created_the_file(repo: Repo) -> None:
    new_incident()
    assert incident("index").stdout == "created incidents/README.md\n"
    repo.write("incidents/README.md", repo.read("incidents/README.md") + "\nMore.\n")
    new_incident("Second", day="2026-11-26")
    assert incident("index").stdout == "updated incidents/README.md\n"
