"""Action items read generously, done when git says so, and exported to trackers."""

from __future__ import annotations

import json

import pytest
from conftest import HookRunner, Repo, incident
from helpers_incident import app_file, build, new_incident

from incidentflow.model.action_status import evidence, status_is_done

HOSTILE = "Quote \"it\", cost $HOME and `$(touch pwned)` 'now'"
SWITCH_ON = "actions:\n  done_needs_commit: true\n"


@pytest.mark.parametrize(
    ("status", "done"),
    [
        ("done", True),
        ("Done ✅", True),
        ("DONE", True),
        ("fixed in 1a2b3c4", True),
        ("**Closed**", True),
        ("Completed 2026-11-30", True),
        ("[x]", True),
        ("[X] merged", True),
        ("✅", True),
        ("in progress", False),
        ("not done", False),
        ("blocked on vendor", False),
        ("won't fix", False),
        ("[ ]", False),
        ("open", False),
        ("", False),
    ],
)
def test_status_is_read_generously(status: str, done: bool) -> None:
    assert status_is_done(status) is done


def test_a_checked_action_is_done_whatever_the_status() -> None:
    assert status_is_done("in progress", "[x] Runbook for flag")


def test_evidence_finds_commits_refs_and_tickets() -> None:
    found = evidence(
        {
            "Status": "done in 1a2b3c4, see `src/app.py:3`",
            "Ticket": "PROJ-45",
        }
    )
    assert found.commits == ("1a2b3c4",)
    assert [ref.text for ref in found.refs] == ["src/app.py:3"]
    assert found.ticket == "PROJ-45"
    assert evidence({"Status": "closed #123"}).ticket == "#123"
    assert evidence({"Status": "open", "Ticket": "TBD"}).ticket == ""
    assert evidence({"Status": "done", "Ticket": "https://x.test/i/9"}).commits == ()
    # A permalink's commit is evidence, a branch in one is not; a bare id is read as git
    # writes it; a hex run inside a URL or a ticket is not a commit.
    assert evidence({"Status": "done `9f8e7d6:src/app.py:3`"}).commits == ("9f8e7d6",)
    assert evidence({"Status": "done `main:src/app.py:3`"}).commits == ()
    assert evidence({"Status": "Fixed in 1A2B3C4D"}).commits == ("1a2b3c4d",)
    url = "https://git.test/shop/commit/1a2b3c4d5e"
    assert evidence({"Status": f"merged {url}"}).commits == ()
    assert evidence({"Status": f"merged {url}"}).ticket == url
    assert evidence({"Status": "done, dates 2026-11-30"}).commits == ()


@pytest.fixture
def fixed(repo: Repo) -> dict[str, str]:
    """One commit that fixed something, and a postmortem whose rows cite it, cite nothing,
    or record tickets."""
    repo.write("src/app.py", "def price(total, count):\n    return total / max(count, 1)\n")
    sha = repo.commit_all("Guard the empty cart", date="2026-11-27T09:30:00+00:00")
    rows = [
        f"| Guard the empty cart in pricing | @ana | 2026-11-30 | repair | Done ✅ in {sha[:9]} | |",
        "| Alert on checkout error rate | bo | 2026-11-20 | detect | in progress | |",
        "| Write the cart runbook page | cy | 2026-11-20 | process | done | |",
        "| Load test the coupon path | @dee-2 | 2027-01-15 | prevent | open | PROJ-45 |",
        f"| {HOSTILE} | @octocat | 2027-02-01 | prevent | not started | |",
        "| Cite a commit not in this clone | eve | 2027-01-01 | repair | fixed in 0badc0de1 | |",
    ]
    table = (
        "| Action | Owner | Due | Type | Status | Ticket |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows)
    )
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=4)
    path = f"incidents/{incident_id}/04-postmortem.md"
    text = repo.read(path)
    start = text.index("| Action |", text.index("## Action items"))
    end = text.index("\n\n", start)
    repo.write(path, text[:start] + table + text[end:])
    repo.commit_all("postmortem")
    return {"id": incident_id, "sha": sha, "path": path}


def line_of(repo: Repo, path: str, start: str) -> int:
    """The 1-based line of ``path`` that starts with ``start``."""
    lines = repo.read(path).splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))


def test_actions_show_status_as_written_and_the_fixing_commit(fixed: dict[str, str]) -> None:
    result = incident("actions", "--json", "--today", "2026-12-01")
    assert result.exit_code == 0, result.stderr
    items = {item["action"]: item for item in json.loads(result.stdout)}
    guard = items["Guard the empty cart in pricing"]
    assert guard["done"] is True and guard["overdue"] is False
    assert guard["status"] == f"Done ✅ in {fixed['sha'][:9]}"
    assert guard["fixed_by"] == fixed["sha"]
    assert guard["commit_date"] == "2026-11-27T09:30:00+00:00"
    alert = items["Alert on checkout error rate"]
    assert (alert["status"], alert["done"], alert["overdue"]) == ("in progress", False, True)
    assert items["Load test the coupon path"]["ticket"] == "PROJ-45"
    missing = items["Cite a commit not in this clone"]
    assert (missing["done"], missing["commits"], missing["fixed_by"]) == (True, ["0badc0de1"], None)

    table = incident("actions", "--today", "2026-12-01").stdout.splitlines()
    assert table[0].split() == [
        "INCIDENT", "OWNER", "DUE", "TYPE", "STATE", "STATUS", "FIXED", "BY", "TICKET", "ACTION"
    ]  # fmt: skip
    row = {line.rsplit("  ", 1)[-1].strip(): line for line in table[1:]}
    assert f"{fixed['sha'][:10]} 2026-11-27" in row["Guard the empty cart in pricing"]
    assert "OVERDUE  in progress" in row["Alert on checkout error rate"]
    assert "PROJ-45" in row["Load test the coupon path"]
    assert "0badc0de1 (not here)" in row["Cite a commit not in this clone"]
    overdue = incident("actions", "--overdue", "--today", "2026-12-01", "--json")
    assert [i["action"] for i in json.loads(overdue.stdout)] == ["Alert on checkout error rate"]


def test_the_report_keeps_every_status(fixed: dict[str, str]) -> None:
    report = incident("report", fixed["id"], "--today", "2026-12-01")
    assert report.exit_code == 0, report.stderr
    assert "| overdue: in progress |" in report.stdout
    assert "| open: not started |" in report.stdout
    assert "| open (PROJ-45) |" in report.stdout  # `open` says no more than the state
    assert f"| done: Done ✅ in {fixed['sha'][:9]} |" in report.stdout
    assert "| done |" in report.stdout
    text = incident("report", fixed["id"], "--format", "text", "--today", "2026-12-01").stdout
    assert "bo, due 2026-11-20, detect — OVERDUE — in progress" in text
    assert "@octocat, due 2027-02-01, prevent — not started\n" in text
    assert "@dee-2, due 2027-01-15, prevent — ticket PROJ-45\n" in text
    assert f"repair — Done ✅ in {fixed['sha'][:9]}\n" in text
    html = incident("report", fixed["id"], "--format", "html", "--today", "2026-12-01").stdout
    assert '<span class="state">overdue: in progress</span>' in html
    assert '<span class="ticket">PROJ-45</span>' in html


def test_a_bare_commit_is_checked_like_every_reference(repo: Repo, fixed: dict[str, str]) -> None:
    path = fixed["path"]
    # Committed, it passes as every commit reference does once its line is committed (a
    # squash may have taken it out of this clone, see `grounding`).
    assert incident("check", fixed["id"]).exit_code == 0
    text = repo.read(path).replace("fixed in 0badc0de1", "fixed in 0badc0de2")
    repo.write(path, text)
    line = line_of(repo, path, "| Cite a commit not in this clone")
    result = incident("check", fixed["id"])
    assert result.exit_code == 1
    assert result.stdout == (
        f"{path}:{line}: code reference `0badc0de2` is not a commit in this repository\n"
    )
    assert incident("check", "--all").stdout == result.stdout


def unproven(path: str, line: int, action: str) -> str:
    return (
        f'{path}:{line}: action item "{action}" is done but cites no commit of this '
        'repository; write the fixing commit in its Status ("done in 1a2b3c4") '
        "(actions.done_needs_commit)"
    )


def test_done_needs_commit_makes_an_unproven_done_a_problem(
    repo: Repo, fixed: dict[str, str]
) -> None:
    path = fixed["path"]
    message = unproven(
        path, line_of(repo, path, "| Write the cart runbook page"), "Write the cart runbook page"
    )
    assert incident("check", fixed["id"]).stdout == ""
    assert incident("check", "--all").stdout == ""  # and caches the answer
    repo.write(".incident.yaml", SWITCH_ON)
    for args in ((fixed["id"],), ("--all",)):
        after = incident("check", *args)
        assert after.exit_code == 1
        # The fix that resolves passes; so does the committed line citing a commit this
        # clone lacks, as every reference does.
        assert after.stdout == message + "\n"
    repo.write(".incident.yaml", "actions:\n  done_needs_commit: false\n")
    assert incident("check", "--all").exit_code == 0


def test_done_needs_commit_holds_in_the_hook(
    repo: Repo, fixed: dict[str, str], hook: HookRunner
) -> None:
    path = fixed["path"]
    repo.write(".incident.yaml", SWITCH_ON)
    text = repo.read(path).replace(
        "| Write the cart runbook page | cy | 2026-11-20 | process | done | |",
        "| Write the cart runbook page | cy | 2026-11-20 | process | done in 7e57ab1e | |",
    )
    repo.write(path, text)
    repo.git("add", "-A")
    line = line_of(repo, path, "| Write the cart runbook page")
    result = hook(path)
    assert result.code == 1
    assert f"{path}:{line}: code reference `7e57ab1e` is not a commit in this repository" in (
        result.stdout
    )
    assert unproven(path, line, "Write the cart runbook page") in result.stdout
    repo.write(path, text.replace("done in 7e57ab1e", f"done in {fixed['sha'][:7]}"))
    repo.git("add", "-A")
    passed = hook(path)
    assert "problem(s)" not in passed.stdout
    assert "added the changelog entry" in passed.stdout  # what a finished postmortem gets


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "timezone: UTC\nactions:\n  done_needs_commit: maybe\n",
            ".incident.yaml:3: actions.done_needs_commit must be true or false",
        ),
        (
            "actions:\n  needs_ticket: true\n",
            ".incident.yaml:2: unknown key actions.needs_ticket (known: done_needs_commit)",
        ),
        ("actions: yes\n", ".incident.yaml:1: actions must be a mapping of keys to values"),
    ],
)
def test_a_wrong_switch_names_its_line(repo: Repo, text: str, message: str) -> None:
    repo.write(".incident.yaml", text)
    result = incident("list")
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
