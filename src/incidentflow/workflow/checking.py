"""`incident check`: every blocking problem of the chosen incidents, in the working tree.

Goal checks that depend only on an incident's own files are cached by content (see
evalcache); code references are resolved against HEAD on every run, since HEAD moves.
"""

from __future__ import annotations

from typing import Any

from incidentflow.model.coderefs import CodeRef, parse_ref
from incidentflow.model.goals import document_refs
from incidentflow.model.incidents import blocking_problems, evaluate, incident_dir
from incidentflow.model.problems import Problem
from incidentflow.model.stages import DIAGNOSIS
from incidentflow.model.workspace import Workspace
from incidentflow.speed.evalcache import ContentCache


def check_incidents(workspace: Workspace, incident_ids: list[str]) -> list[Problem]:
    """Check each incident; problems sorted by file and line within each incident."""
    resolver = workspace.head_resolver()
    cache = ContentCache(workspace.git, workspace.root, workspace.config.incidents_dir)
    problems: list[Problem] = []
    try:
        global _WORKSPACE
        _WORKSPACE = workspace
        directories = {i: incident_dir(workspace.config, i) for i in incident_ids}
        found = cache.results("check", directories, _evaluate)
        reasons: dict[str, str | None] = {}  # by reference text: HEAD is the same for all
        for incident_id in incident_ids:
            found_problems, refs = found[incident_id]
            own = [
                Problem(path, line, message, incomplete)
                for path, line, message, incomplete in found_problems
            ]
            for path, line, text in refs:
                if text not in reasons:
                    ref = parse_ref(text)
                    reasons[text] = resolver.problem(ref) if ref is not None else None
                if reasons[text]:
                    own.append(Problem(path, line, f"code reference {reasons[text]}"))
            problems += sorted(own, key=lambda p: (p.path, p.line or 0)) if len(own) > 1 else own
        cache.save()
    finally:
        workspace.git.close()
    return problems


# The workspace of the current run, for worker processes (forked, so it need not pickle).
_WORKSPACE: Workspace | None = None


def _evaluate(incident_id: str) -> list[Any]:
    """The cacheable part of a check: problems from the files alone, and the refs to resolve
    (a list of the two: it is stored in the cache as JSON)."""
    workspace = _WORKSPACE
    assert workspace is not None
    report = evaluate(workspace.tree, workspace.config, incident_id)
    refs: list[CodeRef] = []
    diagnosis = report.result(DIAGNOSIS)
    if diagnosis is not None and diagnosis.exists:
        refs = document_refs(diagnosis.doc)
    return [
        [[p.path, p.line, p.message, p.incomplete] for p in blocking_problems(report)],
        [[diagnosis.path if diagnosis else "", ref.line, ref.text] for ref in refs],
    ]
