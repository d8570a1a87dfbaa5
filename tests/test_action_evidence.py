"""Action items read generously, done when git says so, and exported to trackers."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import HookRunner, Repo, incident
from helpers_incident import app_file, build, new_incident
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentflow.model.action_status import evidence, status_is_done
from incidentflow.reports.actions import ActionItem
from incidentflow.reports.exports import CSV_HEADER, gh_script

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


CSV_FIELDS = (
    "summary", "description", "assignee", "due", "label1", "label2", "kind", "title", "body"
)  # fmt: skip


def test_csv_export_is_what_the_importers_read(tmp_path: Path, fixed: dict[str, str]) -> None:
    out = tmp_path / "actions.csv"
    result = incident("actions", "--export", "csv", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "../actions.csv\n"  # where it went, as `report -o` says
    data = out.read_bytes()
    assert data.startswith(b"Summary,Description,Assignee,Due date,Labels,Labels,Issue Type,")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    # Jira's importer needs Summary, maps the rest by name, takes one label a column; the
    # tools that import CSV into GitHub issues read title, body, labels and assignee.
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[0][:5] == ["Summary", "Description", "Assignee", "Due date", "Labels"]
    assert {"title", "body"} <= {name.casefold() for name in rows[0]}
    by_summary = {row[0]: dict(zip(CSV_FIELDS, row, strict=True)) for row in rows[1:]}
    # Done items and the one with a ticket are left out.
    assert sorted(by_summary) == sorted(["Alert on checkout error rate", HOSTILE])
    alert = by_summary["Alert on checkout error rate"]
    assert (alert["assignee"], alert["due"], alert["label1"], alert["label2"], alert["kind"]) == (
        "",  # `bo` is a name, not a login: the description names the owner
        "2026-11-20",
        "incident",
        "detect",
        "Task",
    )
    assert alert["description"].splitlines()[:4] == [
        "Alert on checkout error rate",
        "",
        f"Action item of incident {fixed['id']} (Checkout API 500s).",
        f"Postmortem: {fixed['path']}:{line_of_alert(fixed)}",
    ]
    assert "Owner: bo; due 2026-11-20; type detect; status: in progress" in alert["description"]
    assert (alert["title"], alert["body"]) == (alert["summary"], alert["description"])
    assert by_summary[HOSTILE]["assignee"] == "octocat"


def line_of_alert(fixed: dict[str, str]) -> int:
    lines = Path(fixed["path"]).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("| Alert on"))


def test_export_options_that_do_not_go_together(fixed: dict[str, str]) -> None:
    both = incident("actions", "--export", "csv", "--json")
    assert both.exit_code == 2
    assert "--json and --export cannot be used together" in both.stderr
    alone = incident("actions", "-o", "x.csv")
    assert alone.exit_code == 2
    assert "-o/--output needs --export" in alone.stderr
    assert not Path("x.csv").exists()


def stand_in_gh(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A stand-in for `gh`, because the real one needs the network: it records its argv
    (each argument NUL-terminated, one call a line) and prints an issue URL as
    `gh issue create` does. Returns the environment that finds it first, and the log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "calls"
    fake = bin_dir / "gh"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f"printf '%s\\0' \"$@\" >> '{log}'\nprintf '\\n' >> '{log}'\n"
        'if [ "$1" = issue ]; then echo https://github.com/shop/front/issues/7; fi\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, log


def run_script(
    script: str, tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    """Check the script's syntax with `bash -n`, then run it against the stand-in `gh`."""
    path = tmp_path / "issues.sh"
    path.write_text(script, encoding="utf-8")
    syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    env, log = stand_in_gh(tmp_path)
    log.unlink(missing_ok=True)
    ran = subprocess.run(["bash", str(path)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    calls = (
        log.read_bytes().decode("utf-8", "surrogateescape").split("\0\n") if log.exists() else []
    )
    return ran, [call.split("\0") for call in calls if call]


def flag(call: list[str], name: str) -> list[str]:
    """Every value of ``--name=value`` in one recorded call."""
    return [arg.removeprefix(f"--{name}=") for arg in call if arg.startswith(f"--{name}=")]


def test_gh_script_quotes_every_value_and_skips_recorded_tickets(
    repo: Repo, tmp_path: Path, fixed: dict[str, str]
) -> None:
    repo.git("remote", "add", "origin", "git@github.com:shop/front.git")
    script = incident("actions", "--export", "gh").stdout
    ran, calls = run_script(script, tmp_path)
    assert not (tmp_path / "pwned").exists()
    creates = [call for call in calls if call[:2] == ["issue", "create"]]
    assert [flag(call, "title") for call in creates] == [
        ["Alert on checkout error rate"],
        [HOSTILE],
    ]
    alert, hostile = creates
    assert flag(hostile, "assignee") == ["octocat"]
    assert flag(alert, "assignee") == []  # `bo` is a name, not a login
    assert flag(alert, "label") == ["incident", "detect"]
    body = flag(hostile, "body")[0]
    assert body.startswith(HOSTILE + "\n\n")
    link = f"https://github.com/shop/front/blob/HEAD/{fixed['path']}#L{line_of(repo, fixed['path'], '| Quote')}"
    assert f"Postmortem: {link}\n" in body
    assert ["label", "create", "incident"] in calls
    assert (
        f"{fixed['path']}:{line_of_alert(fixed)}: https://github.com/shop/front/issues/7"
        in ran.stdout
    )

    # Recording the tickets (in the Ticket column, or in the Status): the next export
    # proposes nothing.
    text = repo.read(fixed["path"])
    text = text.replace("| in progress | |", "| in progress | #7 |")
    text = text.replace("| not started | |", "| not started, #8 | |")
    repo.write(fixed["path"], text)
    again = incident("actions", "--export", "gh").stdout
    assert "gh issue create" not in again
    assert "every open action item records its ticket" in again
    assert run_script(again, tmp_path)[1] == []
    empty = incident("actions", "--export", "csv").stdout_bytes
    assert empty == (",".join(CSV_HEADER) + "\r\n").encode()


def item(action: str, owner: str, kind: str, status: str) -> ActionItem:
    found = ActionItem(
        incident="2026-11-25-x",
        action=action,
        owner=owner,
        due="2026-12-01",
        type=kind,
        done=False,
        overdue=False,
        path="incidents/2026-11-25-x/04-postmortem.md",
        line=9,
        status=status,
    )
    found.incident_title = action[::-1]
    return found


# Any text but NUL, which no argument can hold; surrogates are not text.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(TEXT, TEXT, TEXT, TEXT), min_size=1, max_size=4))
def test_gh_script_hands_any_text_to_gh_unchanged(
    tmp_path: Path, values: list[tuple[str, str, str, str]]
) -> None:
    from incidentflow.reports.exports import description

    items = [item(*row) for row in values]
    _, calls = run_script(gh_script(items, remote="https://github.com/shop/front"), tmp_path)
    creates = [call for call in calls if call[:2] == ["issue", "create"]]
    assert [flag(call, "title") for call in creates] == [[i.action] for i in items]
    assert [flag(call, "body") for call in creates] == [
        [description(i, remote="https://github.com/shop/front")] for i in items
    ]
