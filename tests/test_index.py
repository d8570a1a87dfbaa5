"""`incident index`: incidents/README.md, a table of every incident, kept current by the hook."""

from __future__ import annotations

import shutil

import pytest
from conftest import Repo, incident
from helpers_incident import advance, complete, new_incident, set_meta

from incidentflow.main import main
from incidentflow.model.config import load_config
from incidentflow.reports.index import build_index, update_index

INDEX = "incidents/README.md"
HEADER = (
    "# Incidents\n\n"
    "Every incident in this repository, newest first. Status and stage are derived from each\n"
    "incident's files. `incident index` writes the table; the pre-commit hook keeps it current.\n"
    "\n"
    "<!-- incident-index:start (written by `incident index`; edits inside are replaced) -->\n"
    "| Incident | Started (UTC) | Severity | Status | Stage | Title |\n"
    "| --- | --- | --- | --- | --- | --- |\n"
)
END = "<!-- incident-index:end -->\n"


def new(title: str, started: str, severity: str = "SEV3") -> str:
    result = incident(
        "new", title, "--started-at", started, "--detected-at", started, "--severity", severity
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip().rsplit("/", 1)[1]


@pytest.fixture
def three(repo: Repo) -> list[str]:
    """Two incidents on one day (the later first in the index) and an older one."""
    return [
        new("Alpha | <b>outage</b>", "2026-11-01T10:00:00+00:00", "SEV1"),
        new("Beta", "2026-11-03T09:00:00+00:00"),
        new("Gamma", "2026-11-03T11:00:00+00:00"),
    ]


def test_writes_the_table_newest_first(repo: Repo, three: list[str]) -> None:
    result = incident("index")
    assert result.exit_code == 0
    assert result.stdout == f"created {INDEX}\n"
    assert (
        repo.read(INDEX)
        == HEADER
        + (
            "| [2026-11-03-gamma](2026-11-03-gamma/) | 2026-11-03 11:00 | SEV3 | active | triage "
            "| Gamma |\n"
            "| [2026-11-03-beta](2026-11-03-beta/) | 2026-11-03 09:00 | SEV3 | active | triage "
            "| Beta |\n"
            "| [2026-11-01-alpha-b-outage-b](2026-11-01-alpha-b-outage-b/) | 2026-11-01 10:00 "
            "| SEV1 | active | triage | Alpha \\| \\<b\\>outage\\</b\\> |\n"
        )
        + END
    )


def test_a_table_in_the_old_delimiter_style_is_rewritten(repo: Repo, three: list[str]) -> None:
    """Indexes written before the compact table style get it on the next run."""
    assert incident("index").exit_code == 0
    current = repo.read(INDEX)
    repo.write(INDEX, current.replace("| --- | --- | --- | --- | --- | --- |", "|" + "---|" * 6))
    assert incident("index", "--check").exit_code == 1
    assert incident("index").exit_code == 0
    assert repo.read(INDEX) == current


def test_idempotent(repo: Repo, three: list[str]) -> None:
    assert incident("index").exit_code == 0
    before = (repo.root / INDEX).stat().st_mtime_ns, repo.read(INDEX)
    result = incident("index")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"{INDEX} is up to date\n"
    assert ((repo.root / INDEX).stat().st_mtime_ns, repo.read(INDEX)) == before


def test_check(repo: Repo, three: list[str]) -> None:
    result = incident("index", "--check")
    assert result.exit_code == 1
    assert result.stdout == f"{INDEX} is out of date; run: incident index\n"
    assert not (repo.root / INDEX).exists()  # --check changes nothing
    incident("index")
    assert incident("index", "--check").exit_code == 0
    set_meta(repo, three[1], "severity", '"SEV1"')
    assert incident("index", "--check").exit_code == 1
    assert "| 2026-11-03 09:00 | SEV3 |" in repo.read(INDEX)


def test_status_and_stage_follow_the_files(repo: Repo) -> None:
    repo.write("app.py", "def price(total, count):\n    return total / count\n")
    repo.commit_all("app")
    incident_id = new_incident()
    complete(repo, incident_id, "01-triage.md")
    advance(incident_id)
    incident("index")
    assert f"| SEV2 | contained | diagnosis | Checkout API 500s |\n{END}" in repo.read(INDEX)


def test_text_around_the_table_is_kept(repo: Repo, three: list[str]) -> None:
    repo.write(INDEX, "# Our incidents\n\nAsk #sre before editing.\n")
    incident("index")
    text = repo.read(INDEX)
    assert text.startswith("# Our incidents\n\nAsk #sre before editing.\n\n<!-- incident-index")
    text = text.replace(END, END + "\nFooter kept.\n")
    repo.write(INDEX, text)
    new("Delta", "2026-11-04T08:00:00+00:00")
    incident("index")
    updated = repo.read(INDEX)
    assert updated.startswith("# Our incidents\n\nAsk #sre before editing.\n\n")
    assert updated.endswith(END + "\nFooter kept.\n")
    assert updated.index("2026-11-04-delta") < updated.index("2026-11-03-gamma")


def test_refreshing_some_rows_equals_a_full_rebuild(repo: Repo, three: list[str]) -> None:
    config = load_config(repo.root)
    assert update_index(config) is True
    delta = new("Delta", "2026-11-02T08:00:00+00:00", "SEV2")
    set_meta(repo, three[2], "title", '"Gamma, renamed"')
    shutil.rmtree(repo.root / "incidents" / three[0])
    stale = repo.read(INDEX)
    # Only the named incidents are read; the others' rows are kept as they are.
    assert update_index(config, incident_ids=[delta, three[2], three[0]]) is True
    assert repo.read(INDEX) == build_index(config) != stale
    assert update_index(config, incident_ids=[delta]) is False


def test_rows_not_named_are_not_reread(repo: Repo, three: list[str]) -> None:
    config = load_config(repo.root)
    update_index(config)
    set_meta(repo, three[1], "severity", '"SEV1"')  # not named below
    update_index(config, incident_ids=[three[2]])
    assert "| 2026-11-03 09:00 | SEV3 |" in repo.read(INDEX)
    update_index(config, incident_ids=[three[1]])
    assert "| 2026-11-03 09:00 | SEV1 |" in repo.read(INDEX)


def test_a_changed_timezone_rebuilds_everything(repo: Repo, three: list[str]) -> None:
    update_index(load_config(repo.root))
    repo.write(".incident.yaml", "timezone: Asia/Tokyo\n")
    config = load_config(repo.root)
    assert update_index(config, incident_ids=[three[0]]) is True
    text = repo.read(INDEX)
    assert "| Started (Asia/Tokyo) |" in text
    assert "| 2026-11-03 20:00 | SEV3 | active | triage | Gamma |" in text  # 11:00 UTC


def test_without_create_a_missing_index_stays_missing(repo: Repo, three: list[str]) -> None:
    config = load_config(repo.root)
    assert update_index(config, incident_ids=three, create=False) is False
    assert not (repo.root / INDEX).exists()
    repo.write(INDEX, "# Handwritten\n")
    assert update_index(config, incident_ids=three, create=False) is False
    assert repo.read(INDEX) == "# Handwritten\n"


def test_no_incidents(repo: Repo) -> None:
    assert incident("index").exit_code == 0
    assert repo.read(INDEX) == HEADER + END


# --- The pre-commit hook keeps the index current -------------------------------------------

UPDATED = f"incident-check: updated {INDEX}; review it, `git add {INDEX}` and commit again\n"
NOT_STAGED = (
    f"incident-check: {INDEX} is updated but not staged; `git add {INDEX}` and commit again\n"
)


def run_hook(capsys: pytest.CaptureFixture[str], repo: Repo) -> tuple[int, str]:
    """Stage everything, then run `incident hook FILES` as pre-commit would (entry point)."""
    repo.git("add", "-A")
    files = repo.git("diff", "--cached", "--name-only").split()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["hook", *files])
    out, err = capsys.readouterr()
    assert isinstance(exited.value.code, int)
    return exited.value.code, out + err


def triage_done_and_diagnosis_started(repo: Repo) -> str:
    repo.write("app.py", "def price(total, count):\n    return total / count\n")
    repo.commit_all("app")
    incident_id = new_incident()
    assert incident("index").exit_code == 0
    repo.commit_all("triage started, index")
    complete(repo, incident_id, "01-triage.md")
    advance(incident_id)
    return incident_id


def test_the_hook_keeps_the_index_current(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    triage_done_and_diagnosis_started(repo)
    code, output = run_hook(capsys, repo)
    assert (code, output) == (1, UPDATED)  # it changed a file: review it, add it, commit again
    assert "| contained | diagnosis |" in repo.read(INDEX)
    assert repo.git("diff", "--name-only").split() == [INDEX]  # the hook never runs git add
    assert run_hook(capsys, repo) == (0, "")  # idempotent: the second commit goes through
    assert incident("index", "--check").exit_code == 0


def test_the_hook_wants_the_updated_index_in_the_commit(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    triage_done_and_diagnosis_started(repo)
    assert incident("index").exit_code == 0  # updated by hand ...
    repo.git("add", "-A")
    repo.git("restore", "--staged", INDEX)  # ... but left out of the commit
    files = repo.git("diff", "--cached", "--name-only").split()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["hook", *files])
    assert exited.value.code == 1
    assert capsys.readouterr().out == NOT_STAGED


def test_the_hook_does_not_create_an_index(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    new_incident()
    assert run_hook(capsys, repo) == (0, "")
    assert not (repo.root / INDEX).exists()


def test_the_hook_touches_only_its_rows_of_a_big_index(
    repo: Repo, three: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Ten thousand rows: the hook changes the one row its commit changes, in place, and
    looks at no other (a row it did not touch, even one out of order, stays as it was)."""
    assert incident("index").exit_code == 0
    text = repo.read(INDEX)
    start = text.index("| [2026-11-03-gamma]")
    filler = "".join(
        f"| [2020-01-{1 + n % 28:02d}-old-{n}](2020-01-{1 + n % 28:02d}-old-{n}/) | 2020-01-01 00:00 "
        f"| SEV3 | closed | postmortem | Old {n} |\n"
        for n in range(10_000)
    )
    odd = "| [1999-01-01-misplaced](1999-01-01-misplaced/) | 1999-01-01 00:00 | SEV4 | closed | postmortem | Misplaced |\n"
    end = text.index(END)
    repo.write(INDEX, text[:start] + odd + text[start:end] + filler + text[end:])
    big = repo.read(INDEX)
    repo.git("add", "-A")
    set_meta(repo, three[1], "severity", '"SEV1"')
    repo.git("add", "-A")
    with pytest.raises(SystemExit) as exited:
        main(["hook", f"incidents/{three[1]}/incident.yaml"])
    assert exited.value.code == 1
    assert f"updated {INDEX}" in capsys.readouterr().out
    after = repo.read(INDEX)
    old_row = next(line for line in big.splitlines() if f"[{three[1]}]" in line)
    assert after == big.replace(old_row, old_row.replace("| SEV3 |", "| SEV1 |"))
    repo.git("add", "-A")
    with pytest.raises(SystemExit) as again:
        main(["hook", f"incidents/{three[1]}/incident.yaml"])
    assert again.value.code == 0
