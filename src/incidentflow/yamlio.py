"""YAML reading and writing: a fast safe loader for checks, round-trip for edits.

ruamel.yaml reads YAML 1.2, so `no`, `on` and `off` stay strings rather than becoming
booleans. Unquoted timestamps do become datetimes; callers accept those as the user meant.
"""

from __future__ import annotations

import json
import re
from typing import Any

from incidentflow.errors import IncidentError

_safe: Any = None
_roundtrip: Any = None


def _safe_loader() -> Any:
    global _safe
    if _safe is None:
        from ruamel.yaml import YAML

        # typ="safe" picks the libyaml-backed parser when ruamel.yaml.clib is installed.
        _safe = YAML(typ="safe")
    return _safe


def roundtrip() -> Any:
    """A round-trip YAML instance that keeps comments, order and quoting on edit."""
    global _roundtrip
    if _roundtrip is None:
        from ruamel.yaml import YAML

        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)
        _roundtrip = yaml
    return _roundtrip


def load_safe(text: str, *, path: str, line_offset: int = 0) -> Any:
    """Parse YAML into plain Python values; a syntax error names the file and line."""
    return _load(_safe_loader(), text, path=path, line_offset=line_offset)


def load_roundtrip(text: str, *, path: str, line_offset: int = 0) -> Any:
    """Parse YAML keeping line numbers (``.lc``) and comments, for validation and edits."""
    return _load(roundtrip(), text, path=path, line_offset=line_offset)


def _load(yaml: Any, text: str, *, path: str, line_offset: int) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        where = f"{path}:{line}" if line else path
        raise IncidentError(f"{where}: invalid YAML: {problem}") from None
    except YAMLError as exc:
        raise IncidentError(f"{path}: invalid YAML: {exc}") from None
    except RecursionError:
        raise IncidentError(f"{path}: invalid YAML: nested too deeply") from None


def key_line(text: str, key: str, *, default: int = 1) -> int:
    """1-based line of a top-level ``key:`` in simple YAML text, cheaply, for messages."""
    match = re.search(rf"(?m)^{re.escape(key)}\s*:", text)
    return text.count("\n", 0, match.start()) + 1 if match else default


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


def quote(value: str) -> str:
    """A double-quoted YAML scalar for ``value``, readable for any Unicode text."""
    body = json.dumps(value, ensure_ascii=False)
    # JSON leaves a few code points raw that YAML treats as line breaks or rejects.
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", body)
