"""The pre-commit hook: the stage order and goals, judged on what the commit will contain.

Kept free of Click, GitPython and Jinja2, since it runs in every commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from incidentflow.errors import ExitCode, IncidentError
from incidentflow.git.repo import Git, find_root
from incidentflow.git.snapshot import StagedIndex
from incidentflow.model.config import Config, load_config
from incidentflow.model.grounding import index_resolver
from incidentflow.model.ids import ID_PATTERN
from incidentflow.model.incidents import blocking_problems, evaluate, incident_dir
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


def touched_incidents(config: Config, files: list[str]) -> list[str]:
    """Ids of the incidents that ``files`` (repo-relative paths) belong to."""
    prefix = "" if config.incidents_dir == "." else config.incidents_dir.rstrip("/") + "/"
    found: set[str] = set()
    for name in files:
        path = name.replace("\\", "/")
        if path.startswith("./"):
            path = path[2:]
        if not path.startswith(prefix):
            continue
        first = path[len(prefix) :].split("/", 1)[0]
        if ID_PATTERN.match(first):
            found.add(first)
    return sorted(found)


def run_hook(root: Path, *, files: list[str], check_all: bool = False) -> int:
    """Validate the touched incidents from the index; add changelog entries; return exit code."""
    config = load_config(root)
    index_file = index_relpath(config)
    staged_index: bytes | None = None
    git = Git(root)
    try:
        if check_all:
            # One index read for everything: with many incidents the index itself is large.
            pathspecs = [config.incidents_dir + "/", index_file]
            staged = StagedIndex(git, git.staged(pathspecs))
            ids = touched_incidents(config, staged.paths())
            if not ids:
                return 0
        else:
            ids = touched_incidents(config, files)
            if not ids:
                return 0
            pathspecs = [*(incident_dir(config, i) + "/" for i in ids), index_file]
            staged = StagedIndex(git, git.staged(pathspecs))
            # An incident with nothing left in the index is being deleted: nothing to check.
            ids = [i for i in ids if i in touched_incidents(config, staged.paths())]
        resolver = index_resolver(git, staged.read)
        finishing = _finishing(config, files)
        problems: list[Problem] = []
        landing_reports: list[IncidentReport] = []
        for incident_id in ids:
            report = evaluate(staged, config, incident_id, resolver=resolver)
            found = blocking_problems(report)
            problems += found
            if (check_all or incident_id in finishing) and not found:
                landing_reports.append(report)
        landing = _judge_changelog(git, config, landing_reports) if not problems else None
        if not problems:
            staged_index = staged.read(index_file)
    finally:
        git.close()
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"incident-check: {len(problems)} problem(s); stages are committed in order, "
            "each earlier stage meeting its goal in what is staged",
            file=sys.stderr,
        )
        return int(ExitCode.FAILED)
    # incidents/README.md, when the repository keeps one (`incident index`), stays current.
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
    return set(touched_incidents(config, named))
