"""The gate: what stops an incident's record from moving on, decided in one place.

Stages are written in order, each meeting its goal before the next starts. Three questions
ask it, each with its own strictness:

- `next_stage_blockers`: may the next stage be scaffolded? Only when every goal so far is met.
- `commit_blockers`: may the record be committed (the hook) or pass a check (`incident
  check`, CI)? Every earlier stage is held to its whole goal; the stage being written only to
  what is *wrong* in it (a reference that does not resolve, a bad date), not to what is *not
  written yet*, so responders commit as they go.
- `ordering_problems`: a stage file present while an earlier one is missing (both of the
  above refuse it; `show` lists it).

A stage started with `incident next --override REASON` carries the override in its front
matter: the stage it skipped is then held only to what is wrong in it, like a work in
progress, and what it still lacks is a warning (`override_warnings`), not a refusal.

And which incident a path of the repository belongs to (`incidents_touched`), for the hook and
for `check --changed`.
"""

from __future__ import annotations

from collections.abc import Iterable

from incidentflow.model.ids import ID_PATTERN
from incidentflow.model.incidents import IncidentReport, StageResult
from incidentflow.model.problems import Problem


def ordering_problems(report: IncidentReport) -> list[Problem]:
    """A stage file present while an earlier stage's file is absent."""
    present = [r for r in report.stages if r.exists]
    if not present:
        return []
    last = present[-1]
    return [
        Problem(
            last.path,
            1,
            f"{last.stage.key} comes after {result.stage.key}, but {result.path} is missing",
        )
        for result in report.stages
        if result.stage.number < last.stage.number and not result.exists
    ]


def commit_blockers(report: IncidentReport) -> list[Problem]:
    """What a commit or a check refuses: metadata, order, earlier stages' goals, and wrong
    content anywhere. The latest stage may still be a work in progress, so its *incomplete*
    parts pass."""
    problems = list(report.meta_problems) + ordering_problems(report)
    current = report.current
    skipped = overridden(report)
    for result in report.stages:
        if not result.exists:
            continue
        if result.stage.key in skipped or (
            current is not None and result.stage.number == current.stage.number
        ):
            problems += [p for p in result.problems if not p.incomplete]
        else:
            problems += result.problems
    return problems


def next_stage_blockers(report: IncidentReport) -> list[Problem]:
    """What stops the next stage from being scaffolded: every goal of every stage so far."""
    problems = list(report.meta_problems) + ordering_problems(report)
    skipped = overridden(report)
    for result in report.stages:
        if result.stage.key in skipped:
            problems += [p for p in result.problems if not p.incomplete]
        elif result.exists:
            problems += result.problems
    return problems


def overridden(report: IncidentReport) -> dict[str, StageResult]:
    """The stages a later stage was started over (by `next --override`): the skipped
    stage's key → the result of the stage that started over it."""
    found = {}
    previous = None
    for result in report.stages:
        if result.exists and previous is not None and result.override is not None:
            found[previous.stage.key] = result
        previous = result
    return found


def _listed(messages: list[str], shown: int = 3) -> str:
    """``messages`` in one line: all of a few, else the first ``shown`` and how many more."""
    head = "; ".join(messages[:shown])
    more = len(messages) - shown
    return f"{head}; and {more} more (incident show lists them)" if more > 0 else head


def override_warnings(report: IncidentReport) -> list[Problem]:
    """What each overridden stage still lacks, as one warning per override."""
    warnings = []
    for key, later in overridden(report).items():
        skipped = next(r for r in report.stages if r.stage.key == key)
        lacking = [p for p in skipped.problems if p.incomplete]
        if not lacking:
            continue  # the skipped stage has caught up
        override = later.override
        assert override is not None
        warnings.append(
            Problem(
                later.path,
                override.line,
                f"warning: {later.stage.key} started before {key} met its goal (override by "
                f"{override.by}: {override.reason}); {key} still lacks "
                + _listed([problem.message for problem in lacking]),
            )
        )
    return warnings


def incidents_touched(incidents_dir: str, paths: Iterable[str]) -> list[str]:
    """Ids of the incidents that ``paths`` (repo-relative) belong to, sorted."""
    prefix = "" if incidents_dir == "." else incidents_dir.rstrip("/") + "/"
    found: set[str] = set()
    for name in paths:
        path = name.replace("\\", "/")
        if path.startswith("./"):
            path = path[2:]
        if not path.startswith(prefix):
            continue
        first = path[len(prefix) :].split("/", 1)[0]
        if ID_PATTERN.match(first):
            found.add(first)
    return sorted(found)
