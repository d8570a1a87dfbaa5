"""An incident that changes as it unfolds: severity, title, roles, links, updates, overrides.

Every change goes through the CLI into a real git repository, lands in the timeline with its
old and new value, and is read back by `show --json`, `list`, `stats`, the report and the hook.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import HookRunner, Repo, incident
from helpers_incident import DAY, build, complete, new_incident, stage_path

CHECKOUT = "2026-11-25-checkout-api-500s"


def meta_path(incident_id: str) -> str:
    return f"incidents/{incident_id}/incident.yaml"


def timeline(repo: Repo, incident_id: str) -> list[str]:
    return [
        line
        for line in repo.read(f"incidents/{incident_id}/timeline.md").splitlines()
        if line.startswith("- ")
    ]


def shown(incident_id: str) -> dict[str, object]:
    result = incident("show", incident_id, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_severity_changes_are_logged_and_kept_as_history(repo: Repo) -> None:
    incident_id = new_incident(severity="SEV3")
    repo.write(
        meta_path(incident_id),
        repo.read(meta_path(incident_id)).replace(
            "severity:", "# raised by hand? use set\nseverity:"
        ),
    )
    raised = incident("set", incident_id, "severity", "sev1", "--reason", "all regions fail")
    assert raised.exit_code == 0, raised.stderr
    assert raised.stdout.strip().endswith("— Severity SEV3 → SEV1: all regions fail (Ana Oncall)")
    text = repo.read(meta_path(incident_id))
    assert "severity: SEV1" in text or 'severity: "SEV1"' in text
    assert "# raised by hand? use set" in text  # comments survive the edit
    assert "contained_at: null" in text  # and so does every other value as written
    lowered = incident("set", incident_id, "severity", "SEV2", "--reason", "one region again")
    assert lowered.exit_code == 0, lowered.stderr

    data = shown(incident_id)
    assert data["severity"] == "SEV2"
    history = data["severity_history"]
    assert isinstance(history, list)
    assert [(c["from"], c["to"], c["reason"]) for c in history] == [
        ("SEV3", "SEV1", "all regions fail"),
        ("SEV1", "SEV2", "one region again"),
    ]
    spent = data["time_at_severity_minutes"]
    assert isinstance(spent, dict) and list(spent) == ["SEV3", "SEV1", "SEV2"]
    # Opened on the 25th, raised today: nearly all of the time was spent at SEV3.
    assert spent["SEV3"] > 60 * 24 * 5

    stats = json.loads(incident("stats", "--json").stdout)
    assert stats["minutes_at_severity"]["SEV3"] == spent["SEV3"]


def test_a_change_that_changes_nothing_or_is_invalid_writes_nothing(repo: Repo) -> None:
    incident_id = new_incident(severity="SEV2")
    before = (repo.read(meta_path(incident_id)), repo.read(f"incidents/{incident_id}/timeline.md"))
    same = incident("set", incident_id, "severity", "SEV2", "--reason", "no change")
    assert same.exit_code == 2
    assert "severity is already SEV2; nothing changed" in same.stderr
    bad = incident("set", incident_id, "severity", "SEV9", "--reason", "typo")
    assert bad.exit_code == 2 and "is not one of SEV1, SEV2, SEV3, SEV4" in bad.stderr
    no_reason = incident("set", incident_id, "severity", "SEV1")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.stderr
    unknown = incident("set", incident_id, "owner", "Bo", "--reason", "x y")
    assert unknown.exit_code == 2 and "name the field to set" in unknown.stderr
    after = (repo.read(meta_path(incident_id)), repo.read(f"incidents/{incident_id}/timeline.md"))
    assert after == before


def test_a_broken_incident_yaml_is_reported_not_rewritten(repo: Repo) -> None:
    incident_id = new_incident()
    broken = repo.read(meta_path(incident_id)).replace("severity:", "severity: [\n#")
    repo.write(meta_path(incident_id), broken)
    result = incident("set", incident_id, "title", "New", "--reason", "renamed it")
    assert result.exit_code == 2
    assert f"{meta_path(incident_id)}:" in result.stderr
    assert repo.read(meta_path(incident_id)) == broken


def test_a_new_title_keeps_the_id_and_retitles_every_heading(repo: Repo) -> None:
    incident_id = new_incident("Slow checkout")
    build(repo, incident_id, through=2, last_complete=False)
    result = incident(
        "set", incident_id, "title", "Checkout down in all regions", "--reason", "scope grew"
    )
    assert result.exit_code == 0, result.stderr
    assert (repo.root / "incidents" / incident_id).is_dir()  # same id, same directory
    triage = repo.read(stage_path(incident_id, 1))
    diagnosis = repo.read(stage_path(incident_id, 2))
    assert "# Triage and stabilize — Checkout down in all regions\n" in triage
    assert "— Checkout down in all regions\n" in diagnosis.split("\n## ")[0]
    headings = [line for line in (triage + diagnosis).splitlines() if line.startswith("#")]
    assert not [line for line in headings if "Slow checkout" in line]
    assert repo.read(f"incidents/{incident_id}/timeline.md").startswith(
        "# Timeline — Checkout down in all regions"
    )
    assert timeline(repo, incident_id)[-1].endswith(
        '— Title "Slow checkout" → "Checkout down in all regions": scope grew (Ana Oncall)'
    )
    report = incident("report", incident_id, "--format", "markdown")
    assert report.stdout.startswith("# Checkout down in all regions\n")


def test_services_are_added_and_removed(repo: Repo) -> None:
    incident_id = new_incident()
    assert incident("set", incident_id, "services", "--add", "cart", "billing",
                    "--reason", "both fail").exit_code == 0  # fmt: skip
    removed = incident("set", incident_id, "services", "--remove", "cart", "--reason", "cart ok")
    assert removed.exit_code == 0, removed.stderr
    assert shown(incident_id)["services"] == ["billing"]
    assert [line.split(" — ", 1)[1] for line in timeline(repo, incident_id)[-2:]] == [
        "Services: +cart +billing: both fail (Ana Oncall)",
        "Services: −cart: cart ok (Ana Oncall)",
    ]
    missing = incident("set", incident_id, "services", "--remove", "db", "--reason", "gone")
    assert missing.exit_code == 2 and "not among the services (billing): db" in missing.stderr


def test_roles_are_assigned_handed_over_and_listed_with_their_times(repo: Repo) -> None:
    incident_id = new_incident()
    assert incident("role", incident_id, "scribe", "Bo Li").exit_code == 0
    handoff = incident("role", incident_id, "scribe", "Cy Park", "--reason", "shift change")
    assert handoff.exit_code == 0, handoff.stderr
    commander = incident("set", incident_id, "commander", "Kim Oh", "--reason", "handoff")
    assert commander.exit_code == 0, commander.stderr
    assert [line.split(" — ", 1)[1] for line in timeline(repo, incident_id)[-3:]] == [
        "Role scribe: nobody → Bo Li (Ana Oncall)",
        "Role scribe: Bo Li → Cy Park: shift change (Ana Oncall)",
        "Role commander: Ana Oncall → Kim Oh: handoff (Ana Oncall)",
    ]
    data = shown(incident_id)
    assert data["commander"] == "Kim Oh" and data["roles"] == {"scribe": "Cy Park"}
    held = data["roles_held"]
    assert isinstance(held, list)
    assert [(h["role"], h["person"], h["from"] is None, h["until"] is None) for h in held] == [
        ("commander", "Ana Oncall", True, False),
        ("commander", "Kim Oh", False, True),
        ("scribe", "Bo Li", False, False),
        ("scribe", "Cy Park", False, True),
    ]
    report = incident("report", incident_id, "--format", "markdown").stdout
    assert "- **Roles:** commander: Ana Oncall (start → " in report
    assert "scribe: Cy Park (" in report
    assert "Roles: " in incident("pr-body", incident_id).stdout
    unknown = incident("role", incident_id, "scriber", "Bo")
    assert unknown.exit_code == 2
    assert "unknown role 'scriber'; roles: commander, scribe, comms, ops" in unknown.stderr
    freed = incident("role", incident_id, "scribe", "nobody")
    assert freed.exit_code == 0 and "roles:" not in repo.read(meta_path(incident_id))


def test_configured_roles(repo: Repo) -> None:
    repo.write(".incident.yaml", "roles: [commander, scribe, liaison]\n")
    incident_id = new_incident()
    assert incident("role", incident_id, "liaison", "Dee").exit_code == 0
    assert incident("role", incident_id, "ops", "Dee").exit_code == 2


def test_links_are_written_on_both_sides_and_checked(repo: Repo) -> None:
    storage = new_incident("Storage outage")
    dashboard = new_incident("Status dashboard stale", day="2026-11-26")
    linked = incident("link", dashboard, storage, "--as", "caused-by")
    assert linked.exit_code == 0, linked.stderr
    assert shown(dashboard)["links"] == {"caused_by": [storage]}
    assert shown(storage)["links"] == {"causes": [dashboard]}
    assert timeline(repo, storage)[-1].split(" — ", 1)[1] == f"Link causes {dashboard} (Ana Oncall)"
    again = incident("link", storage, dashboard, "--as", "related")
    assert again.exit_code == 2 and "already linked: causes" in again.stderr
    assert incident("link", storage, "2030-01-01-nothing").exit_code == 2
    assert incident("link", storage, storage).exit_code == 2
    assert "caused by " + storage in incident("report", dashboard, "--format", "text").stdout

    # A link edited by hand to an id that does not exist is a problem for check.
    text = repo.read(meta_path(storage)).replace(dashboard, "2026-11-20-gone-away")
    repo.write(meta_path(storage), text)
    result = incident("check", storage)
    assert result.exit_code == 1
    assert (
        f"{meta_path(storage)}:" in result.stdout
        and "links.causes names '2026-11-20-gone-away', which is not an incident here"
        in result.stdout
    )


def test_updates_follow_the_severity_cadence_and_are_flagged_when_overdue(repo: Repo) -> None:
    incident_id = new_incident(severity="SEV1")  # opened on the 25th: long overdue now
    listed = incident("list", "--json")
    row = json.loads(listed.stdout)[0]
    assert row["update_overdue"] is True
    assert row["next_update_due"] == f"{DAY}T10:35:00+00:00"  # detected 10:05 + SEV1's 30m
    assert " update-overdue " in incident("list").stdout.splitlines()[1]
    assert "OVERDUE since" in incident("show", incident_id).stdout

    posted = incident("update", incident_id, "Restoring from backup; next news at 18:00",
                      "--audience", "external", "--next", "2h")  # fmt: skip
    assert posted.exit_code == 0, posted.stderr
    assert "— Update (external, next 2h): Restoring from backup; next news at 18:00 (" in (
        posted.stdout
    )
    data = shown(incident_id)
    due = data["next_update"]
    assert isinstance(due, dict) and due["overdue"] is False
    updates = data["updates"]
    assert isinstance(updates, list) and updates[0]["audience"] == "external"
    posted_at = dt.datetime.fromisoformat(updates[0]["at"])
    assert dt.datetime.fromisoformat(due["due"]) - posted_at == dt.timedelta(hours=2)
    assert json.loads(incident("list", "--json").stdout)[0]["update_overdue"] is False

    assert incident("update", incident_id, "x", "--next", "soon").exit_code == 2


def test_no_cadence_for_a_minor_incident_and_none_once_resolved(repo: Repo) -> None:
    minor = new_incident(severity="SEV3")
    assert shown(minor)["next_update"] is None
    major = new_incident("Login down", severity="SEV1", day="2026-11-26")
    assert incident("log", major, "fixed", "--milestone", "contained").exit_code == 0
    assert incident("log", major, "fixed", "--milestone", "resolved").exit_code == 0
    assert shown(major)["next_update"] is None


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (
            "slack",
            ["*[SEV1] Checkout API 500s* — active", "*Update (external, ", "*Next update:* by "],
        ),
        ("statuspage", ["Title: Checkout API 500s", "Status: Investigating", "We will post"]),
        (
            "email",
            ["Subject: [SEV1] Checkout API 500s — update ", "Severity: SEV1", "Status: active"],
        ),
    ],
)
def test_render_an_update_ready_to_paste(repo: Repo, form: str, expected: list[str]) -> None:
    incident_id = new_incident(severity="SEV1")
    none_yet = incident("update", incident_id, "--render", form)
    assert none_yet.exit_code == 2 and "has no update yet" in none_yet.stderr
    text = "Payments <fail> & retries queue"
    assert incident("update", incident_id, text, "--audience", "external").exit_code == 0
    rendered = incident("update", incident_id, "--render", form)
    assert rendered.exit_code == 0, rendered.stderr
    for piece in expected:
        assert piece in rendered.stdout
    if form == "slack":  # Slack's control characters are escaped
        assert "Payments &lt;fail&gt; &amp; retries queue" in rendered.stdout
    else:
        assert text in rendered.stdout


def test_override_starts_the_next_stage_on_the_record(repo: Repo, hook: HookRunner) -> None:
    incident_id = new_incident()
    refused = incident("next", incident_id)
    assert refused.exit_code == 1 and "--override can start it anyway" in refused.stderr
    short = incident("next", incident_id, "--override", "restore")
    assert short.exit_code == 2 and "a reason in a few words" in short.stderr
    assert not (repo.root / stage_path(incident_id, 2)).exists()

    reason = "database restore takes 18 h; diagnosis cannot wait"
    started = incident("next", incident_id, "--override", reason)
    assert started.exit_code == 0, started.stderr
    diagnosis = repo.read(stage_path(incident_id, 2))
    front = diagnosis.split("\n---\n", 1)[0]
    assert "override:\n  skipped: triage\n" in front and reason in front
    assert timeline(repo, incident_id)[-1].split(" — ", 1)[1] == (
        f"Override: diagnosis started before triage met its goal: {reason} (Ana Oncall)"
    )
    data = shown(incident_id)
    overrides = data["overrides"]
    assert isinstance(overrides, list) and overrides[0]["skipped"] == "triage"

    # check and the hook accept the unfinished triage, and say what it lacks as a warning.
    checked = incident("check", incident_id)
    assert checked.exit_code == 0, checked.stdout
    assert "warning: diagnosis started before triage met its goal (override by Ana" in (
        checked.stderr
    )
    repo.git("add", "-A")
    committed = hook(stage_path(incident_id, 1), stage_path(incident_id, 2))
    assert committed.code == 0, committed.stdout
    assert "triage still lacks" in committed.stderr

    # Wrong content in the skipped stage still blocks: the override is for what is unwritten.
    triage = repo.read(stage_path(incident_id, 1))
    repo.write(stage_path(incident_id, 1), triage.replace("stage: triage", "stage: summary"))
    repo.git("add", "-A")
    assert hook(stage_path(incident_id, 1)).code == 1

    # Without its reason the override is no override.
    repo.write(stage_path(incident_id, 1), triage)
    repo.write(stage_path(incident_id, 2), diagnosis.replace(f'  reason: "{reason}"\n', ""))
    repo.git("add", "-A")
    blocked = hook(stage_path(incident_id, 2))
    assert blocked.code == 1
    assert "override.reason must say in a few words why" in blocked.stdout


def test_override_is_not_needed_when_the_goal_is_met(repo: Repo) -> None:
    incident_id = new_incident()
    complete(repo, stage_path(incident_id, 1).split("/")[-2], "01-triage.md")
    result = incident("next", incident_id, "--override", "just in case we need it")
    assert result.exit_code == 0, result.stderr
    assert "no override recorded" in result.stderr
    assert "override:" not in repo.read(stage_path(incident_id, 2))


def test_custom_fields_are_kept_byte_for_byte_and_shown(repo: Repo) -> None:
    incident_id = new_incident()
    custom = "custom:\n  customer_tier: 'gold'   # the biggest accounts\n  region: eu-west-1\n"
    repo.write(meta_path(incident_id), repo.read(meta_path(incident_id)) + custom)
    assert (
        incident("set", incident_id, "severity", "SEV1", "--reason", "gold customers").exit_code
        == 0
    )
    assert custom in repo.read(meta_path(incident_id))
    assert shown(incident_id)["custom"] == {"customer_tier": "gold", "region": "eu-west-1"}


def test_changes_commit_through_the_hook(repo: Repo, hook: HookRunner) -> None:
    incident_id = new_incident()
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", "open")
    assert incident("set", incident_id, "severity", "P0", "--reason", "alias").exit_code == 2
    repo.write(".incident.yaml", "severities:\n  - {name: SEV1, aliases: [P0]}\n  - name: SEV2\n")
    assert incident("set", incident_id, "severity", "p0", "--reason", "alias works").exit_code == 0
    assert incident("role", incident_id, "comms", "Ana Ruiz").exit_code == 0
    assert incident("update", incident_id, "We are on it").exit_code == 0
    changed = [line.split()[-1] for line in repo.git("status", "--porcelain").splitlines()]
    repo.git("add", "-A")
    assert hook(*changed).code == 0


def test_completion_of_roles_and_fields(repo: Repo) -> None:
    from test_completion import values

    new_incident()
    assert values("incident role ", cwd=repo.root) == [
        "commander",
        "scribe",
        "comms",
        "ops",
        CHECKOUT,
    ]
    assert values(f"incident role {CHECKOUT} s", cwd=repo.root) == ["scribe"]
    assert values("incident role scribe ", cwd=repo.root) == []
    assert values("incident set sev", cwd=repo.root) == ["severity"]
    assert values("incident link ", cwd=repo.root) == [CHECKOUT]


def test_concurrent_changes_lose_nothing(repo: Repo) -> None:
    """Two responders changing the record at once: both lines land, the YAML stays valid."""
    import subprocess
    import sys

    incident_id = new_incident()
    commands = [
        ["role", incident_id, "scribe", "Bo Li"],
        ["update", incident_id, "first update"],
        ["set", incident_id, "services", "--add", "cart", "--reason", "cart fails"],
        ["log", incident_id, "restarted db"],
    ]
    procs = [
        subprocess.Popen([sys.executable, "-m", "incidentflow", *args], cwd=repo.root)
        for args in commands
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    lines = "\n".join(timeline(repo, incident_id))
    for said in ("Role scribe: nobody → Bo Li", "Update (internal", "Services: +cart", "restarted"):
        assert said in lines
    assert shown(incident_id)["roles"] == {"scribe": "Bo Li"}
    assert Path(repo.root / meta_path(incident_id)).read_text().count("services:") == 1
