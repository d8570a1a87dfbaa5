"""`incident check`: every blocking problem of the chosen incidents, in the working tree."""

from __future__ import annotations

from incidentflow.goal_report import Problem
from incidentflow.incidents import blocking_problems, evaluate
from incidentflow.workspace import Workspace


def check_incidents(workspace: Workspace, incident_ids: list[str]) -> list[Problem]:
    """Check each incident against HEAD for code references; problems in file order."""
    resolver = workspace.head_resolver()
    problems: list[Problem] = []
    try:
        for incident_id in incident_ids:
            report = evaluate(workspace.tree, workspace.config, incident_id, resolver=resolver)
            problems += blocking_problems(report)
    finally:
        workspace.git.close()
    return problems
