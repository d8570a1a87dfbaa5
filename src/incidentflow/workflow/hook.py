"""The pre-commit hook: the stage order and goals, judged on what the commit will contain.

It reads as evaluate → gate → effects (see `run_hook`). Kept free of Click, GitPython and
Jinja2, since it runs in every commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from incidentflow.errors import ExitCode, IncidentError
from incidentflow.git.repo import Git, find_root
from incidentflow.git.snapshot import StagedIndex
from incidentflow.model.config import Config, load_config
from incidentflow.model.gate import commit_blockers, incidents_touched, override_warnings
from incidentflow.model.grounding import index_resolver
from incidentflow.model.incidents import evaluate, incident_dir
from incidentflow.model.metadata import METADATA_NAME
from incidentflow.model.problems import Problem
from incidentflow.model.stages import POSTMORTEM
from incidentflow.reports.index import index_relpath, refresh_for_commit

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)

if TYPE_CHECKING:
    from incidentflow.changelog.landing import Landing
    from incidentflow.model.incidents import IncidentReport

USAGE = "usage: incident hook [--all] [FILES]..."


def run_hook_command(argv: list[str]) -> int:
    """Parse the hook's arguments (pre-commit passes file names) and run it."""
    check_all = False
    files: list[str] = []
    options_done = False
    for arg in argv:
        if not options_done and arg == "--":
            options_done = True
        elif not options_done and arg == "--all":
            check_all = True
        elif not options_done and arg.startswith("-"):
            raise IncidentError(f"unknown option {arg!r}; {USAGE}")
        else:
            files.append(arg)
    root = find_root(Path.cwd())
    return run_hook(root, files=files, check_all=check_all)


def run_hook(root: Path, *, files: list[str], check_all: bool = False) -> int:
    """Judge the incidents a commit touches, as staged; then keep the index and the
    changelog in step with them. Returns the exit code.

    Evaluate (read the staged files and check each goal), gate (`model/gate`: what refuses
    the commit), effects (the `incidents/README.md` rows, the changelog entry of a postmortem
    the commit lands).
    """
    config = load_config(root)
    index_file = index_relpath(config)
    git = Git(root)
    try:
        staged, ids = _staged_incidents(git, config, files=files, check_all=check_all)
        if not ids:
            return 0
        resolver = index_resolver(git, staged.read)
        reports = [evaluate(staged, config, i, resolver=resolver) for i in ids]
        blocked = {report.id: commit_blockers(report) for report in reports}
        problems = [problem for found in blocked.values() for problem in found]
        for report in reports:
            for warning in override_warnings(report):
                print(warning, file=sys.stderr)
        if problems:
            _refuse(problems)
            return int(ExitCode.FAILED)
        finishing = _finishing(config, files)
        landing = _judge_changelog(
            git, config, [r for r in reports if check_all or r.id in finishing]
        )
        staged_index = staged.read(index_file)
    finally:
        git.close()
    return _effects(config, ids=ids, staged_index=staged_index, landing=landing)


def _staged_incidents(
    git: Git, config: Config, *, files: list[str], check_all: bool
) -> tuple[StagedIndex, list[str]]:
    """What the commit holds of the incidents it touches (every incident, with
    ``check_all``), and their ids; an incident with nothing left staged is being deleted,
    so there is nothing to check."""
    index_file = index_relpath(config)
    if check_all:
        # One index read for everything: with many incidents the index itself is large.
        staged = StagedIndex(git, git.staged([config.incidents_dir + "/", index_file]))
        return staged, incidents_touched(config.incidents_dir, staged.paths())
    ids = incidents_touched(config.incidents_dir, files)
    if not ids:
        return StagedIndex(git, git.staged([])), []
    staged = StagedIndex(
        git, git.staged([*(incident_dir(config, i) + "/" for i in ids), index_file])
    )
    present = set(incidents_touched(config.incidents_dir, staged.paths()))
    return staged, [i for i in ids if i in present]


def _refuse(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem)
    print(
        f"incident-check: {len(problems)} problem(s); stages are committed in order, "
        "each earlier stage meeting its goal in what is staged",
        file=sys.stderr,
    )


def _effects(
    config: Config, *, ids: list[str], staged_index: bytes | None, landing: Landing | None
) -> int:
    """What a commit that passes the gate changes: the index rows of its incidents (when the
    repository keeps `incidents/README.md`) and the changelog entries it lands. Either
    change stops the commit once, so the person reviews and stages it."""
    index_note = refresh_for_commit(config, incident_ids=ids, staged=staged_index)
    if index_note:
        print(index_note)
    changelog_failed = False
    if landing is not None:
        from incidentflow.changelog.landing import land

        changelog_failed, lines = land(landing)
        for line in lines:
            print(line)
    return int(ExitCode.FAILED) if index_note or changelog_failed else 0


def _judge_changelog(git: Git, config: Config, reports: list[IncidentReport]) -> Landing | None:
    """The commit must carry the entry of each postmortem it lands, so the changelog (or
    its news fragment) is judged as staged; read only when a finished postmortem lands."""
    if not reports:
        return None
    from incidentflow.changelog.finished import is_finished

    reports = [report for report in reports if is_finished(report)]
    if not reports:
        return None
    from incidentflow.changelog.landing import judge_staged

    return judge_staged(git, config, reports)


def _finishing(config: Config, files: list[str]) -> set[str]:
    """Incidents whose postmortem this commit may finish: it touches the postmortem itself or
    `incident.yaml` (where `resolved_at` is set).

    Only for these is the changelog read: a postmortem lands when it is committed, and a
    typo fixed in an old incident's triage should not read a changelog that grows with every
    incident. `incident changelog --check` covers entries missing for any other reason.
    """
    deciding = {POSTMORTEM.filename, METADATA_NAME}
    named = [name for name in files if name.replace("\\", "/").rpartition("/")[2] in deciding]
    return set(incidents_touched(config.incidents_dir, named))
