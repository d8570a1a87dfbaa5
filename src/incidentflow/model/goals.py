"""Does a stage file meet its stage's goal? Every unmet part is a `path:line:` problem."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable

from incidentflow.errors import IncidentError
from incidentflow.files import markdown_sections
from incidentflow.files.markdown_sections import Document, Section, without_drafts_and_comments
from incidentflow.files.tables import first_table
from incidentflow.files.textfile import conflict_marker_line
from incidentflow.files.yamlio import key_line, load_safe
from incidentflow.model.action_status import done_rows, evidence_refs, status_is_done, unproven
from incidentflow.model.coderefs import CodeRef, find_refs
from incidentflow.model.config import StageRules
from incidentflow.model.generated import TIMELINE_BLOCK, find_block, staleness, timeline_facts
from incidentflow.model.grounding import Resolver, Verdict
from incidentflow.model.metadata import Metadata
from incidentflow.model.overrides import KEY, StageOverride, read_override
from incidentflow.model.problems import Problem, brief
from incidentflow.model.stages import Stage
from incidentflow.model.substance import lacking
from incidentflow.model.timeline import decode_timeline
from incidentflow.records import Record

ACTION_COLUMNS = ("Action", "Owner", "Due", "Type")
# Who owns an action item that nobody owns.
_NO_OWNER = frozenset(
    {
        "", "?", "??", "-", "tbd", "tba", "n/a", "na", "none", "nobody", "no one", "noone",
        "someone", "somebody", "anyone", "anybody", "unknown", "unassigned", "todo", "owner",
    }
)  # fmt: skip
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BLOCK_MARKER = re.compile(r"\s*([-*+>#|]|\d+[.)])\s")  # a list, quote, heading or table


class StageContext(Record):
    """What a stage check needs besides the stage file itself."""

    __slots__ = (
        "done_needs_commit",
        "incident_id",
        "meta",
        "meta_path",
        "meta_text",
        "resolver",
        "rules",
        "timeline",
        "timezone",
    )

    def __init__(
        self,
        *,
        incident_id: str,
        meta: Metadata,
        meta_path: str,
        meta_text: str,
        rules: StageRules,
        resolver: Resolver | None = None,
        timeline: Callable[[], bytes | None] = lambda: None,
        timezone: str = "UTC",
        done_needs_commit: bool = False,
    ) -> None:
        self.incident_id = incident_id
        self.meta = meta
        self.meta_path = meta_path
        self.meta_text = meta_text
        self.rules = rules
        self.resolver = resolver
        self.timeline = timeline  # reads `timeline.md`, for a generated block's facts
        self.timezone = timezone
        self.done_needs_commit = done_needs_commit  # actions.done_needs_commit


def check_stage(stage: Stage, doc: Document, *, path: str, context: StageContext) -> list[Problem]:
    """All the ways ``doc`` (the stage file at ``path``, parsed) falls short of the stage's goal."""
    conflicted = conflict_marker_line(doc.text)
    if conflicted is not None:
        return [
            Problem(
                path,
                conflicted,
                "has unresolved merge conflict markers; resolve them (keep both sides' text "
                "where both are true) and remove the <<<<<<< ======= >>>>>>> lines",
            )
        ]
    problems = _front_matter(stage, doc, path=path, incident_id=context.incident_id)
    for duplicate in doc.duplicate_sections():
        problems.append(Problem(path, duplicate.line, f'section "{duplicate.title}" appears twice'))
    title_line = next((h.line for h in doc.headings if h.level == 1), doc.body_start)
    written: dict[str, list[tuple[str, str]]] = {}  # see `substance.lacking`
    rules = context.rules
    setting = f"stages.{stage.key}.min_words"
    for name in rules.required_sections:
        section = doc.section(name)
        if section is None:
            problems.append(
                Problem(path, title_line, f'section "{name}" is missing', incomplete=True)
            )
            continue
        text = section.filled_text()
        if not text:
            problems.append(Problem(path, section.line, _unfilled(section), incomplete=True))
            continue
        why = lacking(
            text,
            title=section.title,
            guidance=stage.guidance(name),
            min_words=rules.least_words(name),
            setting=setting,
            others=written,
        )
        if why:
            problems.append(Problem(path, section.line, why, incomplete=True))
        written.setdefault(text[:24], []).append((section.title, text))
    problems += _limits(doc, path=path, rules=rules)
    if stage.key == "triage":
        problems += _milestone_set(context, "contained_at", "triage needs the incident contained")
    elif stage.key == "diagnosis":
        problems += _cites_code(doc, path=path)
    if context.resolver is not None:
        problems += _grounding(doc, path=path, context=context)
    if stage.key == "postmortem":
        problems += _milestone_set(
            context, "resolved_at", "the postmortem needs the incident resolved"
        )
        problems += _action_items(doc, path=path, rules=rules, severity=context.meta.severity)
        if context.done_needs_commit and context.resolver is not None:
            problems += _unproven(doc, path=path, context=context)
        problems += _generated(doc, path=path, context=context)
        problems += _one_paragraph(doc.section("Changelog entry"), path=path)
    return sorted(problems, key=lambda p: (p.path, p.line or 0))


def _generated(doc: Document, *, path: str, context: StageContext) -> list[Problem]:
    """The generated timeline counts only as long as it is current (see `generated`)."""
    block = find_block(doc.text, TIMELINE_BLOCK)
    if block is None:
        return []
    try:
        raw = context.timeline()
    except IncidentError as exc:
        return [Problem.from_message(exc.message, path=path)]
    text = decode_timeline(raw)[0] if raw is not None else None
    facts = timeline_facts(context.meta, text, timezone=context.timezone)
    wrong = staleness(block, doc.text, facts=facts)
    fix = f"incident refresh {context.incident_id}"
    if wrong == "edited":
        return [
            Problem(
                path,
                block.line,
                "the generated timeline was edited by hand, and its edits would be replaced: "
                f"move them outside its markers, then run `{fix}`",
            )
        ]
    if wrong == "stale":
        return [
            Problem(
                path,
                block.line,
                f"the generated timeline is out of date with timeline.md and incident.yaml; "
                f"run `{fix}`",
            )
        ]
    return []


def _unfilled(section: Section) -> str:
    if section.has_draft:
        return (
            f'section "{section.title}" has only an AI draft; '
            "edit it and remove the ai-draft markers to accept it"
        )
    return f'section "{section.title}" is not filled in'


def _front_matter(stage: Stage, doc: Document, *, path: str, incident_id: str) -> list[Problem]:
    if doc.front_matter_error:
        return [Problem(path, 1, doc.front_matter_error)]
    if doc.front_matter is None:
        return [
            Problem(
                path, 1, f"has no front matter (start the file with ---, stage: {stage.key}, ---)"
            )
        ]
    try:
        data = load_safe(doc.front_matter, path=path, line_offset=1)
    except IncidentError as exc:
        return [Problem.from_message(exc.message, path=path)]
    if not isinstance(data, dict):
        return [Problem(path, 2, "front matter must be a mapping with stage and incident")]
    problems = []
    if data.get("stage") != stage.key:
        problems.append(
            Problem(
                path,
                2,
                f"front matter says stage {brief(data.get('stage'))}, expected {stage.key!r}",
            )
        )
    if KEY in data:
        line = key_line(doc.front_matter, KEY) + 1
        problems += read_override(data, previous=_previous(stage), path=path, line=line)[1]
    if data.get("incident") != incident_id:
        problems.append(
            Problem(
                path,
                2,
                f"front matter says incident {brief(data.get('incident'))}, "
                f"expected {incident_id!r}",
            )
        )
    return problems


def _previous(stage: Stage) -> str | None:
    from incidentflow.model.stages import STAGES

    return STAGES[stage.number - 2].key if stage.number > 1 else None


def stage_override(stage: Stage, doc: Document, *, path: str) -> StageOverride | None:
    """The valid override in the stage file's front matter, if it has one."""
    if doc.front_matter is None or f"{KEY}:" not in doc.front_matter:
        return None
    try:
        data = load_safe(doc.front_matter, path=path, line_offset=1)
    except IncidentError:
        return None
    if not isinstance(data, dict):
        return None
    line = key_line(doc.front_matter, KEY) + 1
    return read_override(data, previous=_previous(stage), path=path, line=line)[0]


def _limits(doc: Document, *, path: str, rules: StageRules) -> list[Problem]:
    problems = []
    for name, limit in rules.max_words.items():
        section = doc.section(name)
        words = len(section.filled_text().split()) if section else 0
        if section and words > limit:
            problems.append(
                Problem(path, section.line, f'"{section.title}" has {words} words; at most {limit}')
            )
    for name, limit in rules.max_chars.items():
        section = doc.section(name)
        chars = len(" ".join(section.filled_text().split())) if section else 0
        if section and chars > limit:
            problems.append(
                Problem(
                    path, section.line, f'"{section.title}" has {chars} characters; at most {limit}'
                )
            )
    return problems


def _milestone_set(context: StageContext, key: str, why: str) -> list[Problem]:
    if context.meta.time(key) is not None or not context.meta.readable:
        return []  # set, or unknown: the unreadable file is the problem reported
    line = key_line(context.meta_text, key)
    milestone = key.removesuffix("_at")
    return [
        Problem(
            context.meta_path,
            line,
            f"{key} is not set ({why}: incident log --milestone {milestone} TEXT)",
            incomplete=True,
        )
    ]


def _cites_code(doc: Document, *, path: str) -> list[Problem]:
    failing = doc.section("Failing path")
    if (
        failing is not None
        and failing.is_filled
        and not find_refs(failing.body, first_line=failing.body_line)
    ):
        return [
            Problem(
                path,
                failing.line,
                '"Failing path" cites no code; name it in backticks, e.g. `src/app.py:42`',
                incomplete=True,
            )
        ]
    return []


def _grounding(doc: Document, *, path: str, context: StageContext) -> list[Problem]:
    """Every code reference in the stage file, judged as `grounding` explains."""
    assert context.resolver is not None
    return [
        Problem(path, ref.line, f"code reference {verdict.reason}")
        for ref, verdict in reference_verdicts(
            doc, path=path, resolver=context.resolver, started=context.meta.time("started_at")
        )
        if verdict.reason
    ]


def _unproven(doc: Document, *, path: str, context: StageContext) -> list[Problem]:
    """Rows marked done that cite no commit resolving as references do
    (`actions.done_needs_commit`)."""
    resolver = context.resolver
    assert resolver is not None
    started = context.meta.time("started_at")

    def resolves(sha: str, line: int) -> bool:
        ref = CodeRef(sha, line, commit=sha)
        return resolver.judge(ref, path=path, line=line, started=started).reason is None

    return unproven(done_rows(doc), path=path, resolves=resolves)


def reference_verdicts(
    doc: Document, *, path: str, resolver: Resolver, started: dt.datetime | None
) -> list[tuple[CodeRef, Verdict]]:
    """Each code reference of a stage file with its verdict (see `grounding`)."""
    return [
        (ref, resolver.judge(ref, path=path, line=ref.line, started=started))
        for ref in document_refs(doc)
    ]


def document_refs(doc: Document) -> list[CodeRef]:
    """Every code reference in a stage file's sections, with its line.

    Only the sections: what comes before the first one is the tool's own (the title, the
    goal, the prompt quoting earlier stages in a fence), and skipping it saves scanning the
    largest block of every stage file. The commits an action item cites as its evidence
    without backticks (`done in 1a2b3c4`) are references too (see `action_status`).
    """
    refs: list[CodeRef] = []
    for section in doc.sections:
        if "`" in section.body:
            refs += find_refs(section.body, first_line=section.body_line)
    return refs + evidence_refs(doc)


def _action_items(doc: Document, *, path: str, rules: StageRules, severity: str) -> list[Problem]:
    """Each row: an action of a few words, a real owner, a due date, a known type; and at
    least one row for the severities that need follow-up."""
    section = doc.section("Action items")
    if section is None or not section.is_filled:
        return []  # already reported as a missing or empty section
    table = first_table(without_drafts_and_comments(section.body), first_line=section.body_line)
    columns = ", ".join(ACTION_COLUMNS)
    needed = severity in rules.actions_required_for
    if table is None:
        if not needed:
            return []  # prose saying why there is nothing to follow up, for a minor incident
        return [Problem(path, section.line, f'"Action items" needs a table with columns {columns}')]
    # Of columns named alike, the last (as a row's cells keep each exact name once).
    present = {column.casefold(): column for column in dict.fromkeys(table.columns)}
    missing = [c for c in ACTION_COLUMNS if c.casefold() not in present]
    if missing:
        return [
            Problem(path, table.line, f'"Action items" table lacks column(s) {", ".join(missing)}')
        ]
    if not table.rows:
        if not needed:
            return []
        return [
            Problem(
                path,
                table.line,
                f'"Action items" table has no rows; a {severity} incident needs at least one '
                "follow-up",
                incomplete=True,
            )
        ]
    problems = []
    positions = [table.position(present[n]) for n in ("action", "owner", "due", "type")]
    for row in table.rows:
        action, owner, due, kind = (_plain(row.values[at]) for at in positions)
        label = f'action item "{_shorten(action)}"' if action else "an action item"
        if not action:
            problems.append(
                Problem(path, row.line, "an action item row has no action", incomplete=True)
            )
        elif len(_unchecked(action).split()) < 2:
            problems.append(
                Problem(path, row.line, f"{label} needs a few words on what to do", incomplete=True)
            )
        if owner.casefold().lstrip("@") in _NO_OWNER:
            problems.append(Problem(path, row.line, f"{label} has no owner", incomplete=True))
        if not _valid_date(due):
            shown = f'"{due}"' if due else "no due date"
            problems.append(
                Problem(
                    path,
                    row.line,
                    f"{label} has {shown}; use a date like 2026-12-31",
                    incomplete=not due,
                )
            )
        if kind.casefold() not in rules.action_types:
            shown = f'type "{_shorten(kind)}"' if kind else "no type"
            problems.append(
                Problem(
                    path,
                    row.line,
                    f"{label} has {shown}; use one of {', '.join(rules.action_types)}",
                    incomplete=not kind,
                )
            )
    return problems


def _unchecked(action: str) -> str:
    """An action without its leading `[x]` or `[ ]` checkbox."""
    stripped = action.lstrip()
    return stripped[3:] if stripped[:3].lower() in ("[x]", "[ ]") else stripped


def _one_paragraph(section: Section | None, *, path: str) -> list[Problem]:
    if section is None or not section.is_filled:
        return []
    text = section.filled_text()
    if _BLANK_LINE.search(text) or _BLOCK_MARKER.match(text):
        return [
            Problem(
                path,
                section.line,
                '"Changelog entry" must be one paragraph (no lists, headings or blank lines)',
            )
        ]
    return []


def _plain(cell: str) -> str:
    """A cell's text that counts (cells come stripped: most are already that)."""
    if "<!--" not in cell and "TODO" not in cell:
        return cell
    return markdown_sections.meaningful_text(cell).strip()


@functools.lru_cache(maxsize=1024)
def _valid_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def row_is_done(cells: dict[str, str]) -> bool:
    """An action item is done when its Status column says so (read generously, see
    `action_status`) or its action is checked `[x]`."""
    lowered = {name.casefold(): value for name, value in cells.items()}
    return status_is_done(lowered.get("status", ""), lowered.get("action", ""))
