"""`incident check`: every blocking problem of the chosen incidents, in the working tree.

Goal checks that depend only on an incident's own files are cached by content (see
evalcache); code references are judged on every run (see `model/grounding`), since HEAD
moves: at HEAD or in the working tree, and those that fail there, as the code was when
their line was written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from incidentflow.files.yamlio import key_line
from incidentflow.git.snapshot import WorkingTree
from incidentflow.model.action_status import DoneRow, done_rows, unproven
from incidentflow.model.coderefs import CodeRef, parse_ref
from incidentflow.model.gate import commit_blockers, override_warnings
from incidentflow.model.goals import document_refs
from incidentflow.model.grounding import Resolver
from incidentflow.model.incidents import evaluate, incident_dir
from incidentflow.model.metadata import METADATA_NAME
from incidentflow.model.problems import Problem
from incidentflow.model.stages import POSTMORTEM
from incidentflow.model.workspace import Workspace
from incidentflow.speed.evalcache import ContentCache


def check_incidents(
    workspace: Workspace, incident_ids: list[str], *, warnings: list[Problem] | None = None
) -> list[Problem]:
    """Check each incident; problems sorted by file and line within each incident.

    What does not fail the check (an overridden stage's gaps) is appended to ``warnings``.
    """
    resolver = workspace.head_resolver()
    cache = ContentCache(workspace.git, workspace.root, workspace.config.incidents_dir)
    problems: list[Problem] = []
    known: set[str] | None = None
    try:
        directories = {i: incident_dir(workspace.config, i) for i in incident_ids}
        found = cache.results("check", directories, lambda i, tree: _evaluate(workspace, i, tree))
        reasons: dict[str, str | None] = {}  # by reference text: HEAD is the same for all
        for incident_id in incident_ids:
            found_problems, refs, started_at, found_warnings, links, done = found[incident_id]
            started = dt.datetime.fromisoformat(started_at) if started_at else None
            own = [
                Problem(path, line, message, incomplete)
                for path, line, message, incomplete in found_problems
            ]
            if warnings is not None:
                warnings += [Problem(path, line, message) for path, line, message in found_warnings]
            if links:
                known = set(workspace.ids()) if known is None else known
                own += _dangling(links, known)
            for path, line, text in refs:
                if text not in reasons:
                    ref = parse_ref(text)
                    reasons[text] = resolver.problem(ref) if ref is not None else None
                if reasons[text]:
                    # It does not resolve now; it may have when its line was written.
                    ref = parse_ref(text, line=line)
                    assert ref is not None
                    verdict = resolver.judge(ref, path=path, line=line, started=started)
                    if verdict.reason:
                        own.append(Problem(path, line, f"code reference {verdict.reason}"))
            for path, rows in done:
                own += _unproven(path, rows, resolver=resolver, started=started)
            problems += sorted(own, key=lambda p: (p.path, p.line or 0)) if len(own) > 1 else own
        cache.save()
    finally:
        workspace.git.close()
    return problems


def _evaluate(workspace: Workspace, incident_id: str, tree: WorkingTree) -> list[Any]:
    """The cacheable part of a check: problems from the files alone, the refs to resolve (of
    every stage), the start time their fallback needs, the warnings, the links to look up,
    and the action items marked done whose commits must resolve (with
    `actions.done_needs_commit`): a list, as it is stored in the cache as JSON."""
    report = evaluate(tree, workspace.config, incident_id)
    refs: list[list[Any]] = []
    done: list[list[Any]] = []
    for result in report.stages:
        if result.exists and result.text:
            refs += [[result.path, ref.line, ref.text] for ref in document_refs(result.doc)]
            if result.stage is POSTMORTEM and workspace.config.done_needs_commit:
                rows = [[r.line, r.action, list(r.commits)] for r in done_rows(result.doc)]
                done.append([result.path, rows])
    started = report.meta.time("started_at")
    links = []
    if report.meta.links:
        line = key_line(report.meta_text, "links")
        meta_path = f"{report.directory}/{METADATA_NAME}"
        links = [
            [meta_path, line, relation, other]
            for relation, others in report.meta.links.items()
            for other in others
        ]
    return [
        [[p.path, p.line, p.message, p.incomplete] for p in commit_blockers(report)],
        refs,
        started.isoformat() if started else None,
        [[p.path, p.line, p.message] for p in override_warnings(report)],
        links,
        done,
    ]


def _unproven(
    path: str, rows: list[list[Any]], *, resolver: Resolver, started: dt.datetime | None
) -> list[Problem]:
    """Rows marked done whose commits do not resolve (`actions.done_needs_commit`)."""

    def resolves(sha: str, line: int) -> bool:
        ref = CodeRef(sha, line, commit=sha)
        return resolver.judge(ref, path=path, line=line, started=started).reason is None

    found = [DoneRow(line, action, tuple(commits)) for line, action, commits in rows]
    return unproven(found, path=path, resolves=resolves)


def _dangling(links: list[list[Any]], known: set[str]) -> list[Problem]:
    """A link to an incident that does not exist."""
    return [
        Problem(path, line, f"links.{relation} names {other!r}, which is not an incident here")
        for path, line, relation, other in links
        if other not in known
    ]
