"""Redact credentials from text that is about to leave the machine (prompts, drafts).

Two detectors run over the text: the vendored gitleaks rule set (provider token formats, see
`gitleaks_rules`) and `credential_syntax` (values by their key, in every common syntax). Each
value they find is replaced by ``[REDACTED]``; the key before it stays, so the prompt still
reads `password=[REDACTED]`. A value spanning lines (a private key block) keeps its line
breaks, so line numbers (of excerpts, of the prompt) stay true. Everything is linear in the
text: both detectors run on RE2, and lines are counted once, left to right.

The detectors see the text as UTF-8 bytes (lone surrogates kept, so any text round-trips), and
spans are widened to whole characters before they are replaced.
"""

from __future__ import annotations

from incidentflow.ai import credential_syntax
from incidentflow.ai.gitleaks_rules import default_rules

REDACTED = "[REDACTED]"
_MARK = REDACTED.encode("ascii")
_SPACE = b" \t\r\n"
_AFTER_SENTENCE = (b"", b" ", b"\t", b"\r", b"\n")


def redact(text: str) -> tuple[str, list[int]]:
    """The text with every credential value replaced, and the (1-based) lines that changed."""
    data = text.encode("utf-8", "surrogatepass")
    lowered = data.lower()
    ours = _merged(credential_syntax.find(data, lowered=lowered), data)
    # gitleaks' rules search what is left: values found already are masked (same length, so
    # offsets hold), and a line of credentials costs them no second look.
    spans = ours + default_rules().find(_masked(data, ours), lowered=_masked(lowered, ours))
    if not spans:
        return text, []
    out: list[bytes] = []
    touched: list[int] = []
    done = 0  # bytes of data already copied to out
    line = 1  # the line number at offset ``done``
    for start, end in _merged(spans, data):
        line += data.count(b"\n", done, start)
        out.append(data[done:start])
        lines = data[start:end].split(b"\n")
        out.append(b"\n".join([_MARK] + [b""] * (len(lines) - 1)))
        first = line + 1 if touched and touched[-1] == line else line  # a line counts once
        touched.extend(range(first, line + len(lines)))
        line += len(lines) - 1
        done = end
    out.append(data[done:])
    return b"".join(out).decode("utf-8", "surrogatepass"), touched


def _masked(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    """``data`` with NUL bytes over ``spans`` (a token or value of a rule holds none; only a
    key block's body matches any byte, and its span is that of the body anyway)."""
    if not spans:
        return data
    masked = bytearray(data)
    for start, end in spans:
        masked[start:end] = bytes(end - start)
    return bytes(masked)


def _merged(spans: list[tuple[int, int]], data: bytes) -> list[tuple[int, int]]:
    """Spans trimmed of surrounding whitespace, widened to whole UTF-8 characters, merged."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        while start < end and data[start] in _SPACE:
            start += 1
        while end > start and data[end - 1] in _SPACE:
            end -= 1
        if (
            end - start > 1
            and data[end - 1 : end] == b"."
            and data[end : end + 1] in _AFTER_SENTENCE
        ):
            end -= 1  # `token=abc123.` ends a sentence; the full stop is not the secret's
        while start > 0 and 0x80 <= data[start] < 0xC0:
            start -= 1
        while end < len(data) and 0x80 <= data[end] < 0xC0:
            end += 1
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
