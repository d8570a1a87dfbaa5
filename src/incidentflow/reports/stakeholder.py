"""`incident update --render`: the latest stakeholder update wrapped in the incident's current
facts, ready to paste into Slack, a status page or an email. Nothing is sent anywhere."""

from __future__ import annotations

import datetime as dt

from incidentflow.errors import IncidentError
from incidentflow.model import history, stages
from incidentflow.model.incidents import IncidentReport
from incidentflow.model.timeline import Entry

FORMATS = ("slack", "statuspage", "email")
# A status page's words for where an incident stands (Atlassian Statuspage's four).
_PAGE_STATUS = {"active": "Investigating", "contained": "Monitoring", "resolved": "Resolved"}


def render_update(
    report: IncidentReport,
    entries: list[Entry],
    *,
    form: str,
    due: tuple[dt.datetime, bool] | None,
    tz: dt.tzinfo,
) -> str:
    """The latest update as ``form`` (see FORMATS), with severity, status, impact and when
    the next update comes."""
    posted = history.updates(entries)
    if not posted:
        raise IncidentError(f"{report.id} has no update yet; post one with: incident update TEXT")
    latest = posted[-1]
    meta = report.meta
    status = report.status
    impact = _impact(report)
    when = latest.time.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    following = due[0].astimezone(tz).strftime("%H:%M %Z") if due else None
    if form == "slack":
        lines = [
            f"*[{meta.severity}] {_slack(meta.title)}* — {status}",
            f"*Update ({latest.audience}, {when}):* {_slack(latest.text)}",
        ]
        if impact:
            lines.append(f"*Impact:* {_slack(impact)}")
        if meta.commander:
            lines.append(f"*Commander:* {_slack(meta.commander)}")
        if following:
            lines.append(f"*Next update:* by {following}")
        return "\n".join(lines) + "\n"
    if form == "statuspage":
        page_status = _PAGE_STATUS.get(status, "Resolved")
        diagnosis = report.result(stages.DIAGNOSIS)
        if status == "active" and diagnosis is not None and diagnosis.exists:
            page_status = "Identified"  # a diagnosis is under way: the cause is known enough
        body = [f"Title: {meta.title}", f"Status: {page_status}", "", latest.text]
        if following:
            body += ["", f"We will post the next update by {following}."]
        return "\n".join(body) + "\n"
    if form == "email":
        body = [
            f"Subject: [{meta.severity}] {meta.title} — update {when}",
            "",
            latest.text,
            "",
            f"Severity: {meta.severity}",
            f"Status: {status}",
        ]
        if impact:
            body.append(f"Impact: {impact}")
        if meta.commander:
            body.append(f"Incident commander: {meta.commander}")
        if following:
            body.append(f"Next update: by {following}")
        return "\n".join(body) + "\n"
    raise IncidentError(f"unknown format {form!r}; choose {', '.join(FORMATS)}")


def _impact(report: IncidentReport) -> str:
    """The triage's Impact section, in one line (the first 300 characters)."""
    triage = report.result(stages.TRIAGE)
    if triage is None or not triage.exists:
        return ""
    section = triage.doc.section("Impact")
    text = " ".join(section.filled_text().split()) if section else ""
    return text if len(text) <= 300 else text[:299] + "…"


def _slack(text: str) -> str:
    """Text Slack shows as written: its three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
