"""One incident as a whole: metadata, each stage's goal, and the status derived from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from incidentflow.errors import EnvironmentFailed, IncidentError
from incidentflow.files.markdown_sections import Document, parse
from incidentflow.files.textfile import decode
from incidentflow.git.snapshot import Snapshot
from incidentflow.model import stages
from incidentflow.model.coderefs import CodeRef
from incidentflow.model.config import Config
from incidentflow.model.goals import StageContext, check_stage, reference_verdicts, stage_override
from incidentflow.model.grounding import Resolver
from incidentflow.model.metadata import METADATA_NAME, Metadata, read_metadata
from incidentflow.model.overrides import StageOverride
from incidentflow.model.problems import Problem
from incidentflow.model.stages import Stage
from incidentflow.records import Record

TIMELINE_NAME = "timeline.md"


class StageResult(Record):
    """A stage file's state: present or not, and what its goal still lacks."""

    __slots__ = ("_doc", "exists", "path", "problems", "stage", "text")

    def __init__(
        self,
        stage: Stage,
        path: str,
        exists: bool,
        problems: list[Problem] | None = None,
        text: str = "",
        doc: Document | None = None,
    ) -> None:
        self.stage = stage
        self.path = path
        self.exists = exists
        self.problems = [] if problems is None else problems
        self.text = text
        self._doc = doc  # ``text`` parsed, when it already was

    @property
    def doc(self) -> Document:
        """The stage file parsed (read-only; parsed once)."""
        if self._doc is None:
            self._doc = parse(self.text)
        return self._doc

    @property
    def override(self) -> StageOverride | None:
        """The override this stage was started with (`next --override`), if any."""
        if not self.exists or not self.text:
            return None
        return stage_override(self.stage, self.doc, path=self.path)

    @property
    def met(self) -> bool:
        """The file exists and meets its goal."""
        return self.exists and not self.problems


class IncidentReport(Record):
    """An incident's metadata and stage results, read from one snapshot."""

    __slots__ = (
        "directory",
        "id",
        "meta",
        "meta_problems",
        "meta_text",
        "postmortem_needed",
        "stages",
    )

    def __init__(
        self,
        id: str,
        directory: str,
        meta: Metadata,
        meta_text: str,
        meta_problems: list[Problem],
        stages: list[StageResult],
        *,
        postmortem_needed: bool = True,
    ) -> None:
        self.id = id
        self.directory = directory
        self.meta = meta
        self.meta_text = meta_text
        self.meta_problems = meta_problems
        self.stages = stages
        # False for a severity configured without a postmortem: closed once resolved.
        self.postmortem_needed = postmortem_needed

    @property
    def current(self) -> StageResult | None:
        """The latest stage whose file exists."""
        present = [result for result in self.stages if result.exists]
        return present[-1] if present else None

    @property
    def status(self) -> str:
        """`active` → `contained` → `resolved` → `closed`; derived, never stored. An incident
        whose severity needs no postmortem is closed once resolved."""
        if self.finished:
            return "closed"
        if self.meta.time("resolved_at"):
            return "resolved"
        if self.meta.time("contained_at"):
            return "contained"
        return "active"

    @property
    def finished(self) -> bool:
        """The postmortem meets its goal, or none is needed and the incident is resolved."""
        if self.meta_problems:
            return False
        if not self.postmortem_needed:
            return self.meta.time("resolved_at") is not None
        postmortem = self.result(stages.POSTMORTEM)
        return postmortem is not None and postmortem.met

    @property
    def is_open(self) -> bool:
        """Not closed yet."""
        return self.status != "closed"

    def result(self, stage: Stage) -> StageResult | None:
        """The result for ``stage``, if it was evaluated."""
        return next((r for r in self.stages if r.stage.key == stage.key), None)

    def age(self, now: dt.datetime) -> dt.timedelta | None:
        """Time since the incident started."""
        started = self.meta.time("started_at")
        return now - started if started else None


def incident_dir(config: Config, incident_id: str) -> str:
    """Repo-relative directory of an incident."""
    return f"{config.incidents_dir}/{incident_id}" if config.incidents_dir != "." else incident_id


def evaluate(
    snapshot: Snapshot,
    config: Config,
    incident_id: str,
    *,
    resolver: Resolver | None = None,
    only: Iterable[Stage] | None = None,
) -> IncidentReport:
    """Read an incident from ``snapshot`` and check its metadata and stage goals.

    ``only`` limits which stages are read and checked (the others are left out of the report).
    """
    directory = incident_dir(config, incident_id)
    meta_path = f"{directory}/{METADATA_NAME}"
    meta_problems: list[Problem] = []
    meta_text = ""
    try:
        raw = snapshot.read(meta_path)
    except EnvironmentFailed:
        raise  # nothing read can be judged: the run stops
    except IncidentError as exc:
        raw = b""
        meta_problems.append(Problem.from_message(exc.message, path=meta_path))
    if meta_problems:
        meta = Metadata(readable=False)
    elif raw is None:
        meta = Metadata(readable=False)
        meta_problems.append(Problem(meta_path, None, f"is missing from {snapshot.label}"))
    else:
        try:
            meta_text = decode(raw, path=meta_path)
            meta, meta_problems = read_metadata(
                meta_text, path=meta_path, incident_id=incident_id, config=config
            )
        except IncidentError as exc:
            meta = Metadata(readable=False)
            meta_problems.append(Problem.from_message(exc.message, path=meta_path))

    selected = list(only) if only is not None else list(stages.STAGES)
    results = []
    for stage in selected:
        path = f"{directory}/{stage.filename}"
        try:
            data = snapshot.read(path)
        except EnvironmentFailed:
            raise
        except IncidentError as exc:
            results.append(
                StageResult(stage, path, True, [Problem.from_message(exc.message, path=path)])
            )
            continue
        if data is None:
            results.append(StageResult(stage, path, exists=False))
            continue
        try:
            text = decode(data, path=path)
        except IncidentError as exc:
            results.append(
                StageResult(stage, path, True, [Problem.from_message(exc.message, path=path)])
            )
            continue
        context = StageContext(
            incident_id=incident_id,
            meta=meta,
            meta_path=meta_path,
            meta_text=meta_text,
            rules=config.rules_for(stage.key, meta.kind if meta else None),
            resolver=resolver,
            timeline=lambda: snapshot.read(f"{directory}/{TIMELINE_NAME}"),
            timezone=config.timezone,
            done_needs_commit=config.done_needs_commit,
        )
        doc = parse(text)
        problems = check_stage(stage, doc, path=path, context=context)
        results.append(StageResult(stage, path, True, problems, text, doc))
    needed = True
    if meta.severity:
        severity = config.severity(meta.severity)
        needed = severity is None or severity.postmortem
    return IncidentReport(
        incident_id,
        directory,
        meta,
        meta_text,
        meta_problems,
        results,
        postmortem_needed=needed,
    )


def judged_in_the_past(
    report: IncidentReport, resolver: Resolver
) -> list[tuple[str, CodeRef, str]]:
    """References that resolve only as the code was when their line was written: the stage
    file, the reference and the commit it was judged at."""
    started = report.meta.time("started_at")
    found = []
    for result in report.stages:
        if not (result.exists and result.text):
            continue
        verdicts = reference_verdicts(
            result.doc, path=result.path, resolver=resolver, started=started
        )
        for ref, verdict in verdicts:
            if verdict.reason is None and verdict.judged_at is not None:
                found.append((result.path, ref, verdict.judged_at))
    return found
