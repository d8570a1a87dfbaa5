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
from incidentflow.model import stages
from incidentflow.model.config import StageRules
from incidentflow.model.incidents import TIMELINE_NAME, IncidentReport, evaluate
from incidentflow.model.metadata import MILESTONES, Metadata
from incidentflow.model.stages import Stage
from incidentflow.model.workspace import Workspace
from incidentflow.timeline.assemble import assemble, labelled
from incidentflow.timeline.blocks import timeline_block

MAX_EXCERPTS = 40
# In markdownlint's compact table style, which rows that people add keep without aligning.
ACTION_TABLE = "| Action | Owner | Due | Type | Status |\n| --- | --- | --- | --- | --- |"


def incident_context(meta: Metadata, workspace: Workspace) -> dict[str, Any]:
    """The incident's metadata as template data (all strings)."""
    descriptions = {s.name: s.description for s in workspace.config.severities}
    times = [(key, meta.time(key).isoformat() if meta.time(key) else None) for key in MILESTONES]  # type: ignore[union-attr]
    return {
        "id": meta.id,
        "title": meta.title,
        "severity": meta.severity,
        "severity_description": descriptions.get(meta.severity, ""),
        "commander": meta.commander,
        "services": list(meta.services),
        "times": times,
        **{key: value for key, value in times},
    }


def section_specs(
    stage: Stage, workspace: Workspace, *, prefilled: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The sections a stage file offers: the configured required ones, then the optional.

    ``prefilled`` gives the starting text of some sections (e.g. the assembled timeline).
    """
    prefilled = prefilled or {}
    rules = workspace.config.stage_rules[stage.key]
    guidance = {spec.name: spec.guidance for spec in (*stage.required, *stage.optional)}
    specs = []
    for name in rules.required_sections:
        placeholder = prefilled.get(name) or (ACTION_TABLE if name == "Action items" else "TODO")
        specs.append(
            {
                "name": name,
                "guidance": guidance.get(name, ""),
                "required": True,
                "placeholder": placeholder,
            }
        )
    required = {markdown_sections.normalize_title(n) for n in rules.required_sections}
    for spec in stage.optional:
        if markdown_sections.normalize_title(spec.name) not in required:
            specs.append(
                {"name": spec.name, "guidance": spec.guidance, "required": False, "placeholder": ""}
            )
    return specs


def _written_sections(doc: markdown_sections.Document) -> list[dict[str, str]]:
    return [
        {"name": section.title, "text": section.written_text()}
        for section in doc.sections
        if section.is_filled
    ]


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
) -> Prompt:
    """The prompt for ``stage``, built from the incident's files and the repository as they are.

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
    rules = workspace.config.stage_rules[stage.key]
    excerpts = _excerpts(workspace, report, stage, with_files=with_files, rev=rev)
    pieces = PromptPieces(
        incident=redacted.tree(incident_context(report.meta, workspace)),
        excerpts=[asdict(e) | {"label": e.label} for e in excerpts],
        timeline=redacted.tree(_timeline_lines(workspace, report)),
        commits=redacted.tree([commit.to_dict() for commit in commits or []]),
        previous=previous,
        current=current,
        current_file=stage.filename,
    )
    redacted.count += sum(excerpt.redacted for excerpt in excerpts)
    limit = workspace.config.max_prompt_chars
    floor = MIN_KEEP
    while True:
        text = _render(workspace, stage, pieces, rules)
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


def _render(workspace: Workspace, stage: Stage, pieces: PromptPieces, rules: StageRules) -> str:
    context = {
        "incident": pieces.incident,
        "stage": _stage_data(stage),
        "sections": section_specs(stage, workspace),
        "previous": pieces.previous,
        "current": pieces.current,
        "commits": pieces.commits,
        "excerpts": pieces.excerpts,
        "window": _window(workspace.config.recent_window),
        "timeline": pieces.timeline,
        "timezone": workspace.config.timezone,
        "limits": {**rules.max_words, **rules.max_chars},
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
        "sections": section_specs(stage, workspace, prefilled=prefilled),
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
    """Commits in the configured window before the incident started."""
    started = meta.time("started_at")
    if started is None:
        return []
    return workspace.git.recent_commits(
        before=started, window=workspace.config.recent_window, limit=workspace.config.recent_max
    )


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


def _timeline_lines(workspace: Workspace, report: IncidentReport) -> list[str]:
    events, _ = assemble(workspace, report)
    lines = []
    for event in events:
        who = f" ({event.author})" if event.author else ""
        lines.append(f"- {event.time.isoformat()} — {labelled(event)}{who}")
    return lines


def timeline_markdown(workspace: Workspace, report: IncidentReport) -> str:
    """The postmortem's generated timeline: key times, the events and the chart, between
    markers that keep it current (see `model/generated`)."""
    timeline = workspace.tree.read(f"{report.directory}/{TIMELINE_NAME}")
    return timeline_block(report.meta, timeline, timezone=workspace.config.timezone)
