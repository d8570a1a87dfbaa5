"""Read other tools' configuration files (TOML, INI, JSON) from the working tree.

Only when a postmortem lands or `incident changelog` runs, so the parsers are imported
here, on first use. A file that does not parse is an error naming its line: guessing the
changelog format from half a file would put the entry in the wrong place.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from incidentflow.errors import IncidentError
from incidentflow.files.textfile import decode
from incidentflow.git.snapshot import WorkingTree

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    import configparser
    from collections.abc import Callable
    from typing import Any


class ToolFiles:
    """The configuration files of one repository, each read and parsed at most once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._parsed: dict[tuple[str, str], Any] = {}

    def text(self, relpath: str) -> str | None:
        """A file's text, or None when it is not there (or not a regular file)."""
        data = WorkingTree(self.root).read(relpath)
        if data is None:
            return None
        return decode(data, path=relpath).removeprefix("\ufeff")

    def exists(self, relpath: str) -> bool:
        """Whether a regular file is there (a tool's configuration by its name alone)."""
        return os.path.isfile(self.root / relpath)

    def isdir(self, relpath: str) -> bool:
        """Whether a directory is there."""
        return os.path.isdir(self.root / relpath)

    def toml(self, relpath: str) -> dict[str, Any] | None:
        """A TOML file as a dict, or None when there is none."""
        return self._once("toml", relpath, _toml)  # type: ignore[no-any-return]

    def ini(self, relpath: str) -> configparser.ConfigParser | None:
        """An INI file (setup.cfg, tox.ini, scriv.ini), or None when there is none."""
        return self._once("ini", relpath, _ini)  # type: ignore[no-any-return]

    def json_object(self, relpath: str) -> dict[str, Any] | None:
        """A JSON file whose top level is an object (package.json), or None."""
        return self._once("json", relpath, _json_object)  # type: ignore[no-any-return]

    def _once(self, kind: str, relpath: str, parse: Callable[[str, str], Any]) -> Any:
        key = (kind, relpath)
        if key not in self._parsed:
            text = self.text(relpath) if self.exists(relpath) else None
            self._parsed[key] = None if text is None else parse(text, relpath)
        return self._parsed[key]


def _toml(text: str, relpath: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        return dict(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column \d+\)", message)
        reason = message[: where.start()].strip() if where else message
        line = f":{where[1]}" if where else ""
        raise IncidentError(f"{relpath}{line}: not valid TOML: {reason}") from None


def _ini(text: str, relpath: str) -> configparser.ConfigParser:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=relpath)
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        if line is None and getattr(exc, "errors", None):
            line = exc.errors[0][0]  # type: ignore[attr-defined]
        where = f"{relpath}:{line}" if line else relpath
        reason = exc.message.splitlines()[0]
        raise IncidentError(f"{where}: not a valid INI file: {reason}") from None
    return parser


def _json_object(text: str, relpath: str) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IncidentError(f"{relpath}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    return data if isinstance(data, dict) else None


def table(data: dict[str, Any] | None, *keys: str) -> dict[str, Any] | None:
    """``data[k1][k2]…`` when each step is a table, else None."""
    node: Any = data
    for key in keys:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            return None
        node = node[key]
    return dict(node)


def string(node: dict[str, Any], key: str, *, where: str) -> str | None:
    """A setting that must be a string when present."""
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise IncidentError(f"{where}: {key} must be a string, not {type(value).__name__}")
    return value
