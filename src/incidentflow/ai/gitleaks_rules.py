"""The vendored gitleaks rule set (`rules/gitleaks.toml`, see `rules/README.md`), run on RE2.

gitleaks' maintainers keep about two hundred provider formats current (GitHub, Slack, Stripe,
OpenAI, cloud keys, private key blocks…), with keywords that prefilter them, entropy thresholds
and allowlists against false positives. This module applies them as gitleaks does, to text
rather than to files: a rule runs only when one of its keywords occurs in the lowercased text,
is compiled the first time it runs, and reports the span of its secret (the first non-empty
capture group, or the whole match), unless the secret's entropy is at or below the rule's
threshold or an allowlist allows it. Rules that need a file path are not used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

from incidentflow.ai.linear_regex import LiteralSet, Match, Regex, entropy, escape

Span = tuple[int, int]
# rules/gitleaks.toml parsed, as JSON: read in half a millisecond, where the TOML takes ten
# (and a TOML parser Python 3.10 lacks). tests/test_redaction.py keeps the two equal.
PARSED_RULES_FILE = "rules/gitleaks.json"
# How far around a finding its "line" is read for line allowlists: bounded, so a multi-megabyte
# line with many findings is not rescanned for each.
_LINE_WINDOW = 512


@dataclass(frozen=True)
class _Allowlist:
    target: str  # "secret", "match" or "line"
    regexes: Regex | None
    stopwords: Regex | None
    require_all: bool
    needs_path: bool

    def allows(self, *, secret: bytes, match: bytes, line: bytes) -> bool:
        """Whether this allowlist lets a finding through (gitleaks' `checkFindingAllowed`)."""
        if self.require_all and self.needs_path:
            return False  # a prompt has no path, so a path condition never holds
        target = {"match": match, "line": line}.get(self.target, secret)
        by_regex = self.regexes is not None and self.regexes.search(target)
        if by_regex and not self.require_all:
            return True
        by_stopword = self.stopwords is not None and self.stopwords.search(secret.lower())
        if not self.require_all:
            return by_stopword
        return (self.regexes is None or by_regex) and (self.stopwords is None or by_stopword)


class _Rule:
    """One rule; its patterns are compiled the first time they are needed (most never are)."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.id: str = entry["id"]
        self.keywords = frozenset(k.lower().encode("ascii") for k in entry.get("keywords", ()))
        self.entropy = float(entry.get("entropy", 0.0))
        self.secret_group = int(entry.get("secretGroup", 0))
        self._entry = entry

    @cached_property
    def regex(self) -> Regex:
        return Regex(self._entry["regex"])

    @cached_property
    def allowlists(self) -> tuple[_Allowlist, ...]:
        return tuple(_allowlist(a) for a in self._entry.get("allowlists", ()))


def _allowlist(entry: dict[str, Any]) -> _Allowlist:
    words = entry.get("stopwords", ())
    return _Allowlist(
        target=entry.get("regexTarget", "secret"),
        regexes=_one_of(entry.get("regexes", ())),
        stopwords=_any_of(words) if words else None,
        require_all=entry.get("condition", "OR").upper() == "AND",
        needs_path=bool(entry.get("paths")),
    )


def _one_of(patterns: list[str]) -> Regex | None:
    """The patterns as one alternation, searched in one pass (as gitleaks joins them too)."""
    return Regex("|".join(f"(?:{pattern})" for pattern in patterns)) if patterns else None


def _any_of(words: list[str]) -> Regex:
    """One pattern matching any of the words, so 1,446 stopwords cost one pass, not 1,446."""
    return Regex("|".join(escape(word.lower().encode("ascii")) for word in words))


class RuleSet:
    """The rules of one gitleaks configuration, with its global allowlist."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.rules = [
            _Rule(entry)
            for entry in config["rules"]
            if entry.get("regex") and not entry.get("path")
        ]
        self._global = config.get("allowlist", {})
        self._keywords = LiteralSet(sorted({k for rule in self.rules for k in rule.keywords}))

    @cached_property
    def allowlist(self) -> _Allowlist:
        """The allowlist that applies to every rule."""
        return _allowlist(self._global)

    def find(self, data: bytes, *, lowered: bytes | None = None) -> list[Span]:
        """Byte spans of the secrets in ``data`` (``lowered``: the same, lowercased)."""
        present = self._keywords.present(data.lower() if lowered is None else lowered)
        spans: list[Span] = []
        for rule in self.rules:
            if rule.keywords and present.isdisjoint(rule.keywords):
                continue
            for match in rule.regex.finditer(data):
                secret, whole = _secret(rule, match, data)
                if secret[0] < 0:
                    continue
                if rule.entropy and entropy(data[secret[0] : secret[1]]) <= rule.entropy:
                    continue
                if not self._allowed(rule, secret, whole, data):
                    spans.append(secret)
        return spans

    def _allowed(self, rule: _Rule, secret: Span, whole: Span, data: bytes) -> bool:
        """Whether the global allowlist or one of the rule's allows this finding."""
        start, end = whole
        window = max(0, start - _LINE_WINDOW)
        line_start = data.rfind(b"\n", window, start) + 1 or window
        line_end = data.find(b"\n", end, end + _LINE_WINDOW)
        line = data[line_start : line_end if line_end >= 0 else end + _LINE_WINDOW]
        return any(
            allowlist.allows(secret=data[secret[0] : secret[1]], match=data[start:end], line=line)
            for allowlist in (self.allowlist, *rule.allowlists)
        )


def _secret(rule: _Rule, match: Match, data: bytes) -> tuple[Span, Span]:
    """The spans of a match's secret ((-1, -1) if its group is absent) and of the whole match.

    The secret is the rule's `secretGroup`, else the first non-empty group, else the match
    without surrounding newlines.
    """
    start, end = match.span()
    whole = data[start:end]
    start += len(whole) - len(whole.lstrip(b"\n"))
    end = start + len(whole.strip(b"\n"))
    secret = (start, end)
    if rule.secret_group:
        secret = match.span(rule.secret_group)
    else:
        for group in range(1, match.group_count + 1):
            if match.group(group):
                secret = match.span(group)
                break
    return _without_armour(data, secret), (start, end)


def _without_armour(data: bytes, span: Span) -> Span:
    """A PEM or PGP block without its `-----BEGIN …-----` and `-----END …-----` lines, which
    only say what the block is (and keep saying it once the block is redacted)."""
    start, end = span
    if not data.startswith(b"-----BEGIN", start):
        return span
    body = data.find(b"-----", start + 10, end) + 5
    tail = data.rfind(b"-----END", body, end)
    return (body, tail) if body > 4 and tail > body else span


@cache
def default_rules() -> RuleSet:
    """The vendored rule set, read once per process."""
    source = resources.files("incidentflow.ai").joinpath(PARSED_RULES_FILE)
    return RuleSet(json.loads(source.read_text(encoding="utf-8")))
