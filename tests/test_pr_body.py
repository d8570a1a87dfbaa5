"""`incident pr-body`: the pull request's description, from the incident's files."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from conftest import Repo, incident
from helpers_example import TODAY, assert_golden, copy_example
from helpers_incident import build, new_incident, set_meta, stage_path

from incidentflow.model.workspace import Workspace
from incidentflow.reports.report import load_digest, render_pr_body


def test_worked_example_golden(repo: Repo) -> None:
    incident_id = copy_example(repo)
    result = incident("pr-body", incident_id, "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert_golden("pr-body.md", result.stdout)
    lines = result.stdout.splitlines()
    assert lines[0] == "## Checkout API returning 500s"
    assert sum(line.startswith("- [x] **") for line in lines) == 4  # every goal met


def test_core_function_gives_what_the_command_prints(repo: Repo) -> None:
    incident_id = copy_example(repo)
    workspace = Workspace.open(repo.root)
    digest = load_digest(workspace, incident_id, today=dt.date.fromisoformat(TODAY))
    body = render_pr_body(digest, config=workspace.config)
    assert body == incident("pr-body", incident_id, "--today", TODAY).stdout


def test_an_incident_in_progress(repo: Repo) -> None:
    incident_id = new_incident("Search is slow", severity="SEV3")
    result = incident("pr-body")
    assert result.exit_code == 0, result.stderr
    body = result.stdout
    assert "**SEV3** · status **active** · stage **triage** · commander Ana Oncall" in body
    assert "- [ ] **1. Triage:** The incident is contained and its impact scoped" in body
    assert "  - 01-triage.md:" in body and 'section "Symptoms" is not filled in' in body
    assert "  - incident.yaml:" in body and "contained_at is not set" in body
    assert (
        "- [ ] **4. Postmortem:** A durable postmortem and changelog entry, not a memory " in body
    )
    assert body.count("_(not started)_") == 3
    assert "_Not written yet: the summary stage (`03-summary.md`) says it._" in body
    assert "_None yet: action items come with the postmortem (stage 4)._" in body
    assert f"from `incidents/{incident_id}/` as it is on this branch" in body


def test_unmet_goals_are_capped_per_stage(repo: Repo) -> None:
    repo.write(
        ".incident.yaml",
        "stages:\n  triage:\n    required_sections: [Symptoms, Impact, Mitigation, "
        "Containment evidence, Recent changes, Comms, Owners]\n",
    )
    incident_id = new_incident()
    body = incident("pr-body", incident_id).stdout
    triage = body.split("- [ ] **1. Triage:**")[1].split("- [ ] **2.")[0]
    shown = [line for line in triage.splitlines() if line.startswith("  - ")]
    # 7 sections missing + contained_at unset = 8 problems: five listed, three counted.
    assert len(shown) == 6
    assert shown[0].startswith("  - 01-triage.md:")
    assert shown[-1] == f"  - … and 3 more (run `incident check {incident_id}`)"


def test_open_action_items_and_overdue(repo: Repo) -> None:
    (repo.root / "app.py").write_text("def price(total, count):\n    return total / count\n")
    repo.commit_all("app")
    incident_id = new_incident()
    build(repo, incident_id, through=4)
    path = repo.root / stage_path(incident_id, 4)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "| Reject empty carts before pricing | ana | 2026-12-15 | prevent |",
            "| Reject empty carts before pricing | ana | 2026-12-15 | prevent |\n"
            "| [x] Page the payments team | bo | 2026-11-20 | detect |\n"
            "| Add a cart size metric | cy | 2026-11-28 | detect |",
        ),
        encoding="utf-8",
    )
    body = incident("pr-body", incident_id, "--today", "2026-12-01").stdout
    assert "status **closed**" in body
    section = body.split("### Open action items\n\n")[1]
    assert section.splitlines()[:2] == [
        "- Reject empty carts before pricing — ana, due 2026-12-15 (prevent)",
        "- Add a cart size metric — cy, due 2026-11-28 (detect) **overdue**",
    ]
    assert "Page the payments team" not in body


def test_every_action_done(repo: Repo) -> None:
    (repo.root / "app.py").write_text("def price(total, count):\n    return total / count\n")
    repo.commit_all("app")
    incident_id = new_incident()
    build(repo, incident_id, through=4)
    path = repo.root / stage_path(incident_id, 4)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "| Reject empty carts", "| [x] Reject empty carts"
        ),
        encoding="utf-8",
    )
    assert "_None: every action item is done._" in incident("pr-body", incident_id).stdout


def test_user_text_is_not_a_template(repo: Repo) -> None:
    incident_id = new_incident("Cache {{ 7 * 7 }} miss")
    set_meta(repo, incident_id, "commander", '"{% raw %}Zoe"')
    body = incident("pr-body").stdout
    assert body.startswith("## Cache {{ 7 * 7 }} miss\n")
    assert "commander {% raw %}Zoe" in body


def test_ready_for_gh_pr_create_body_file(repo: Repo) -> None:
    new_incident()
    proc = subprocess.run(
        [sys.executable, "-m", "incidentflow", "pr-body"],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith("## Checkout API 500s\n")
    assert proc.stdout.endswith("</sub>\n")


def test_unknown_incident(repo: Repo) -> None:
    new_incident()
    result = incident("pr-body", "nosuch")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: no incident matches 'nosuch'; run `incident list` to see the ids\n"
    )
