"""Every Markdown file incidentflow writes passes markdownlint, with the shipped config.

The config is the documented example (docs/ci/incidentflow.markdownlint.yaml), copied to
`.markdownlint.yaml` at the root of a test repository as the README tells users to, and
the real `markdownlint-cli2` (pinned in tests/node) finds it there as a pre-commit hook would.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import Repo, incident
from helpers_example import PROJECT
from helpers_incident import STAGE_FILES, advance, app_file, complete, new_incident
from helpers_node import MARKDOWNLINT, NEEDS_MARKDOWNLINT, NODE

from incidentflow.files.yamlio import load_safe

CONFIG = PROJECT / "docs" / "ci" / "incidentflow.markdownlint.yaml"


def markdownlint(root: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    """Run markdownlint-cli2 in ``root`` on ``paths``, with the config it finds there."""
    assert NODE is not None
    return subprocess.run(
        [NODE, str(MARKDOWNLINT), *(f":{path}" for path in paths)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_config_states_exactly_the_documented_exceptions() -> None:
    config = load_safe(CONFIG.read_text(encoding="utf-8"), path=str(CONFIG))
    assert config == {
        "default": True,
        "MD013": False,
        "MD033": False,
        "MD041": False,
        "MD024": {"siblings_only": True},
    }


class Written:
    """Copies of what the tool wrote, kept as they were at each step, to lint together."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.dir = repo.root / "written"
        self.dir.mkdir()
        self.names: list[str] = []

    def keep(self, name: str, text: str) -> None:
        (self.dir / name).write_text(text, encoding="utf-8")
        self.names.append(f"written/{name}")

    def keep_file(self, name: str, relpath: str) -> None:
        self.keep(name, self.repo.read(relpath))

    def keep_output(self, name: str, *args: str) -> None:
        result = incident(*args)
        assert result.exit_code == 0, result.stderr
        self.keep(name, result.stdout)


def carry_through_all_stages(repo: Repo) -> Written:
    """One incident from `incident new` to a committed postmortem, keeping every output."""
    written = Written(repo)
    assert incident("init").exit_code == 0
    app_file(repo)
    incident_id = new_incident("Checkout API returning 500s")
    directory = f"incidents/{incident_id}"
    written.keep_file("timeline-new.md", f"{directory}/timeline.md")
    for text, when in [
        ("p99 12s, 30% of POST /checkout fail", "10:10"),
        ("flag payments.retry_v2 off", "10:40"),
    ]:
        assert incident("log", text, "--at", f"{incident_id[:10]}T{when}:00+00:00").exit_code == 0
    written.keep_file("timeline-logged.md", f"{directory}/timeline.md")
    assert incident("index").exit_code == 0
    for number, stage_file in enumerate(STAGE_FILES, start=1):
        if number > 1:
            advance(incident_id)
        stem = stage_file.removesuffix(".md")
        written.keep_file(f"{stem}-scaffolded.md", f"{directory}/{stage_file}")
        written.keep_output(f"report-{stem}-scaffolded.md", "report", incident_id)
        written.keep_output(f"pr-body-{stem}-scaffolded.md", "pr-body", incident_id)
        complete(repo, incident_id, stage_file)
        written.keep_file(f"{stem}-filled.md", f"{directory}/{stage_file}")
        written.keep_output(f"report-{stem}-filled.md", "report", incident_id)
        written.keep_output(f"pr-body-{stem}-filled.md", "pr-body", incident_id)
        repo.commit_all(f"incident: {stem}")
    written.keep_output("timeline-command.md", "timeline", incident_id, "--mermaid")
    result = incident("changelog")
    assert result.exit_code == 0, result.stderr
    written.keep_file("CHANGELOG.md", "CHANGELOG.md")
    assert incident("index").exit_code == 0
    written.keep_file("index.md", "incidents/README.md")
    return written


@NEEDS_MARKDOWNLINT
def test_everything_written_for_an_incident_passes_markdownlint(repo: Repo) -> None:
    shutil.copy(CONFIG, repo.root / ".markdownlint.yaml")
    written = carry_through_all_stages(repo)
    postmortem = (repo.root / "written" / "04-postmortem-filled.md").read_text(encoding="utf-8")
    assert "| --- | --- | --- |\n" in postmortem and "```mermaid\ngantt\n" in postmortem
    assert "Outside the response window" in postmortem  # `incident new` logged "now"
    result = markdownlint(repo.root, *written.names)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Linting: {len(written.names)} file(s)" in result.stdout + result.stderr


@NEEDS_MARKDOWNLINT
def test_the_lint_check_fails_on_a_bad_file(repo: Repo) -> None:
    """The check above can fail: the table and blank lines the tool used to write are caught."""
    shutil.copy(CONFIG, repo.root / ".markdownlint.yaml")
    repo.write(
        "bad.md",
        "# Bad\n\n| Time | Event |\n|------|-------|\n| 14:02 | x |\n\n## What went well\n\n\n"
        "## What went wrong\n",
    )
    result = markdownlint(repo.root, "bad.md")
    assert result.returncode == 1
    assert "bad.md:5:9 error MD060/table-column-style" in result.stderr
    assert "bad.md:9 error MD012/no-multiple-blanks" in result.stderr


@NEEDS_MARKDOWNLINT
def test_the_worked_example_and_changelog_pass_markdownlint(tmp_path: Path) -> None:
    shutil.copytree(PROJECT / "incidents", tmp_path / "incidents")
    shutil.copy(PROJECT / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    shutil.copy(CONFIG, tmp_path / ".markdownlint.yaml")
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("incidents/**/*.md"))
    assert len(files) >= 6
    result = markdownlint(tmp_path, *files, "CHANGELOG.md")
    assert result.returncode == 0, result.stdout + result.stderr


@NEEDS_MARKDOWNLINT
def test_a_timeline_table_with_an_empty_cell_passes(repo: Repo) -> None:
    import datetime as dt

    from incidentflow.timeline.assemble import Event, markdown_table

    when = dt.datetime(2026, 11, 25, 14, 2, tzinfo=dt.timezone.utc)
    table = markdown_table([Event(when, "", "timeline.md:5"), Event(when, " x ", "git abc")])
    assert table.splitlines()[2:] == [
        "| 2026-11-25T14:02:00+00:00 | | timeline.md:5 |",
        "| 2026-11-25T14:02:00+00:00 | x | git abc |",
    ]
    shutil.copy(CONFIG, repo.root / ".markdownlint.yaml")
    repo.write("table.md", f"# T\n\n{table}\n")
    result = markdownlint(repo.root, "table.md")
    assert result.returncode == 0, result.stdout + result.stderr
