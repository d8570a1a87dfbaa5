"""`.incident.yaml`: the repository's optional configuration, validated with line numbers."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path

from incidentflow.errors import IncidentError
from incidentflow.files.repo_paths import repo_relative
from incidentflow.model import stages
from incidentflow.model.problems import brief
from incidentflow.model.substance import DEFAULT_MIN_WORDS, DEFAULT_MIN_WORDS_BY_SECTION
from incidentflow.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    from typing import Any

CONFIG_NAME = ".incident.yaml"

# Changelog formats `changelog.format` may name; without it the format is detected from the
# repository's own configuration (see changelog/formats.py).
CHANGELOG_FORMATS = (
    "keep-a-changelog",
    "towncrier",
    "scriv",
    "git-cliff",
    "release-please",
    "semantic-release",
    "conventional-changelog",
)


class Severity(Record):
    """One severity level: its name and description, other names people use for it, how
    often stakeholders get an update, and when its postmortem is due (``None``: no update
    cadence, no deadline; ``postmortem=False``: closed once resolved, no postmortem)."""

    __slots__ = ("aliases", "description", "name", "postmortem", "postmortem_within", "updates")

    def __init__(
        self,
        name: str,
        description: str = "",
        *,
        aliases: tuple[str, ...] = (),
        updates: Span | None = None,
        postmortem_within: Span | None = None,
        postmortem: bool = True,
    ) -> None:
        self.name = name
        self.description = description
        self.aliases = aliases
        self.updates = updates
        self.postmortem_within = postmortem_within
        self.postmortem = postmortem


class Span(Record):
    """A length of time as configured: minutes, hours, days or weeks, or business days
    (`5bd`: weekdays only, counted from a date)."""

    __slots__ = ("amount", "unit")

    def __init__(self, amount: int, unit: str) -> None:
        self.amount = amount
        self.unit = unit  # m, h, d, w or bd

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def after(self, moment: dt.datetime) -> dt.datetime:
        """The moment this long after ``moment`` (business days skip weekends)."""
        if self.unit != "bd":
            unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[self.unit]
            return moment + dt.timedelta(**{unit: self.amount})
        day, left = moment, self.amount
        while left:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day


_SPAN = re.compile(r"^(\d{1,6})\s*(m|h|d|w|bd)$")


def parse_span(text: str) -> Span | None:
    """`30m`, `2h`, `3d`, `1w` or `5bd`; None for anything else."""
    match = _SPAN.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        return None
    return Span(int(match.group(1)), match.group(2))


# From common practice: stakeholders hear every 30 minutes in a SEV1 and every hour in a
# SEV2; the postmortem is due 3 days after a SEV1 is resolved, 5 business days after a SEV2
# (PagerDuty's guidance), 10 after a SEV3; a SEV4 needs none.
DEFAULT_SEVERITIES = (
    Severity(
        "SEV1",
        "Critical: most users cannot use a core feature",
        updates=Span(30, "m"),
        postmortem_within=Span(3, "d"),
    ),
    Severity(
        "SEV2",
        "Major: a core feature is degraded for many users",
        updates=Span(60, "m"),
        postmortem_within=Span(5, "bd"),
    ),
    Severity(
        "SEV3", "Minor: a feature is degraded for some users", postmortem_within=Span(10, "bd")
    ),
    Severity("SEV4", "Low: little or no user impact", postmortem=False),
)
DEFAULT_ROLES = ("commander", "scribe", "comms", "ops")


class IncidentType(Record):
    """A kind of incident (`security`, `data-loss`): the sections it adds to stages, their
    guidance, and the runbooks its responders should open first."""

    __slots__ = ("description", "guidance", "name", "runbooks", "sections")

    def __init__(
        self,
        name: str,
        *,
        description: str = "",
        runbooks: tuple[str, ...] = (),
        sections: dict[str, tuple[str, ...]] | None = None,
        guidance: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.description = description
        self.runbooks = runbooks
        self.sections = {} if sections is None else sections  # stage: extra required
        self.guidance = {} if guidance is None else guidance  # section: guidance


DEFAULT_ACTION_TYPES = ("mitigate", "prevent", "detect", "process", "repair")
DEFAULT_ACTIONS_REQUIRED_FOR = ("SEV1", "SEV2")


class StageRules(Record):
    """What a stage's goal requires: its sections, their size limits and their least words
    (``min_words``: by section title, with ``default_min_words`` for the rest); for the
    postmortem, the action items' types and the severities that need at least one."""

    __slots__ = (
        "_least",
        "action_types",
        "actions_required_for",
        "default_min_words",
        "max_chars",
        "max_words",
        "min_words",
        "required_sections",
    )

    def __init__(
        self,
        required_sections: tuple[str, ...],
        max_words: dict[str, int] | None = None,
        max_chars: dict[str, int] | None = None,
        *,
        min_words: dict[str, int] | None = None,
        default_min_words: int = DEFAULT_MIN_WORDS,
        action_types: tuple[str, ...] = DEFAULT_ACTION_TYPES,
        actions_required_for: tuple[str, ...] = DEFAULT_ACTIONS_REQUIRED_FOR,
    ) -> None:
        self.required_sections = required_sections
        self.max_words = {} if max_words is None else max_words
        self.max_chars = {} if max_chars is None else max_chars
        self.min_words = dict(DEFAULT_MIN_WORDS_BY_SECTION) if min_words is None else min_words
        self.default_min_words = default_min_words
        self.action_types = action_types
        self.actions_required_for = actions_required_for
        self._least: dict[str, int] | None = None  # min_words by casefolded title

    def adding(self, sections: tuple[str, ...]) -> StageRules:
        """These rules with more required sections."""
        return StageRules(
            (*self.required_sections, *sections),
            self.max_words,
            self.max_chars,
            min_words=self.min_words,
            default_min_words=self.default_min_words,
            action_types=self.action_types,
            actions_required_for=self.actions_required_for,
        )

    def least_words(self, section: str) -> int:
        """The fewest words ``section`` may hold."""
        if self._least is None:
            self._least = {name.casefold(): count for name, count in self.min_words.items()}
        return self._least.get(section.casefold(), self.default_min_words)


def _default_rules() -> dict[str, StageRules]:
    rules = {stage.key: StageRules(stage.required_names) for stage in stages.STAGES}
    rules["summary"] = StageRules(stages.SUMMARY.required_names, max_words={"What happened": 150})
    rules["postmortem"] = StageRules(
        stages.POSTMORTEM.required_names, max_chars={"Changelog entry": 400}
    )
    return rules


class Config(Record):
    """Settings for one repository; every field has a default."""

    __slots__ = (
        "_severity_by_name",
        "ai_model",
        "changelog",
        "changelog_category",
        "changelog_format",
        "changelog_section",
        "changelog_type",
        "done_needs_commit",
        "excerpt_lines",
        "incidents_dir",
        "max_prompt_chars",
        "recent_max",
        "recent_window",
        "roles",
        "root",
        "severities",
        "stage_rules",
        "templates_dir",
        "timezone",
        "types",
    )

    def __init__(
        self,
        *,
        root: Path,
        incidents_dir: str = "incidents",
        changelog: str = "CHANGELOG.md",
        changelog_section: str = "Unreleased",
        changelog_category: str | None = None,
        changelog_format: str | None = None,
        changelog_type: str | None = None,
        timezone: str = "UTC",
        severities: tuple[Severity, ...] = DEFAULT_SEVERITIES,
        roles: tuple[str, ...] = DEFAULT_ROLES,
        types: dict[str, IncidentType] | None = None,
        recent_window: dt.timedelta = dt.timedelta(hours=24),
        recent_max: int = 20,
        templates_dir: str | None = None,
        ai_model: str | None = None,
        max_prompt_chars: int = 24_000,
        excerpt_lines: int = 80,
        stage_rules: dict[str, StageRules] | None = None,
        done_needs_commit: bool = False,
    ) -> None:
        self.root = root
        self.incidents_dir = incidents_dir
        self.changelog = changelog
        self.changelog_section = changelog_section
        # None: the format's own default (Fixed, or the fix-like category of scriv).
        self.changelog_category = changelog_category
        # None: detected from the repository (towncrier, scriv, git-cliff … configuration).
        self.changelog_format = changelog_format
        # towncrier's fragment type; None: its bugfix-like type.
        self.changelog_type = changelog_type
        self.timezone = timezone
        self.severities = severities
        # Every spelling of every severity: its name as configured, then casefolded, and its
        # aliases casefolded.
        self._severity_by_name: dict[str, Severity] = {}
        for severity in severities:
            self._severity_by_name[severity.name] = severity
            for spelling in (severity.name, *severity.aliases):
                self._severity_by_name.setdefault(spelling.casefold(), severity)
        self.roles = roles
        self.types = {} if types is None else types
        self.recent_window = recent_window
        self.recent_max = recent_max
        self.templates_dir = templates_dir
        self.ai_model = ai_model
        self.max_prompt_chars = max_prompt_chars
        self.excerpt_lines = excerpt_lines
        self.stage_rules = _default_rules() if stage_rules is None else stage_rules
        # An action item marked done must cite a commit that resolves (`incident check`).
        self.done_needs_commit = done_needs_commit

    @property
    def severity_names(self) -> tuple[str, ...]:
        """The configured severity names, most severe first."""
        return tuple(severity.name for severity in self.severities)

    def severity(self, value: str) -> Severity | None:
        """The severity ``value`` names: its name or an alias, in any case (`sev1`, `P0`)."""
        found = self._severity_by_name.get(value)  # as written: the commonest
        if found is None:
            found = self._severity_by_name.get(value.strip().casefold())
        return found

    def rules_for(self, stage: str, kind: str | None = None) -> StageRules:
        """A stage's rules, with the sections an incident type adds to it."""
        rules = self.stage_rules[stage]
        extra = self.types[kind].sections.get(stage, ()) if kind in self.types else ()
        if not extra:
            return rules
        names = {name.casefold() for name in rules.required_sections}
        added = tuple(name for name in extra if name.casefold() not in names)
        return rules.adding(added)

    @property
    def incidents_path(self) -> Path:
        """Absolute path of the incidents directory."""
        return self.root / self.incidents_dir

    def tz(self) -> dt.tzinfo:
        """The configured timezone."""
        from incidentflow.model.times import zone

        return zone(self.timezone)


def load_config(root: Path) -> Config:
    """Read and validate `.incident.yaml` at ``root``; absent means all defaults."""
    from incidentflow.files.repo_paths import checked

    path = root / CONFIG_NAME
    try:
        data = checked(root, path).read_bytes() if os.path.lexists(path) else None
    except IncidentError as exc:
        raise IncidentError(f"{CONFIG_NAME}: {exc.message}") from None
    except FileNotFoundError:
        data = None
    except OSError as exc:
        raise IncidentError(f"{CONFIG_NAME}: cannot read: {exc.strerror}") from None
    if data is None:
        return _checked_paths(Config(root=root))
    from incidentflow.files.textfile import decode
    from incidentflow.files.yamlio import UNSUPPORTED, load_roundtrip, load_simple

    text = decode(data, path=CONFIG_NAME)
    # The exact small parser reads what `incident init` writes and the keys people set in it,
    # without importing ruamel.yaml on the commit path; a problem is read again by ruamel.yaml,
    # whose line numbers the message names.
    simple = load_simple(text)
    if simple is None:
        return _checked_paths(Config(root=root))
    if simple is not UNSUPPORTED:
        try:
            return _checked_paths(_Reader(root).read(simple))
        except IncidentError:
            pass
    document = load_roundtrip(text, path=CONFIG_NAME)
    if document is None:
        return _checked_paths(Config(root=root))
    return _checked_paths(_Reader(root).read(document))


def _checked_paths(config: Config) -> Config:
    """Defaults too must not lead outside the repository (e.g. `incidents` as a symlink)."""
    from incidentflow.files.repo_paths import checked

    for name, value in (("incidents_dir", config.incidents_dir), ("changelog", config.changelog)):
        try:
            checked(config.root, config.root / value)
        except IncidentError as exc:
            raise IncidentError(f"{name} {value!r}: {exc.message}") from None
    return config


_DURATION = re.compile(r"^(\d+)\s*([mhd])$")


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root

    def fail(self, node: Any, key: str | int | None, message: str) -> IncidentError:
        line = _line(node, key)
        where = f"{CONFIG_NAME}:{line}" if line else CONFIG_NAME
        return IncidentError(f"{where}: {message}")

    def mapping(self, node: Any, what: str, parent: Any = None, key: Any = None) -> dict[Any, Any]:
        if not isinstance(node, dict):
            raise self.fail(parent, key, f"{what} must be a mapping of keys to values")
        return node

    def string(self, node: Any, key: str, what: str) -> str:
        value = node[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, key, f"{what} must be a non-empty string{_not_a(value)}")
        return value

    def integer(self, node: Any, key: Any, what: str) -> int:
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(node, key, f"{what} must be a positive whole number")
        return value

    def names(self, node: Any, key: str, what: str, *, empty: bool = False) -> tuple[str, ...]:
        value = node[key]
        if (
            not isinstance(value, list)
            or (not value and not empty)
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            noun = "section names" if key == "required_sections" else "names"
            raise self.fail(node, key, f"{what} must be a list of {noun}")
        return tuple(str(v) for v in value)

    def min_words(self, node: Any, where: str) -> dict[str, Any]:
        """`min_words: N` (every section) or `{Section: N, …}` (0 turns the rule off)."""
        value = node["min_words"]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return {"default_min_words": value, "min_words": {}}
        limits = self.mapping(value, where, node, "min_words")
        counts = {}
        for section in limits:
            count = limits[section]
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise self.fail(limits, section, f"{where}.{section} must be a whole number")
            counts[str(section)] = count
        return {"min_words": {**DEFAULT_MIN_WORDS_BY_SECTION, **counts}}

    def path(self, node: Any, key: str, what: str) -> str:
        value = self.string(node, key, what)
        try:
            return repo_relative(self.root, value)
        except IncidentError as exc:
            raise self.fail(node, key, f"{what}: {exc.message}") from None

    def read(self, document: Any) -> Config:
        top = self.mapping(document, "the configuration")
        handlers: dict[str, Callable[[Any], dict[str, Any]]] = {
            "incidents_dir": lambda _: {
                "incidents_dir": self.path(top, "incidents_dir", "incidents_dir")
            },
            "changelog": lambda _: self.changelog(top),
            "timezone": lambda _: {"timezone": self.timezone(top)},
            "severities": lambda _: {"severities": self.severities(top)},
            "roles": lambda _: {"roles": self.roles(top)},
            "types": lambda _: {"types": self.types(top)},
            "recent_changes": lambda _: self.recent_changes(top),
            "templates_dir": lambda _: {
                "templates_dir": self.path(top, "templates_dir", "templates_dir")
            },
            "ai": lambda _: self.ai(top),
            "actions": lambda _: self.actions(top),
            "stages": lambda _: {"stage_rules": self.stages(top)},
        }
        values: dict[str, Any] = {}
        for key in top:
            if key not in handlers:
                known = ", ".join(handlers)
                raise self.fail(top, key, f"unknown key {brief(key)} (known keys: {known})")
            values.update(handlers[key](top[key]))
        return Config(root=self.root, **values)

    def changelog(self, top: Any) -> dict[str, Any]:
        node = top["changelog"]
        if isinstance(node, str):
            return {"changelog": self.path(top, "changelog", "changelog")}
        node = self.mapping(node, "changelog", top, "changelog")
        values: dict[str, Any] = {}
        names = {
            "path": "changelog",
            "section": "changelog_section",
            "category": "changelog_category",
            "format": "changelog_format",
            "type": "changelog_type",
        }
        for key in node:
            if key not in names:
                raise self.fail(
                    node,
                    key,
                    f"unknown key changelog.{brief(key, quoted=False)} "
                    "(known: path, section, category, format, type)",
                )
            if key == "path":
                values["changelog"] = self.path(node, key, "changelog.path")
            elif key == "format":
                value = self.string(node, key, "changelog.format").strip()
                if value not in CHANGELOG_FORMATS:
                    known = ", ".join(CHANGELOG_FORMATS)
                    raise self.fail(node, key, f"changelog.format {value!r} is not one of {known}")
                values["changelog_format"] = value
            else:
                values[names[key]] = self.string(node, key, f"changelog.{key}").strip("[] ")
        return values

    def timezone(self, top: Any) -> str:
        from incidentflow.model.times import zone

        name = self.string(top, "timezone", "timezone")
        try:
            zone(name)
        except IncidentError as exc:
            raise self.fail(top, "timezone", exc.message) from None
        return name

    def severities(self, top: Any) -> tuple[Severity, ...]:
        node = top["severities"]
        if not isinstance(node, list) or not node:
            raise self.fail(
                top, "severities", "severities must be a non-empty list of {name, description}"
            )
        result = []
        known = "name, description, aliases, updates, postmortem"
        for index, item in enumerate(node):
            if isinstance(item, str):
                result.append(Severity(item))
                continue
            if not isinstance(item, dict):
                raise self.fail(
                    node,
                    index,
                    f"severities[{index}] must be a name or {{name, description}}{_not_a(item)}",
                )
            entry = self.mapping(item, f"severities[{index}]", node, index)
            for key in entry:
                if key not in known.split(", "):
                    raise self.fail(
                        entry, key, f"unknown key {brief(key)} in a severity (known: {known})"
                    )
            if "name" not in entry:
                raise self.fail(node, index, f"severities[{index}] needs a name")
            name = self.string(entry, "name", "a severity name")
            description = entry.get("description") or ""
            if not isinstance(description, str):
                raise self.fail(entry, "description", "a severity description must be a string")
            aliases = (
                self.names(entry, "aliases", f"the aliases of {name}") if "aliases" in entry else ()
            )
            updates = (
                self.span(entry, "updates", f"updates of {name}") if "updates" in entry else None
            )
            within: Span | None = None
            needed = True
            if "postmortem" in entry:
                if isinstance(entry["postmortem"], str) and entry["postmortem"].strip() == "none":
                    needed = False
                else:
                    within = self.span(entry, "postmortem", f"postmortem of {name}")
            result.append(
                Severity(
                    name,
                    description,
                    aliases=aliases,
                    updates=updates,
                    postmortem_within=within,
                    postmortem=needed,
                )
            )
        spellings = [
            s.casefold() for severity in result for s in (severity.name, *severity.aliases)
        ]
        if len(set(spellings)) != len(spellings):
            raise self.fail(
                top, "severities", "severity names and aliases must be unique (in any case)"
            )
        return tuple(result)

    def span(self, node: Any, key: str, what: str) -> Span:
        value = node[key]
        found = parse_span(value) if isinstance(value, str) else None
        if found is None:
            raise self.fail(
                node, key, f"{what} must be a time like 30m, 2h, 3d, 1w or 5bd (business days)"
            )
        return found

    def roles(self, top: Any) -> tuple[str, ...]:
        names = self.names(top, "roles", "roles")
        if "commander" not in names:
            names = ("commander", *names)
        bad = [name for name in names if not re.fullmatch(r"[a-z][a-z0-9_-]*", name)]
        if bad:
            raise self.fail(
                top, "roles", f"role {brief(bad[0])} must be a lowercase word such as scribe"
            )
        return names

    def types(self, top: Any) -> dict[str, IncidentType]:
        node = self.mapping(top["types"], "types", top, "types")
        found = {}
        for name in node:
            if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
                raise self.fail(node, name, f"type {brief(name)} must be a lowercase word")
            entry = self.mapping(node[name] or {}, f"types.{name}", node, name)
            sections: dict[str, tuple[str, ...]] = {}
            guidance: dict[str, str] = {}
            description, runbooks = "", tuple[str, ...]()
            for key in entry:
                where = f"types.{name}.{key}"
                if key == "description":
                    description = self.string(entry, key, where)
                elif key == "runbooks":
                    runbooks = self.names(entry, key, where)
                elif key == "stages":
                    by_stage = self.mapping(entry[key], where, entry, key)
                    for stage in by_stage:
                        if stage not in stages.BY_KEY:
                            raise self.fail(
                                by_stage, stage, f"unknown stage {brief(stage)} in {where}"
                            )
                        spec = self.mapping(by_stage[stage], f"{where}.{stage}", by_stage, stage)
                        for option in spec:
                            place = f"{where}.{stage}.{option}"
                            if option == "required_sections":
                                sections[str(stage)] = self.names(spec, option, place)
                            elif option == "guidance":
                                texts = self.mapping(spec[option], place, spec, option)
                                for section in texts:
                                    guidance[str(section)] = self.string(
                                        texts, section, f"{place}.{section}"
                                    )
                            else:
                                raise self.fail(
                                    spec,
                                    option,
                                    f"unknown key {brief(place, quoted=False)} "
                                    "(known: required_sections, guidance)",
                                )
                else:
                    raise self.fail(
                        entry,
                        key,
                        f"unknown key {brief(where, quoted=False)} "
                        "(known: description, runbooks, stages)",
                    )
            found[name] = IncidentType(
                name,
                description=description,
                runbooks=runbooks,
                sections=sections,
                guidance=guidance,
            )
        return found

    def recent_changes(self, top: Any) -> dict[str, Any]:
        node = self.mapping(top["recent_changes"], "recent_changes", top, "recent_changes")
        values: dict[str, Any] = {}
        for key in node:
            if key == "window":
                text = str(node[key]).strip()
                match = _DURATION.match(text)
                if not match:
                    raise self.fail(
                        node, key, "recent_changes.window must be a duration like 24h, 90m or 2d"
                    )
                unit = {"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
                values["recent_window"] = dt.timedelta(**{unit: int(match.group(1))})
            elif key == "max":
                values["recent_max"] = self.integer(node, key, "recent_changes.max")
            else:
                raise self.fail(
                    node,
                    key,
                    f"unknown key recent_changes.{brief(key, quoted=False)} (known: window, max)",
                )
        return values

    def ai(self, top: Any) -> dict[str, Any]:
        node = self.mapping(top["ai"], "ai", top, "ai")
        values: dict[str, Any] = {}
        for key in node:
            if key == "model":
                values["ai_model"] = self.string(node, key, "ai.model")
            elif key in ("max_prompt_chars", "excerpt_lines"):
                values[key] = self.integer(node, key, f"ai.{key}")
            else:
                raise self.fail(
                    node,
                    key,
                    f"unknown key ai.{brief(key, quoted=False)} "
                    "(known: model, max_prompt_chars, excerpt_lines)",
                )
        return values

    def actions(self, top: Any) -> dict[str, Any]:
        node = self.mapping(top["actions"], "actions", top, "actions")
        values: dict[str, Any] = {}
        for key in node:
            if key != "done_needs_commit":
                raise self.fail(
                    node,
                    key,
                    f"unknown key actions.{brief(key, quoted=False)} (known: done_needs_commit)",
                )
            if not isinstance(node[key], bool):
                raise self.fail(
                    node, key, f"actions.done_needs_commit must be true or false{_not_a(node[key])}"
                )
            values["done_needs_commit"] = node[key]
        return values

    def stages(self, top: Any) -> dict[str, StageRules]:
        node = self.mapping(top["stages"], "stages", top, "stages")
        rules = _default_rules()
        for key in node:
            if key not in stages.BY_KEY:
                raise self.fail(
                    node, key, f"unknown stage {brief(key)} (known: {', '.join(stages.BY_KEY)})"
                )
            stage_node = self.mapping(node[key], f"stages.{key}", node, key)
            current = rules[key]
            required = current.required_sections
            max_words, max_chars = dict(current.max_words), dict(current.max_chars)
            extra: dict[str, Any] = {}
            for option in stage_node:
                where = f"stages.{key}.{option}"
                if option == "required_sections":
                    required = self.names(stage_node, option, where)
                elif option in ("max_words", "max_chars"):
                    limits = self.mapping(stage_node[option], where, stage_node, option)
                    target = max_words if option == "max_words" else max_chars
                    target.clear()
                    for section in limits:
                        target[str(section)] = self.integer(limits, section, f"{where}.{section}")
                elif option == "min_words":
                    extra.update(self.min_words(stage_node, where))
                elif key == "postmortem" and option == "action_types":
                    extra["action_types"] = tuple(
                        name.casefold() for name in self.names(stage_node, option, where)
                    )
                elif key == "postmortem" and option == "action_items_required_for":
                    extra["actions_required_for"] = self.names(
                        stage_node, option, where, empty=True
                    )
                else:
                    known = "required_sections, max_words, max_chars, min_words"
                    if key == "postmortem":
                        known += ", action_types, action_items_required_for"
                    raise self.fail(
                        stage_node,
                        option,
                        f"unknown key {brief(where, quoted=False)} (known: {known})",
                    )
            rules[key] = StageRules(required, max_words, max_chars, **extra)
        return rules


def _line(node: Any, key: str | int | None) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is None:
            return int(lc.line) + 1
        if isinstance(node, list):
            return int(lc.item(key)[0]) + 1
        return int(lc.key(key)[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return int(lc.line) + 1


def _not_a(value: Any) -> str:
    """What a wrongly typed value was read as, with the fix (YAML turns some words into types)."""
    if isinstance(value, bool):
        return f", not the boolean {str(value).lower()} (a YAML 1.1 word like yes/on: quote it)"
    if isinstance(value, dt.datetime | dt.date):
        return f", not the date {value.isoformat()} (quote it)"
    if isinstance(value, int | float):
        return f", not the number {value} (quote it)"
    if value is None:
        return ", not empty"
    return ""
