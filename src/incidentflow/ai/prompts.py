"""Build each stage's AI prompt from the incident's files, and the stage file around it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from incidentflow.ai.excerpts import Excerpt, FileSpec, read_excerpt, specs_from_text
from incidentflow.ai.prompt_fit import MIN_KEEP, PromptPieces, cut_text
from incidentflow.ai.redaction import REDACTED, redact
from incidentflow.files import markdown_sections
from incidentflow.files.rendering import render
from incidentflow.git.repo import Commit
from incidentflow.model import history, stages
from incidentflow.model.config import Config, StageRules
from incidentflow.model.generated import TIMELINE_BLOCK, find_block
from incidentflow.model.incidents import TIMELINE_NAME, IncidentReport, evaluate
from incidentflow.model.metadata import MILESTONES, Metadata
from incidentflow.model.stages import Stage
from incidentflow.model.times import RETROSPECTIVE
from incidentflow.model.workspace import Workspace
from incidentflow.timeline.assemble import assemble, labelled
from incidentflow.timeline.blocks import timeline_block

MAX_EXCERPTS = 40
# The patches of the newest suspects go into the prompt: each file's hunks when the file
# changed by at most DIFF_MAX_LINES lines (a lockfile or a vendored tree says nothing
# readable), each commit's patch cut at DIFF_MAX_CHARS.
DIFF_COMMITS = 3
DIFF_MAX_LINES = 300
DIFF_MAX_CHARS = 4_000
# In markdownlint's compact table style, which rows that people add keep without aligning.
ACTION_TABLE = "| Action | Owner | Due | Type | Status |\n| --- | --- | --- | --- | --- |"


def incident_context(meta: Metadata, workspace: Workspace) -> dict[str, Any]:
    """The incident's metadata as template data: its facts, type, roles, links and the
    `custom:` fields as written."""
    config = workspace.config
    descriptions = {s.name: s.description for s in config.severities}
    kind = config.types.get(meta.kind) if meta.kind else None
    times = [(key, meta.time(key).isoformat() if meta.time(key) else None) for key in MILESTONES]  # type: ignore[union-attr]
    return {
        "id": meta.id,
        "title": meta.title,
        "severity": meta.severity,
        "severity_description": descriptions.get(meta.severity, ""),
        "type": meta.kind or "",
        "type_description": kind.description if kind else "",
        "runbooks": list(kind.runbooks) if kind else [],
        "commander": meta.commander,
        "roles": dict(meta.roles),
        "links": {relation.replace("_", " "): list(ids) for relation, ids in meta.links.items()},
        "custom": meta.custom,
        "services": list(meta.services),
        "times": times,
        **{key: value for key, value in times},
    }


def today(config: Config, now: dt.datetime) -> str:
    """``now`` for a prompt, in the configured timezone: a model knows no date of its own."""
    local = now.astimezone(config.tz())
    offset = local.strftime("%z")
    return (
        f"{local.strftime('%A')} {local.date().isoformat()}, {local.strftime('%H:%M')} "
        f"{config.timezone} (UTC{offset[:3]}:{offset[3:]})"
    )


def section_specs(
    stage: Stage,
    workspace: Workspace,
    *,
    kind: str | None = None,
    prefilled: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The sections a stage file offers: the configured required ones (with those the
    incident's type ``kind`` adds), then the optional.

    ``prefilled`` gives the starting text of some sections (e.g. the assembled timeline).
    A section is ``generated`` when the tool writes it (the postmortem's timeline): a prompt
    never asks for one.
    """
    prefilled = prefilled or {}
    config = workspace.config
    rules = config.rules_for(stage.key, kind)
    guidance = {spec.name: spec.guidance for spec in (*stage.required, *stage.optional)}
    base = {
        markdown_sections.normalize_title(n)
        for n in config.stage_rules[stage.key].required_sections
    }
    if kind in config.types:
        guidance.update(config.types[kind].guidance)
    specs = []
    for name in rules.required_sections:
        placeholder = prefilled.get(name) or (ACTION_TABLE if name == "Action items" else "TODO")
        specs.append(
            {
                "name": name,
                "guidance": guidance.get(name, ""),
                "required": True,
                "placeholder": placeholder,
                "generated": stage.key == "postmortem" and name == "Timeline",
                "added": markdown_sections.normalize_title(name) not in base,  # by the type
            }
        )
    required = {markdown_sections.normalize_title(n) for n in rules.required_sections}
    for spec in stage.optional:
        if markdown_sections.normalize_title(spec.name) not in required:
            specs.append(
                {
                    "name": spec.name,
                    "guidance": guidance.get(spec.name, ""),
                    "required": False,
                    "placeholder": "",
                    "generated": False,
                    "added": False,
                }
            )
    return specs


def _written_sections(doc: markdown_sections.Document) -> list[dict[str, str]]:
    """What people wrote in each section, without what the tool wrote there: the generated
    timeline (the prompt shows the timeline once, from `timeline.md`) and the bare header of
    an action table nobody has filled in."""
    written = []
    for section in doc.sections:
        if not section.is_filled:
            continue
        body = section.body
        block = find_block(body, TIMELINE_BLOCK)
        if block is not None:
            body = body[: block.start] + body[block.end :]
        text = markdown_sections.without_drafts_and_comments(body, blanked=False).strip()
        if text and " ".join(text.split()) != " ".join(ACTION_TABLE.split()):
            written.append({"name": section.title, "text": text})
    return written


@dataclass
class Prompt:
    """A rendered prompt, with what was redacted and what was left out to fit the limit."""

    text: str
    redacted_lines: list[int] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def notes(self, *, where: str) -> list[str]:
        """Warnings for stderr: redactions and omissions."""
        notes = [f"warning: {problem} (left out of the prompt)" for problem in self.unreadable]
        if self.redacted_lines:
            lines = ", ".join(str(n) for n in self.redacted_lines[:10])
            notes.append(
                f"warning: {where}: redacted {len(self.redacted_lines)} line(s) that look like "
                f"credentials (prompt lines {lines})"
            )
        if self.omitted:
            notes.append(
                f"warning: {where}: left out to fit the size limit: {'; '.join(self.omitted)}"
            )
        return notes


def render_prompt(
    workspace: Workspace,
    report: IncidentReport,
    stage: Stage,
    *,
    commits: list[Commit] | None = None,
    with_files: Sequence[FileSpec] = (),
    rev: str = "HEAD",
    now: dt.datetime | None = None,
) -> Prompt:
    """The prompt for ``stage``, built from the incident's files and the repository as they are,
    dated ``now`` (default: the clock).

    Every piece of text is redacted before it goes in (see `redaction`), and the whole prompt
    once more after; when the prompt exceeds the configured size, it is fitted (see `prompt_fit`)
    and says what was left out or cut.
    """
    redacted = _Tally()
    previous = []
    for earlier in stages.STAGES[: stage.number - 1]:
        result = report.result(earlier)
        if result is not None and result.exists:
            previous.append(
                {
                    "title": earlier.title,
                    "filename": earlier.filename,
                    "sections": redacted.sections(_written_sections(result.doc)),
                }
            )
    current_result = report.result(stage)
    current = (
        redacted.sections(_written_sections(current_result.doc))
        if current_result and current_result.exists
        else []
    )
    if stage.key in ("triage", "diagnosis") and commits is None:
        commits = rollback_candidates(workspace, report.meta)
    kind = report.meta.kind if report.meta.readable else None
    rules = workspace.config.rules_for(stage.key, kind)
    excerpts = _excerpts(workspace, report, stage, with_files=with_files, rev=rev)
    record = _on_the_record(workspace, report) if stage.key != "triage" else []
    pieces = PromptPieces(
        incident=redacted.tree(incident_context(report.meta, workspace)),
        excerpts=[asdict(e) | {"label": e.label} for e in excerpts],
        timeline=redacted.tree(_timeline_lines(workspace, report, changes=not record)),
        commits=redacted.tree(_with_diffs(workspace, commits or [])),
        previous=previous,
        current=current,
        current_file=stage.filename,
        record=redacted.tree(record),
    )
    clock = now or dt.datetime.now(dt.timezone.utc)
    moment = today(workspace.config, clock)
    started = report.meta.time("started_at") if report.meta.readable else None
    if started is not None and clock - started > RETROSPECTIVE:
        local = started.astimezone(workspace.config.tz()).date().isoformat()
        moment += f". The incident started on {local}: this record is written after the fact"
    redacted.count += sum(excerpt.redacted for excerpt in excerpts)
    limit = workspace.config.max_prompt_chars
    floor = MIN_KEEP
    while True:
        text = _render(workspace, stage, pieces, rules, kind=kind, now=moment)
        excess = len(text) - limit
        if excess <= 0:
            break
        if (
            pieces.drop_context()
            or pieces.cut(excess=excess, floor=floor)
            or pieces.drop_earlier_stage()
        ):
            continue
        if floor:
            floor = 0  # nothing left to drop: cut everything as far as it takes
            continue
        text = cut_text(text, limit)
        pieces.omitted.append("the end of the prompt: its template alone is over the limit")
        break
    text, lines = redact(text)
    if len(text) > limit:  # a value longer after redaction than before
        text = cut_text(text, limit)
    unreadable = [
        str(problem)
        for result in report.stages
        if result.exists and not result.text and result.stage.number <= stage.number
        for problem in result.problems
        if "not valid UTF-8" in problem.message
        or "cannot read" in problem.message
        or "outside the repository" in problem.message
    ]
    return Prompt(text, redacted.lines_in(text, also=lines), pieces.notes(), unreadable)


class _Tally:
    """Redacts the pieces of a prompt, counting what it redacted."""

    def __init__(self) -> None:
        self.count = 0

    def text(self, text: str) -> str:
        redacted, lines = redact(text)
        self.count += len(lines)
        return redacted

    def sections(self, sections: list[dict[str, str]]) -> list[dict[str, str]]:
        return [{"name": self.text(s["name"]), "text": self.text(s["text"])} for s in sections]

    def tree(self, value: Any) -> Any:
        """Every string in nested lists and dicts, redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.tree(item) for item in value]
        if isinstance(value, dict):
            return {key: self.tree(item) for key, item in value.items()}
        return value

    def lines_in(self, text: str, *, also: list[int]) -> list[int]:
        """The prompt lines that carry a redaction (none when nothing was redacted)."""
        if not self.count and not also:
            return []
        marked = {n for n, line in enumerate(text.split("\n"), 1) if REDACTED in line}
        return sorted(marked.union(also))


def _render(
    workspace: Workspace,
    stage: Stage,
    pieces: PromptPieces,
    rules: StageRules,
    *,
    kind: str | None,
    now: str,
) -> str:
    context = {
        "now": now,
        "incident": pieces.incident,
        "stage": _stage_data(stage),
        "sections": section_specs(stage, workspace, kind=kind),
        "record": pieces.record,
        "previous": pieces.previous,
        "current": pieces.current,
        "commits": pieces.commits,
        "excerpts": pieces.excerpts,
        "window": _window(workspace.config.recent_window),
        "timeline": pieces.timeline,
        "timezone": workspace.config.timezone,
        "limits": {**rules.max_words, **rules.max_chars},
        "action_types": list(rules.action_types),
        "omitted": pieces.notes(),
    }
    text = render(
        f"prompts/{stage.key}.md.j2",
        root=workspace.root,
        templates_dir=workspace.config.templates_dir,
        context=context,
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _excerpts(
    workspace: Workspace,
    report: IncidentReport,
    stage: Stage,
    *,
    with_files: Sequence[FileSpec],
    rev: str,
) -> list[Excerpt]:
    """Files passed with --with-file, then (for diagnosis) every path the triage names."""
    specs = list(with_files)
    if stage.key == "diagnosis":
        triage = report.result(stages.TRIAGE)
        if triage is not None and triage.exists:
            specs += specs_from_text(triage.text)
    # The same location named many times is read once; past MAX_EXCERPTS, no prompt could
    # hold them anyway.
    specs = list(dict.fromkeys(specs))[:MAX_EXCERPTS]
    if not specs:
        return []
    excerpts: list[Excerpt] = []
    seen: set[tuple[str, int, int]] = set()
    named = set(with_files)  # named on the command line: one that is not there is an error
    for spec in specs:
        excerpt = read_excerpt(
            workspace.git,
            spec,
            rev=rev,
            max_lines=workspace.config.excerpt_lines,
            strict=spec in named,
        )
        if excerpt is not None and (excerpt.path, excerpt.start, excerpt.end) not in seen:
            seen.add((excerpt.path, excerpt.start, excerpt.end))
            excerpts.append(excerpt)
    return excerpts


def render_stage_file(
    workspace: Workspace, report: IncidentReport, stage: Stage, *, prompt: str
) -> str:
    """The full scaffold of a stage file, with ``prompt`` in a collapsed block.

    The postmortem's Timeline starts as the assembled timeline: a table and a Mermaid chart.
    """
    prefilled = {}
    if stage.key == "postmortem":
        prefilled["Timeline"] = timeline_markdown(workspace, report)
    longest = max((len(run) for run in re.findall(r"`+", prompt)), default=0)
    context = {
        "incident": incident_context(report.meta, workspace),
        "stage": _stage_data(stage),
        "sections": section_specs(
            stage,
            workspace,
            kind=report.meta.kind if report.meta.readable else None,
            prefilled=prefilled,
        ),
        "prompt": prompt.rstrip("\n"),
        "fence": "`" * max(3, longest + 1),
    }
    text = render(
        f"stages/{stage.key}.md.j2",
        root=workspace.root,
        templates_dir=workspace.config.templates_dir,
        context=context,
    )
    return text.rstrip("\n") + "\n"


def rollback_candidates(workspace: Workspace, meta: Metadata) -> list[Commit]:
    """Commits in the configured window before the incident started, but those that only
    touched incident files (the record of this or another incident is no rollback suspect)."""
    started = meta.time("started_at")
    if started is None:
        return []
    incidents = workspace.config.incidents_dir.rstrip("/") + "/"
    return [
        commit
        for commit in workspace.git.recent_commits(
            before=started,
            window=workspace.config.recent_window,
            limit=workspace.config.recent_max,
        )
        if not commit.files or not all(f.path.startswith(incidents) for f in commit.files)
    ]


# How the entries `_on_the_record` lists begin in `timeline.md` (see `model.history`).
_ON_THE_RECORD = ("Role ", "Severity ", "Update (", "Override: ")


def _with_diffs(workspace: Workspace, commits: list[Commit]) -> list[dict[str, Any]]:
    """The commits as template data, the newest `DIFF_COMMITS` with their patch (``diff``,
    with its fence) to the files a person could read in a prompt: text, not too large, and
    not an incident's own files."""
    found = []
    incidents = workspace.config.incidents_dir.rstrip("/") + "/"
    for number, commit in enumerate(commits):
        data = commit.to_dict() | {"diff": "", "fence": "```"}
        if number < DIFF_COMMITS:
            paths = [
                change.path
                for change in commit.files
                if change.added is not None
                and change.deleted is not None
                and change.added + change.deleted <= DIFF_MAX_LINES
                and not change.path.startswith(incidents)
            ]
            diff = cut_text(workspace.git.commit_diff(commit.sha, paths), DIFF_MAX_CHARS)
            longest = max((len(run) for run in re.findall(r"`+", diff)), default=0)
            data |= {"diff": diff.rstrip("\n"), "fence": "`" * max(3, longest + 1)}
        found.append(data)
    return found


def _on_the_record(workspace: Workspace, report: IncidentReport) -> list[str]:
    """What the timeline records beyond events, a line each: who held which role when, the
    severity's changes, the stakeholder updates and the overrides of the stage order."""
    entries = history.timeline_entries(workspace.tree, report.directory)
    tz = workspace.config.tz()

    def at(moment: dt.datetime | None, default: str) -> str:
        return moment.astimezone(tz).isoformat() if moment else default

    lines = []
    for role, person, since, until in history.role_holders(
        report.meta, entries, workspace.config.roles
    ):
        lines.append(f"Role {role}: {person} ({at(since, 'start')} → {at(until, 'now')})")
    for change in history.severity_changes(entries):
        lines.append(
            f"Severity {change.old} → {change.new} at {at(change.time, '?')}: "
            f"{change.reason or 'no reason given'} ({change.author})"
        )
    for update in history.updates(entries):
        lines.append(
            f"Update ({update.audience}) at {at(update.time, '?')} by {update.author}: "
            f"{update.text}"
        )
    for override in history.overrides(entries):
        lines.append(
            f"Override at {at(override.time, '?')} by {override.author}: {override.stage} "
            f"started before {override.skipped} met its goal — {override.reason}"
        )
    return lines


def prompt_for(
    workspace: Workspace,
    incident_id: str,
    stage: Stage | None = None,
    *,
    with_files: Sequence[FileSpec] = (),
    rev: str = "HEAD",
) -> tuple[Stage, Prompt]:
    """Render the prompt of ``stage`` (default: the current stage) fresh from the files."""
    report = evaluate(workspace.tree, workspace.config, incident_id)
    if stage is None:
        current = report.current
        stage = current.stage if current else stages.TRIAGE
    return stage, render_prompt(workspace, report, stage, with_files=with_files, rev=rev)


def _stage_data(stage: Stage) -> dict[str, Any]:
    return {
        "key": stage.key,
        "number": stage.number,
        "title": stage.title,
        "goal": stage.goal,
        "prompt_role": stage.prompt_role,
        "filename": stage.filename,
    }


def _window(window: dt.timedelta) -> str:
    hours = int(window.total_seconds() // 3600)
    return (
        f"{hours} hours"
        if hours and window.total_seconds() % 3600 == 0
        else f"{int(window.total_seconds() // 60)} minutes"
    )


def _timeline_lines(
    workspace: Workspace, report: IncidentReport, *, changes: bool = True
) -> list[str]:
    """The assembled timeline, a line an event; without ``changes``, the roles, severity
    changes, updates and overrides are left to the prompt's record, so each is said once."""
    events, _ = assemble(workspace, report)
    lines = []
    for event in events:
        if not changes and event.text.startswith(_ON_THE_RECORD):
            continue
        who = f" ({event.author})" if event.author else ""
        lines.append(f"- {event.time.isoformat()} — {labelled(event)}{who}")
    return lines


def timeline_markdown(workspace: Workspace, report: IncidentReport) -> str:
    """The postmortem's generated timeline: key times, the events and the chart, between
    markers that keep it current (see `model/generated`)."""
    timeline = workspace.tree.read(f"{report.directory}/{TIMELINE_NAME}")
    return timeline_block(report.meta, timeline, timezone=workspace.config.timezone)
