"""YAML reading and writing: a fast safe loader for checks, round-trip for edits.

ruamel.yaml reads YAML 1.2, so `no`, `on` and `off` stay strings rather than becoming
booleans. Unquoted timestamps do become datetimes; callers accept those as the user meant.
"""

from __future__ import annotations

import re

from incidentflow.errors import IncidentError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    from typing import Any


def _safe_loader() -> Any:
    from ruamel.yaml import YAML

    # A new instance per document: a `%YAML 1.1` directive changes the instance's reading of
    # later documents. typ="safe" picks the libyaml-backed parser when ruamel.yaml.clib exists.
    return YAML(typ="safe")


def roundtrip() -> Any:
    """A new round-trip YAML instance that keeps comments, order and quoting on edit."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    # `null` stays `null` (ruamel.yaml writes an empty value by default).
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def load_safe(text: str, *, path: str, line_offset: int = 0) -> Any:
    """Parse YAML into plain Python values; a syntax error names the file and line.

    The flat ``key: value`` files the tool writes (incident.yaml, front matter) take a small
    exact parser; anything it does not fully understand goes to ruamel.yaml, so the values
    are the same either way (a property test compares the two).
    """
    fast = load_simple(text)
    if fast is not _UNSUPPORTED:
        return fast
    return _load(_safe_loader(), text, path=path, line_offset=line_offset)


_UNSUPPORTED: Any = object()
UNSUPPORTED = _UNSUPPORTED  # what `load_simple` answers for what it leaves to ruamel.yaml
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.@/+-]*(?: [A-Za-z0-9_.@/+-]+)*")
_ID = re.compile(r"\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*")
# A key and its value. The commonest values are taken in the same match: a simple double-quoted
# string (group 2) or a plain word or id (group 3); anything else is group 4, for _scalar.
# Values are taken greedily and stripped after: a lazy `(.*?)[ \t]*` retries every character.
_KEY_LINE = re.compile(
    rf'([A-Za-z_][A-Za-z0-9_]*):(?:[ \t]+(?:"([^"\\]*)"|({_PLAIN.pattern}|{_ID.pattern})|(.*)))?'
)
_ITEM_LINE = re.compile(r"[ ]*-[ \t]+(.*)")
# A stage file's front matter as the tool writes it: what the general path below gives for it,
# taken in one match.
_FRONT_MATTER = re.compile(rf"stage: ([a-z]+)\nincident: ({_ID.pattern})\n?")
# Tabs, control characters (C0 and C1, NEL among them: a YAML line break), surrogates, BOMs,
# YAML's other line breaks and non-characters: leave those to ruamel.yaml.
_UNUSUAL = "[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff\ufffe\uffff]"


def _has_unusual_characters(text: str) -> bool:
    if text.isascii():  # then only C0 controls but the newline can be unusual; cheaply:
        return not text.replace("\n", " ").isprintable()
    # Compiled on first use (re keeps it): most files are ASCII, and compiling costs more
    # than the rest of this module's import.
    return re.search(_UNUSUAL, text) is not None


_SPECIAL = frozenset(["true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL"])


def load_simple(text: str) -> Any:
    """Parse the simple subset exactly as YAML 1.2 would, or return the unsupported marker.

    The subset: top-level ``key: value`` lines (and comments), where a value is a plain word,
    a quoted string, a small whole number, a duration such as `24h`, null, a flow mapping or
    sequence of those on one line (`{window: 24h, max: 20}`), a block list of scalars, or a
    block mapping one level deep of those. A document of comments only is empty (None).
    """
    front = _FRONT_MATTER.fullmatch(text)
    if front and front.group(1) not in _SPECIAL:  # every stage file's, as scaffolded
        return {"stage": front.group(1), "incident": front.group(2)}
    if "\r" in text or _has_unusual_characters(text):
        return _UNSUPPORTED
    result: dict[str, Any] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line or line[0] == "#":
            continue
        match = _KEY_LINE.fullmatch(line)
        if match is None:
            if line.isspace():
                continue
            return _UNSUPPORTED
        key, quoted, word, raw = match.groups()
        if key in result or key in _SPECIAL:
            return _UNSUPPORTED
        if quoted is not None:
            result[key] = quoted
            continue
        if word is not None and word not in _SPECIAL:
            result[key] = word
            continue
        raw = (word or raw or "").rstrip(" \t")
        if raw:
            value = _value(raw)
            if value is _UNSUPPORTED:
                return _UNSUPPORTED
            result[key] = value
            continue
        value, index = _block(lines, index)
        if value is _UNSUPPORTED:
            return _UNSUPPORTED
        result[key] = value
    return result if result else None


_NESTED_KEY = re.compile(r"([ ]+)([A-Za-z_][A-Za-z0-9_]*):(?:[ \t]+(.*))?")
_FLOW_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"0|[1-9][0-9]{0,17}")
_DURATION_WORD = re.compile(r"[1-9][0-9]{0,5}[hmdw]")


def _block(lines: list[str], index: int) -> tuple[Any, int]:
    """The block below a ``key:`` line: a list of scalars, a mapping of simple values one
    level deep, or nothing (null); and the index of the line after it."""
    if index < len(lines) and lines[index].lstrip().startswith("- "):
        items = []
        while index < len(lines) and lines[index].lstrip().startswith("- "):
            item = _ITEM_LINE.fullmatch(lines[index])
            value = _scalar(item.group(1).rstrip(" \t"), in_list=True) if item else _UNSUPPORTED
            if value is _UNSUPPORTED or isinstance(value, list):
                return _UNSUPPORTED, index
            items.append(value)
            index += 1
        return items, index
    first = _NESTED_KEY.fullmatch(lines[index]) if index < len(lines) else None
    if first is None:
        return None, index
    indent = first.group(1)
    mapping: dict[str, Any] = {}
    while index < len(lines):
        line = lines[index]
        if not line.startswith(" "):
            break
        found = _NESTED_KEY.fullmatch(line)
        if found is None or found.group(1) != indent:
            return _UNSUPPORTED, index  # a comment, a deeper level or another indent
        key, raw = found.group(2), (found.group(3) or "").rstrip(" \t")
        if key in mapping or key in _SPECIAL or not raw:
            return _UNSUPPORTED, index
        value = _value(raw)
        if value is _UNSUPPORTED:
            return _UNSUPPORTED, index
        mapping[key] = value
        index += 1
    return mapping, index


def _value(raw: str) -> Any:
    """A value on a key's own line: a scalar (a comment after it dropped) or a flow
    collection of scalars."""
    plain = _without_comment(raw)
    if plain is None:
        return _UNSUPPORTED
    if plain.startswith("{"):
        return _flow(plain, "{", "}")
    if plain.startswith("["):
        return _flow(plain, "[", "]")
    return _scalar(plain, in_list=False)


def _without_comment(raw: str) -> str | None:
    """``raw`` without a trailing `# comment`; None when where it ends is not plain."""
    if "#" not in raw:
        return raw
    if raw[0] in "\"'":
        close = raw.find(raw[0], 1)
        if close == -1 or raw[0] in raw[close + 1 :] or "\\" in raw:
            return None
        rest = raw[close + 1 :]
        return (
            raw[: close + 1]
            if not rest.strip() or (rest.lstrip().startswith("#") and rest[0] in " \t")
            else None
        )
    for marker in (" #", "\t#"):
        at = raw.find(marker)
        if at != -1:
            head = raw[:at].rstrip(" \t")
            return head if "#" not in head else None
    return None  # a # that starts no comment, as in `C#`: leave it to ruamel


def _flow(raw: str, opening: str, closing: str) -> Any:
    """A one-line flow mapping or sequence of scalars, or the unsupported marker."""
    if not raw.endswith(closing) or any(ch in raw[1:-1] for ch in "{}[]#&*!|>%@`\"'"):
        return _UNSUPPORTED
    inner = raw[1:-1].strip()
    if not inner:
        return {} if opening == "{" else []
    pieces = [piece.strip() for piece in inner.split(",")]
    if opening == "[":
        values = [_flow_scalar(piece) for piece in pieces]
        return _UNSUPPORTED if any(v is _UNSUPPORTED for v in values) else values
    mapping: dict[str, Any] = {}
    for piece in pieces:
        key, colon, rest = piece.partition(": ")
        if not colon or not _FLOW_KEY.fullmatch(key) or key in mapping or key in _SPECIAL:
            return _UNSUPPORTED
        value = _flow_scalar(rest.strip())
        if value is _UNSUPPORTED:
            return _UNSUPPORTED
        mapping[key] = value
    return mapping


def _flow_scalar(raw: str) -> Any:
    if not raw or ":" in raw:
        return _UNSUPPORTED
    return _scalar(raw, in_list=True)


def _scalar(raw: str, *, in_list: bool) -> Any:
    if raw in ("null", "Null", "NULL", "~"):
        return None
    if raw == "[]" and not in_list:
        return []
    if raw.startswith('"'):
        if not raw.endswith('"') or len(raw) < 2 or "\\" in raw:
            return _UNSUPPORTED
        body = raw[1:-1]
        return body if '"' not in body else _UNSUPPORTED
    if raw.startswith("'"):
        body = raw[1:-1]
        if len(raw) < 2 or not raw.endswith("'") or "'" in body.replace("''", ""):
            return _UNSUPPORTED
        return body.replace("''", "'")
    if raw in _SPECIAL:
        return _UNSUPPORTED
    if _PLAIN.fullmatch(raw) or _ID.fullmatch(raw) or _DURATION_WORD.fullmatch(raw):
        return raw
    if _INT.fullmatch(raw):
        return int(raw)
    return _UNSUPPORTED


def load_roundtrip(text: str, *, path: str, line_offset: int = 0) -> Any:
    """Parse YAML keeping line numbers (``.lc``) and comments, for validation and edits."""
    return _load(roundtrip(), text, path=path, line_offset=line_offset)


def _load(yaml: Any, text: str, *, path: str, line_offset: int) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        if "*" in text:  # an alias needs one; the commonest files have none
            _refuse_alias_bombs(yaml, text, path=path, line_offset=line_offset)
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


# Aliases may repeat what an anchor names, but a document may not grow past this many values
# (plus ten per value written): ten lines of nested aliases can stand for billions of values
# ("billion laughs"), which every later step (checks, messages) would walk.
MAX_EXPANDED = 10_000


def _refuse_alias_bombs(yaml: Any, text: str, *, path: str, line_offset: int) -> None:
    """Count the values the document stands for, aliases expanded, from its event stream
    (without building it); refuse one that expands far beyond what it spells out."""
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        ScalarEvent,
    )

    sizes: dict[str, int] = {}
    open_nodes: list[tuple[str | None, int]] = [(None, 0)]
    written = 0
    for event in yaml.parse(text):
        if isinstance(event, (ScalarEvent, AliasEvent)):
            written += 1
            size = 1 if isinstance(event, ScalarEvent) else sizes.get(event.anchor, 1)
            if isinstance(event, ScalarEvent) and event.anchor:
                sizes[event.anchor] = 1
            anchor, count = open_nodes[-1]
            open_nodes[-1] = (anchor, count + size)
        elif isinstance(event, CollectionStartEvent):
            written += 1
            open_nodes.append((event.anchor, 1))
        elif isinstance(event, CollectionEndEvent) and len(open_nodes) > 1:
            anchor, count = open_nodes.pop()
            if anchor:
                sizes[anchor] = count
            parent, total = open_nodes[-1]
            open_nodes[-1] = (parent, total + count)
        else:
            continue
        if sum(count for _, count in open_nodes) > MAX_EXPANDED + 10 * written:
            line = event.start_mark.line + 1 + line_offset if event.start_mark else None
            where = f"{path}:{line}" if line else path
            raise IncidentError(
                f"{where}: invalid YAML: its aliases (*name) expand to more than "
                f"{MAX_EXPANDED} values; write the values out instead"
            )


_TOP_KEY = re.compile(r"^([^\s#:'\"][^:\n]*?)[ \t]*:", re.M)


def key_lines(text: str) -> dict[str, int]:
    """The 1-based line of each top-level ``key:`` (the first, when repeated), in one pass."""
    found: dict[str, int] = {}
    line, counted = 1, 0
    for match in _TOP_KEY.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        found.setdefault(match.group(1), line)
    return found


def key_line(text: str, key: str, *, default: int = 1) -> int:
    """1-based line of a top-level ``key:`` in simple YAML text, cheaply, for messages."""
    match = re.search(rf"(?m)^{re.escape(key)}\s*:", text)
    return text.count("\n", 0, match.start()) + 1 if match else default


_UNSAFE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]"  # compiled when a writer needs it


def quote(value: str) -> str:
    """A double-quoted YAML scalar for ``value``, readable for any Unicode text."""
    import json  # only writers need it; readers stay light

    body = json.dumps(value, ensure_ascii=False)
    # JSON leaves a few code points raw that YAML treats as line breaks or rejects.
    return re.sub(_UNSAFE, lambda m: f"\\u{ord(m.group(0)):04x}", body)
