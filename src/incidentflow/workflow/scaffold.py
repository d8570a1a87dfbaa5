"""Create incidents and scaffold their next stage, never overwriting what people wrote."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from incidentflow.ai.prompts import render_prompt, render_stage_file
from incidentflow.errors import CheckFailed, IncidentError
from incidentflow.files.atomic import atomic_write_text
from incidentflow.files.yamlio import quote
from incidentflow.model import stages
from incidentflow.model.gate import next_stage_blockers
from incidentflow.model.history import override_line
from incidentflow.model.ids import clean_title, new_id
from incidentflow.model.incidents import TIMELINE_NAME, IncidentReport, evaluate
from incidentflow.model.metadata import METADATA_NAME, Metadata
from incidentflow.model.overrides import front_matter_lines
from incidentflow.model.stages import Stage
from incidentflow.model.timeline import format_entry
from incidentflow.model.times import RETROSPECTIVE, isoformat
from incidentflow.model.workspace import Workspace
from incidentflow.records import Record
from incidentflow.workflow.logbook import log_entry


class NewIncident(Record):
    """What `incident new` was asked for."""

    __slots__ = (
        "branch",
        "commander",
        "detected_at",
        "kind",
        "services",
        "severity",
        "started_at",
        "title",
    )

    def __init__(
        self,
        *,
        title: str,
        severity: str | None = None,
        commander: str | None = None,
        services: tuple[str, ...] | None = None,
        started_at: dt.datetime | None = None,
        detected_at: dt.datetime | None = None,
        branch: bool = False,
        kind: str | None = None,
    ) -> None:
        self.title = title
        self.severity = severity
        self.commander = commander
        self.services = () if services is None else services
        self.started_at = started_at
        self.detected_at = detected_at
        self.branch = branch
        self.kind = kind  # the configured incident type (`type:` in incident.yaml)


def default_severity(names: tuple[str, ...]) -> str:
    """The middle configured level (SEV3 of SEV1–SEV4): serious enough to track, not a page."""
    return names[len(names) // 2]


def create_incident(
    workspace: Workspace, request: NewIncident, *, now: dt.datetime, notes: list[str] | None = None
) -> Path:
    """Create the incident directory with metadata, timeline and the triage stage file.

    Warnings about the prompt (redactions, omissions) are appended to ``notes``.
    """
    notes = notes if notes is not None else []
    config = workspace.config
    title = clean_title(request.title)
    severity = request.severity or default_severity(config.severity_names)
    level = config.severity(severity)
    if level is None:
        raise IncidentError(
            f"severity {severity!r} is not one of {', '.join(config.severity_names)}"
        )
    severity = level.name
    if request.kind is not None and request.kind not in config.types:
        known = ", ".join(config.types) or "none are configured: see types: in .incident.yaml"
        raise IncidentError(f"type {request.kind!r} is not a configured incident type ({known})")
    started = request.started_at or now
    retrospective = now - started > RETROSPECTIVE
    if retrospective and request.detected_at is None:
        raise IncidentError(
            f"--started-at is {started.astimezone(config.tz()).date().isoformat()}, more than a "
            "day ago: this is a record written after the fact, so opening it now is not when "
            "it was noticed; give --detected-at too"
        )
    detected = request.detected_at or max(started, now)
    if detected < started:
        raise IncidentError(
            f"--detected-at ({isoformat(detected)}) is before --started-at ({isoformat(started)})"
        )
    for service in request.services:
        if not service.strip() or any(ord(ch) < 32 for ch in service):
            raise IncidentError(f"service name {service!r} is empty or has control characters")
    tz = config.tz()
    incident_id = new_id(title, started_at=started, tz=tz, taken=workspace.ids())
    if request.branch:
        workspace.git.create_branch(f"incident/{incident_id}")
    author = workspace.git.user_name()
    meta = Metadata(
        id=incident_id,
        title=title,
        severity=severity,
        commander=request.commander or author,
        services=list(request.services),
        kind=request.kind,
        times={"started_at": started.astimezone(tz), "detected_at": detected.astimezone(tz)},
    )
    report = IncidentReport(incident_id, f"{config.incidents_dir}/{incident_id}", meta, "", [], [])
    prompt = render_prompt(workspace, report, stages.TRIAGE)
    notes.extend(prompt.notes(where=stages.TRIAGE.filename))
    files = {
        METADATA_NAME: metadata_text(meta),
        TIMELINE_NAME: _timeline(
            title,
            severity=f"{severity} {request.kind}" if request.kind else severity,
            author=author,
            now=now.astimezone(tz),
            after=retrospective,
            started=started.astimezone(tz),
        ),
        stages.TRIAGE.filename: render_stage_file(
            workspace, report, stages.TRIAGE, prompt=prompt.text
        ),
    }
    return _publish_directory(config.incidents_path, incident_id, files)


def _timeline(
    title: str,
    *,
    severity: str,
    author: str,
    now: dt.datetime,
    after: bool,
    started: dt.datetime,
) -> str:
    """A new `timeline.md`. Opening the incident (as ``severity``, with its type) is its
    first event, unless it is recorded
    after the fact: then the opening is no part of the response, and a note says when the
    record was written instead (the chart and the times stay the response's)."""
    head = (
        f"# Timeline — {title}\n\n"
        "<!-- One entry per line: - <ISO time> — <what happened> (<who>).\n"
        "     Add one with: incident log TEXT -->\n\n"
    )
    if after:
        return head + (
            f"<!-- Recorded after the fact on {now.date().isoformat()} by {author}, as "
            f"{severity}. Log what happened at the times it happened: "
            f"incident log TEXT --at {started.date().isoformat()}T14:07 -->\n"
        )
    return head + format_entry(now, f"Incident opened as {severity}: {title}", author) + "\n"


def _publish_directory(parent: Path, incident_id: str, files: dict[str, str]) -> Path:
    """Write every file into a hidden directory, then rename it into place in one step."""
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / incident_id
    staging = Path(tempfile.mkdtemp(prefix=f".{incident_id}.", dir=parent))
    try:
        for name, text in files.items():
            atomic_write_text(staging / name, text)
        os.chmod(staging, 0o777 & ~_umask())
        if final.exists():
            raise IncidentError(
                f"{final} appeared while it was being created; run the command again"
            )
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def metadata_text(meta: Metadata) -> str:
    """A fresh `incident.yaml`, commented for the person who edits it by hand."""

    def time(key: str) -> str:
        value = meta.time(key)
        return quote(isoformat(value)) if value else "null"

    services = "".join(f"\n  - {quote(s)}" for s in meta.services) if meta.services else " []"
    return (
        "# Incident metadata. Times are ISO-8601 with a UTC offset, quoted; null until known.\n"
        "# The status (active, contained, resolved, closed) is derived from these times and\n"
        "# the stage files; it is never stored. Set times with: incident log --milestone.\n"
        f"id: {meta.id}\n"
        f"title: {quote(meta.title)}\n"
        f"severity: {quote(meta.severity)}\n"
        + (f"type: {quote(meta.kind)}\n" if meta.kind else "")
        + f"commander: {quote(meta.commander)}\n"
        f"services:{services}\n"
        f"started_at: {time('started_at')}\n"
        f"detected_at: {time('detected_at')}\n"
        f"contained_at: {time('contained_at')}\n"
        f"resolved_at: {time('resolved_at')}\n"
    )


class Override(Record):
    """`next --override`: start the next stage anyway, on the record."""

    __slots__ = ("at", "author", "reason")

    def __init__(self, reason: str, *, author: str, at: dt.datetime) -> None:
        self.reason = " ".join(reason.split())
        self.author = author
        self.at = at


def scaffold_next_stage(
    workspace: Workspace,
    incident_id: str,
    *,
    notes: list[str] | None = None,
    override: Override | None = None,
) -> Path:
    """Write the next stage file if the current stage meets its goal; never overwrite.

    With ``override``, the current stage's unmet goal does not stop it: the override is
    written into the new stage's front matter and logged in the timeline. Warnings about the
    prompt (redactions, omissions) are appended to ``notes``.
    """
    notes = notes if notes is not None else []
    report = evaluate(
        workspace.tree, workspace.config, incident_id, resolver=workspace.head_resolver()
    )
    current = report.current
    target: Stage | None = stages.next_stage(current.stage) if current else stages.TRIAGE
    if current is not None:
        blockers = next_stage_blockers(report)
        upcoming = target.key if target else "the next stage"
        # An override skips what the current stage has not written yet, nothing else: what
        # is wrong (a broken front matter, a bad reference) the hook refuses regardless.
        unwritten = {id(p) for p in current.problems if p.incomplete}
        skippable = (
            bool(blockers) and target is not None and all(id(p) in unwritten for p in blockers)
        )
        if override is not None and not blockers:
            notes.append(f"note: {current.stage.key} meets its goal; no override recorded")
            override = None
        elif override is not None and skippable:
            blockers = []
        if blockers:
            hint = "; --override can start it anyway" if skippable else ""
            raise CheckFailed(
                f"{incident_id}: {current.stage.key} does not meet its goal yet, so {upcoming} "
                f"cannot start ({len(blockers)} to fix{hint})",
                [str(p) for p in blockers],
            )
    elif override is not None:
        override = None
    if target is None:
        raise CheckFailed(
            f"{incident_id}: the postmortem is the last stage and meets its goal; "
            "nothing to scaffold",
            [],
        )
    path = workspace.root / report.directory / target.filename
    if path.exists():
        raise CheckFailed(
            f"{path.relative_to(workspace.root)} already exists; not overwriting it", []
        )
    prompt = render_prompt(workspace, report, target)
    notes.extend(prompt.notes(where=target.filename))
    text = render_stage_file(workspace, report, target, prompt=prompt.text)
    if override is not None and current is not None:
        text = _with_override(text, override, skipped=current.stage.key, workspace=workspace)
        entry = override_line(target.key, current.stage.key, override.reason)
        # The entry first: a stage file that exists without it would be an unlogged override.
        log_entry(workspace, incident_id, entry, at=override.at, author=override.author)
    try:
        atomic_write_text(path, text, exclusive=True)
    except FileExistsError:
        raise CheckFailed(
            f"{path.relative_to(workspace.root)} already exists; not overwriting it", []
        ) from None
    return path


def _with_override(text: str, override: Override, *, skipped: str, workspace: Workspace) -> str:
    """``text`` (a rendered stage file) with the override in its front matter."""
    if len(override.reason.split()) < 2:
        raise IncidentError('--override needs a reason in a few words, e.g. "restore takes 18 h"')
    lines = front_matter_lines(
        skipped=skipped,
        reason=override.reason,
        by=override.author,
        at=isoformat(override.at.astimezone(workspace.config.tz())),
    )
    if not text.startswith("---\n"):
        return "---\n" + lines + "---\n\n" + text
    end = text.find("\n---", 3)
    if end == -1:
        raise IncidentError("the stage template's front matter is never closed")
    return text[: end + 1] + lines + text[end + 1 :]
