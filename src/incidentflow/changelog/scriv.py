"""scriv's settings as scriv itself reads them: fragment directory, format, categories.

Mirrors `scriv/config.py`: `setup.cfg`, then `tox.ini` (section `[scriv]` or `[tool.scriv]`),
then `pyproject.toml` (`[tool.scriv]`), then `scriv.ini` in the fragment directory, later
ones overriding earlier ones. `format` defaults to the changelog's extension, else `rst`;
the changelog to `CHANGELOG.${config:format}`; categories to Keep a Changelog's six.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath

from incidentflow.changelog.toolconfig import ToolFiles, table
from incidentflow.errors import IncidentError
from incidentflow.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    from typing import Any

_DEFAULT_CATEGORIES = ["Removed", "Added", "Changed", "Deprecated", "Fixed", "Security"]
_KEYS = ("fragment_directory", "format", "categories", "changelog", "output_file")


class Scriv(Record):
    """The settings the entry needs: fragment directory, markup, category, the changelog."""

    __slots__ = ("category", "changelog", "directory", "markup", "source")

    def __init__(
        self, *, source: str, directory: str, markup: str, category: str | None, changelog: str
    ) -> None:
        self.source = source
        self.directory = directory
        self.markup = markup
        self.category = category
        self.changelog = changelog


def read_settings(
    files: ToolFiles, *, wanted_category: str | None, by_directory: bool
) -> Scriv | None:
    """scriv's settings, or None when no file configures it (and, with ``by_directory``,
    there is no `changelog.d/` either)."""
    values: dict[str, Any] = {}
    sources: list[str] = []
    for name in ("setup.cfg", "tox.ini"):
        _read_ini(files, name, values, sources)
    settings = table(files.toml("pyproject.toml"), "tool", "scriv")
    if settings is not None:
        values.update({k: v for k, v in settings.items() if k in _KEYS})
        sources.append("[tool.scriv] in pyproject.toml")
    directory = str(values.get("fragment_directory") or "changelog.d")
    _read_ini(files, posixpath.join(directory, "scriv.ini"), values, sources)
    if not sources:
        if not (by_directory and files.isdir(directory)):
            return None
        sources.append(f"the {directory}/ directory")
    changelog = values.get("changelog") or values.get("output_file")
    markup = values.get("format")
    if not markup:
        named = changelog and "${" not in str(changelog)
        markup = PurePosixPath(str(changelog)).suffix[1:] if named else "rst"
    if markup not in ("md", "rst"):
        raise IncidentError(f"{sources[-1]}: scriv's format must be md or rst, not {markup!r}")
    changelog = str(changelog or "CHANGELOG.${config:format}").replace("${config:format}", markup)
    return Scriv(
        source=sources[-1],
        directory=posixpath.normpath(str(values.get("fragment_directory") or directory)),
        markup=markup,
        category=_chosen_category(_categories(values.get("categories")), wanted_category),
        changelog=posixpath.normpath(changelog),
    )


def _read_ini(files: ToolFiles, name: str, values: dict[str, Any], sources: list[str]) -> None:
    """Add the `[scriv]` (or `[tool.scriv]`) settings of an INI file, when it has them."""
    parser = files.ini(name)
    if parser is None:
        return
    for section in ("scriv", "tool.scriv"):
        if parser.has_section(section):
            values.update({k: v for k, v in parser[section].items() if k in _KEYS})
            sources.append(f"[{section}] in {name}" if "/" not in name else name)
            return


def defaults(wanted_category: str | None) -> Scriv:
    """scriv's settings when nothing configures it (`changelog.format: scriv` alone)."""
    return Scriv(
        source="scriv's defaults",
        directory="changelog.d",
        markup="rst",
        category=_chosen_category(list(_DEFAULT_CATEGORIES), wanted_category),
        changelog="CHANGELOG.rst",
    )


def _categories(value: object) -> list[str]:
    """A list in TOML; commas or newlines in INI (scriv's convert_list)."""
    if value is None:
        return list(_DEFAULT_CATEGORIES)
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[\n,]", value) if part.strip()]
    if isinstance(value, list):
        return [str(item) for item in value]
    return list(_DEFAULT_CATEGORIES)


def _chosen_category(categories: list[str], wanted: str | None) -> str | None:
    """The configured category; else `Fixed` (as scriv spells it), else a fix-like one;
    none (the entry goes above the categories) when scriv has no categories or none fits."""
    if wanted is not None:
        return wanted
    by_name = {name.casefold(): name for name in categories}
    if "fixed" in by_name:
        return by_name["fixed"]
    for word in ("fix", "bug"):
        for name in categories:
            if word in name.casefold():
                return name
    return None
