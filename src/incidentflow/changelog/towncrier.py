"""towncrier's settings as towncrier itself reads them: where fragments go, of which type.

Mirrors `towncrier/_settings/load.py` and `_builder.FragmentsPath`: `towncrier.toml` wins
over `pyproject.toml`; both keep the settings in `[tool.towncrier]`; `package` falls back to
`[project] name`; fragments live in `directory` (relative to the configuration's directory)
or else in `package_dir/package/newsfragments`, under the first section's path; types come
from `[tool.towncrier.fragment.*]`, else `[[tool.towncrier.type]]` (keyed by `directory`),
else the five defaults.
"""

from __future__ import annotations

import posixpath

from incidentflow.changelog.toolconfig import ToolFiles, string, table
from incidentflow.errors import IncidentError
from incidentflow.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    from typing import Any

_DEFAULT_TYPES = {
    "feature": "Features",
    "bugfix": "Bugfixes",
    "doc": "Improved Documentation",
    "removal": "Deprecations and Removals",
    "misc": "Misc",
}


class Towncrier(Record):
    """The settings the entry needs: fragment directory, type, markup, the news file."""

    __slots__ = ("directory", "fragment_type", "markup", "news_file", "orphan", "source")

    def __init__(
        self,
        *,
        source: str,
        directory: str,
        fragment_type: str,
        markup: str,
        news_file: str | None,
        orphan: str,
    ) -> None:
        self.source = source
        self.directory = directory
        self.fragment_type = fragment_type
        self.markup = markup
        self.news_file = news_file
        self.orphan = orphan


def configured(files: ToolFiles) -> tuple[str, dict[str, Any], dict[str, Any] | None] | None:
    """(where, [tool.towncrier], pyproject) when the repository configures towncrier."""
    pyproject = files.toml("pyproject.toml")
    own = files.toml("towncrier.toml")
    if own is not None:
        return "towncrier.toml", table(own, "tool", "towncrier") or {}, pyproject
    settings = table(pyproject, "tool", "towncrier")
    if settings is not None:
        return "[tool.towncrier] in pyproject.toml", settings, pyproject
    return None


def read_settings(files: ToolFiles, *, wanted_type: str | None) -> Towncrier | None:
    """towncrier's settings, or None when the repository does not configure it."""
    found = configured(files)
    if found is None:
        return None
    source, settings, pyproject = found
    where = "towncrier.toml" if source == "towncrier.toml" else "pyproject.toml"
    types = _types(settings)
    fragment_type = _chosen_type(types, wanted_type)
    directory = string(settings, "directory", where=where)
    sections = settings.get("section")
    first = sections[0] if isinstance(sections, list) and sections else {}
    section_path = str(first.get("path", "")) if isinstance(first, dict) else ""
    if directory is not None:
        fragments = posixpath.join(directory, section_path)
    else:
        project = table(pyproject, "project") or {}
        package = string(settings, "package", where=where) or str(project.get("name") or "")
        package_dir = string(settings, "package_dir", where=where) or "."
        fragments = posixpath.join(package_dir, package, section_path, "newsfragments")
    filename = string(settings, "filename", where=where) or "NEWS.rst"
    single = settings.get("single_file", True) is not False
    orphan = settings.get("orphan_prefix", "+")
    return Towncrier(
        source=source,
        directory=posixpath.normpath(fragments),
        fragment_type=fragment_type,
        markup="md" if filename.endswith(".md") else "rst",
        # Without single_file the news file's name holds the version: not one file to read.
        news_file=posixpath.normpath(filename) if single else None,
        orphan=orphan if isinstance(orphan, str) else "+",
    )


def _types(settings: dict[str, Any]) -> dict[str, str]:
    """Fragment types as towncrier keys them (the file-name part) → their display names."""
    tables = settings.get("fragment")
    if isinstance(tables, dict) and tables:
        return {
            str(key): str((value or {}).get("name", str(key).capitalize()))
            if isinstance(value, dict)
            else str(key).capitalize()
            for key, value in sorted(tables.items())
        }
    array = settings.get("type")
    if isinstance(array, list) and array:
        found: dict[str, str] = {}
        for item in array:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                found[str(item.get("directory", item["name"].lower()))] = item["name"]
        return found
    return dict(_DEFAULT_TYPES)


def _chosen_type(types: dict[str, str], wanted: str | None) -> str:
    """The configured type, or the one closest to "bugfix": `bugfix`, a `fix`-like key
    (`fix`, `fixed`, `bugfixes`…), then any type whose key or name mentions a fix or a bug."""
    known = ", ".join(types) or "none"
    if wanted is not None:
        if wanted not in types:
            raise IncidentError(
                f".incident.yaml: changelog.type {wanted!r} is not one of towncrier's "
                f"fragment types ({known})"
            )
        return wanted
    for key in ("bugfix", "fix", "fixed", "fixes", "bugfixes", "bug", "bugs"):
        if key in types:
            return key
    for word in ("fix", "bug"):
        for key, name in types.items():
            if word in key.casefold() or word in name.casefold():
                return key
    raise IncidentError(
        f"towncrier has no bugfix-like fragment type ({known}); "
        "name one as changelog.type in .incident.yaml"
    )
