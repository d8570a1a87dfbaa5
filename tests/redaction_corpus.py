"""Read the redaction corpora in tests/redaction/ (their format is described at their top)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "redaction"
ALPHABETS = {
    "alnum": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "hex": "0123456789abcdef",
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "lower": "abcdefghijklmnopqrstuvwxyz",
    "digits": "0123456789",
    "b64": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "url": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    "awsid": "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
}
_FILL = re.compile(r"«(\d+):(\w+)»")
_SECRET = re.compile(r"⟪(.*?)⟫", re.S)


@dataclass(frozen=True)
class Entry:
    """One corpus entry: its name, the text, what redaction must make of it, and its secrets."""

    name: str
    text: str
    expected: str
    secrets: tuple[str, ...]


def entries(filename: str) -> list[Entry]:
    """The entries of one corpus file, with generated values filled in."""
    lines = (HERE / filename).read_text(encoding="utf-8").split("\n")
    found: list[Entry] = []
    name, body = "", list[str]()
    for line in [*lines, "=== "]:
        if line.startswith("=== "):
            if name:
                found.append(_entry(name, "\n".join(body).rstrip("\n") + "\n"))
            name, body = line[4:], []
        elif name:
            body.append(line)
    return found


def _entry(name: str, marked: str) -> Entry:
    counter = iter(range(10_000))
    filled = _FILL.sub(lambda m: _generate(name, next(counter), int(m[1]), m[2]), marked)
    secrets = tuple(m[1] for m in _SECRET.finditer(filled))
    text = _SECRET.sub(lambda m: m[1], filled)
    expected = _SECRET.sub(lambda m: "[REDACTED]" + "\n" * m[1].count("\n"), filled)
    return Entry(name, text, expected, secrets)


def _generate(name: str, index: int, length: int, alphabet: str) -> str:
    """``length`` characters of ``alphabet``, the same for the same entry and position."""
    chars = ALPHABETS[alphabet]
    out = []
    block = 0
    while len(out) < length:
        digest = hashlib.sha256(f"{name}:{index}:{block}".encode()).digest()
        out.extend(chars[byte % len(chars)] for byte in digest)
        block += 1
    return "".join(out[:length])
