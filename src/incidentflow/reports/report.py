"""`incident report` and `incident pr-body`: one incident for readers outside the room.

Both render templates from `templates/report/` (a repository may override them in its
`templates_dir`) with the incident's :class:`~incidentflow.reports.digest.Digest` as data. The HTML
report is one self-contained page: markdown people wrote is converted to escaped HTML here,
and the template escapes everything else.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from incidentflow.errors import IncidentError

if TYPE_CHECKING:  # kept out of `incident`'s start-up; loaded when a report is made
    from incidentflow.model.config import Config
    from incidentflow.model.workspace import Workspace
    from incidentflow.reports.digest import Digest

FORMATS = {"markdown": "md", "text": "txt", "html": "html"}
MAX_MISSING = 5  # unmet-goal lines listed per stage in a PR body


def load_digest(workspace: Workspace, incident_id: str, *, today: dt.date) -> Digest:
    """Evaluate every stage of one incident (code references at HEAD) and digest it."""
    from incidentflow.model.history import timeline_entries
    from incidentflow.reports.digest import digest_incident

    try:
        report = workspace.report(incident_id)
    finally:
        workspace.git.close()
    entries = timeline_entries(workspace.tree, report.directory)
    return digest_incident(report, workspace.config, today=today, entries=entries)


def render_report(digest: Digest, *, config: Config, fmt: str) -> str:
    """The stakeholder report in ``fmt``: `markdown`, `text` or `html`."""
    if fmt not in FORMATS:
        raise IncidentError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    context: dict[str, Any] = {"incident": digest}
    if fmt == "html":
        context["html"] = _html_parts(digest, config)
    return _render(f"report/report.{FORMATS[fmt]}.j2", config=config, context=context)


def render_pr_body(digest: Digest, *, config: Config) -> str:
    """Markdown for a pull request's description: goals checklist, what happened, open actions."""
    context = {"incident": digest, "max_missing": MAX_MISSING}
    return _render("report/pr-body.md.j2", config=config, context=context)


def _render(name: str, *, config: Config, context: dict[str, Any]) -> str:
    from incidentflow.files.rendering import render

    text = render(name, root=config.root, templates_dir=config.templates_dir, context=context)
    return text.rstrip("\n") + "\n"


def _html_parts(digest: Digest, config: Config) -> dict[str, Any]:
    """The parts people wrote in markdown, as safe HTML, and the severity's CSS class."""
    from markupsafe import Markup

    from incidentflow.reports.markdown_html import inline, to_html

    names = config.severity_names
    rank = names.index(digest.severity) + 1 if digest.severity in names else 0
    return {
        "severity_class": f"sev-{rank}" if 1 <= rank <= 3 else "sev-other",
        "summary": [
            {"title": section.title, "html": Markup(to_html(section.markdown))}
            for section in digest.summary
        ],
        "impact": Markup(to_html(digest.impact.markdown)) if digest.impact else None,
        "actions": [
            {
                "action": Markup(inline(row.action)),
                "owner": row.owner,
                "due": row.due,
                "type": row.type,
                "state": row.state,
                "shown": row.shown,
                "ticket": row.ticket,
            }
            for row in digest.actions
        ],
    }
