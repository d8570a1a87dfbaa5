"""The four stages of an incident, in order, with their goals and default sections."""

from __future__ import annotations

from incidentflow.records import Record


class SectionSpec(Record):
    """A section a stage template offers, with the guidance shown as an HTML comment."""

    __slots__ = ("guidance", "name")

    def __init__(self, name: str, guidance: str) -> None:
        self.name = name
        self.guidance = guidance


class Stage(Record):
    """One stage: its key, position, file name, title, goal and sections."""

    __slots__ = (
        "_guidance",
        "filename",
        "goal",
        "key",
        "number",
        "optional",
        "prompt_role",
        "required",
        "title",
    )

    def __init__(
        self,
        *,
        key: str,
        number: int,
        title: str,
        goal: str,
        prompt_role: str,
        required: tuple[SectionSpec, ...],
        optional: tuple[SectionSpec, ...] = (),
    ) -> None:
        self.key = key
        self.number = number
        self.title = title
        self.goal = goal
        self.prompt_role = prompt_role
        self.required = required
        self.optional = optional
        # The stage file's name inside the incident directory, e.g. `01-triage.md`.
        self.filename = f"{number:02d}-{key}.md"
        self._guidance = {spec.name.casefold(): spec.guidance for spec in (*required, *optional)}

    def guidance(self, section: str) -> str:
        """The guidance the stage template gives a section (empty for sections it lacks)."""
        return self._guidance.get(section.casefold(), "")

    @property
    def required_names(self) -> tuple[str, ...]:
        """Names of the sections the default goal requires."""
        return tuple(spec.name for spec in self.required)


TRIAGE = Stage(
    key="triage",
    number=1,
    title="Triage and stabilize",
    goal="The incident is contained and its impact scoped, before deeper diagnosis.",
    prompt_role="debugging",
    required=(
        SectionSpec("Symptoms", "What users and alerts see: errors, latency, which endpoints."),
        SectionSpec("Impact", "Blast radius: who and what is affected, since when, how badly."),
        SectionSpec(
            "Mitigation",
            "The fastest safe mitigation applied (roll back, flag off, fail over) and when.",
        ),
        SectionSpec(
            "Containment evidence",
            "Why you believe it is contained: the graph, query or check that shows it.",
        ),
    ),
    optional=(
        SectionSpec("Recent changes", "Deploys, flags and config changes before the start."),
    ),
)

DIAGNOSIS = Stage(
    key="diagnosis",
    number=2,
    title="Understand the failing path",
    goal="A grounded understanding of how the failure happened.",
    prompt_role="code explanation",
    required=(
        SectionSpec(
            "Failing path",
            "Walk the code path that failed, citing code as `path/to/file.py:42` in backticks.",
        ),
        SectionSpec("Trigger", "What set it off this time: a deploy, traffic, data, a dependency."),
        SectionSpec(
            "Root cause", "Why the code failed, in what the code does, not what graphs imply."
        ),
        SectionSpec("Evidence", "Logs, queries, commits (`abc1234`) and lines that prove it."),
    ),
    optional=(SectionSpec("Contributing factors", "What made it worse or slower to see."),),
)

SUMMARY = Stage(
    key="summary",
    number=3,
    title="Write the incident summary",
    goal="A clear incident summary for stakeholders.",
    prompt_role="structured summary",
    required=(
        SectionSpec(
            "What happened",
            "Plain language for people who were not in the room; at most 150 words.",
        ),
        SectionSpec("When", "Start, detection, containment and resolution times, with timezone."),
        SectionSpec("Who was affected", "Customers, internal teams, regions; rough numbers."),
        SectionSpec("How it was contained", "The mitigation, in one or two sentences."),
    ),
)

POSTMORTEM = Stage(
    key="postmortem",
    number=4,
    title="Produce the postmortem and changelog entry",
    goal="A durable postmortem and changelog entry, not a memory that fades by Friday.",
    prompt_role="markdown document builder",
    required=(
        SectionSpec("Summary", "Two or three sentences: what broke, for whom, for how long."),
        SectionSpec("Impact", "Who was affected and how much, with numbers."),
        SectionSpec("Timeline", "Key times in order, with timezone."),
        SectionSpec("Root cause", "The underlying cause, grounded in the code."),
        SectionSpec("Trigger", "What set it off this time."),
        SectionSpec("Resolution", "What contained it and what fixed it for good."),
        SectionSpec("Detection", "How we found out, and how we could have found out sooner."),
        SectionSpec(
            "Action items",
            "A table with columns Action, Owner, Due (YYYY-MM-DD), Type; one row per follow-up. "
            "Mark a finished row with a Status column saying done.",
        ),
        SectionSpec("Lessons learned", "What we now know that we did not."),
        SectionSpec(
            "Changelog entry",
            "One paragraph, at most 400 characters, for CHANGELOG.md: what users saw and the fix.",
        ),
    ),
    optional=(
        SectionSpec("What went well", ""),
        SectionSpec("What went wrong", ""),
        SectionSpec("Where we got lucky", ""),
    ),
)

STAGES: tuple[Stage, ...] = (TRIAGE, DIAGNOSIS, SUMMARY, POSTMORTEM)
BY_KEY = {stage.key: stage for stage in STAGES}
BY_FILENAME = {stage.filename: stage for stage in STAGES}


def stage_named(key: str) -> Stage:
    """Look a stage up by key (`triage`, `diagnosis`, `summary`, `postmortem`)."""
    from incidentflow.errors import IncidentError

    try:
        return BY_KEY[key]
    except KeyError:
        choices = ", ".join(BY_KEY)
        raise IncidentError(f"unknown stage {key!r}; choose one of {choices}") from None


def next_stage(stage: Stage) -> Stage | None:
    """The stage after ``stage``, or None after the postmortem."""
    return STAGES[stage.number] if stage.number < len(STAGES) else None
