"""Whether a section says something a reader can use, or only looks filled.

A section is filled by a person's words (AI drafts, HTML comments and `TODO` never count).
It has substance when those words are more than a placeholder (`TBD`, `N/A`, `see above`,
`?`, `...`, `lorem ipsum` in any case or markup), more than a bare link or code span, not a
copy of the section's own guidance or of another section, and at least the configured number
of words. Each rule it breaks is one problem that names the rule.
"""

from __future__ import annotations

import functools
import re

# A whole section that says only one of these says nothing (compared without case, markup
# or closing punctuation).
PLACEHOLDERS = frozenset(
    {
        "todo", "to do", "tbd", "tba", "tbc", "n/a", "na", "n.a", "none", "none yet", "nothing",
        "nothing yet", "nil", "null", "-", "--", "---", "?", "??", "???", "...", "…", ".",
        "x", "xx", "xxx", "fixme", "wip", "tk", "placeholder", "pending", "later", "soon",
        "unknown", "not yet", "not known yet", "see above", "same as above", "as above",
        "see below", "same", "ditto", "idem", "see triage", "see diagnosis", "see summary",
        "see the triage", "see the diagnosis", "see the summary", "asdf", "qwerty", "test",
        "lorem ipsum", "fill in", "fill me in", "to be written", "to be done", "coming soon",
    }
)  # fmt: skip
_PLACEHOLDER_START = re.compile(r"(?:todo|tbd|fixme|xxx|lorem ipsum)\b", re.I)
_MARKUP = re.compile(r"[*_~`>#|]+")
_LIST_MARKER = re.compile(r"(?m)^\s*(?:[-*+]|\d+[.)])\s+")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<(?:https?|mailto):[^>]*>|https?://\S+")
_CODE_SPAN = re.compile(r"`+[^`]+`+")
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")

_LONGEST_PLACEHOLDER = 48  # characters, markup included
_LONGEST_LINKS = 2000  # a section that is only links or code is shorter than this
DEFAULT_MIN_WORDS = 3
DEFAULT_MIN_WORDS_BY_SECTION = {"Changelog entry": 5}


def normalized(text: str) -> str:
    """``text`` without markup, list markers, case, extra spacing or the punctuation left
    where a `TODO` was taken out (`TODO: fill in` reads `: fill in`)."""
    text = _LIST_MARKER.sub("", text)
    text = _MARKUP.sub("", text)
    text = _SPACE.sub(" ", text).strip().rstrip(".!:;,").strip()
    return text.lstrip(":;,-–— ").casefold()


def words(text: str) -> int:
    """How many words a reader sees (links count by their text, markup not at all)."""
    return len(_WORD.findall(_LINK.sub(lambda m: m.group(1) or " ", text)))


def lacking(
    text: str,
    *,
    title: str,
    guidance: str,
    min_words: int,
    setting: str,
    others: dict[str, list[tuple[str, str]]],
) -> str | None:
    """Why a section whose meaningful text is ``text`` lacks substance, or None.

    ``others`` holds earlier sections (for copies) as (title, meaningful text), under the
    first 24 characters of the text: a copy starts the same way;
    ``setting`` names the configuration key of the word minimum, for the message. Real
    sections are long prose, so each rule first asks what is cheap (a length, a character)
    before it looks closer: this runs for every section of every incident `list` reads.
    """
    size = len(text)
    if size <= 4 * _LONGEST_PLACEHOLDER:  # room for a placeholder and blanks around it
        flat = " ".join(text.split())
        if len(flat) <= _LONGEST_PLACEHOLDER:
            plain = normalized(flat)
            if not plain or plain in PLACEHOLDERS or _PLACEHOLDER_START.match(plain):
                return f'section "{title}" holds only a placeholder ("{flat}"); write what is known'
    if text[:40].lstrip()[:11].casefold() == "lorem ipsum":
        shown = " ".join(text[:80].split())[:40] + "…"
        return f'section "{title}" holds only a placeholder ("{shown}"); write what is known'
    if (
        size <= _LONGEST_LINKS
        and ("`" in text or "](" in text or "://" in text)
        and not _WORD.search(_CODE_SPAN.sub(" ", _LINK.sub(" ", text)))
    ):
        return f'section "{title}" is only a link or code with nothing said about it'
    # A copy is about as long as what it copies (spacing and markup aside) and starts the
    # same way; only then is it compared whole.
    if (
        guidance
        and size <= 2 * len(guidance) + 16
        and opening(text) == _guidance_opening(guidance)
        and normalized(text) == normalized(guidance)
    ):
        return f'section "{title}" only repeats its guidance; answer it'
    for other, other_text in others.get(text[:24], ()):
        if abs(len(other_text) - size) <= max(16, size // 5) and (
            sameness(other_text) == sameness(text)
        ):
            return f'section "{title}" repeats section "{other}" word for word'
    # Enough blanks in the first few hundred characters: plainly enough words.
    if min_words and text.count(" ", 0, 400) + text.count("\n", 0, 400) < 2 * min_words + 4:
        count = words(text)  # only a short text can have too few
        if count < min_words:
            return (
                f'section "{title}" has {count} word{"" if count == 1 else "s"}; '
                f"at least {min_words} ({setting})"
            )
    return None


def opening(text: str) -> str:
    """The first few letters of a text, markup, spacing and case aside: two texts that differ
    here are neither a copy of the other."""
    return _NOT_ALNUM.sub("", text[:48])[:12].casefold()


@functools.lru_cache(maxsize=256)
def _guidance_opening(guidance: str) -> str:
    return opening(guidance)  # the same few guidance texts for every incident


def sameness(text: str) -> str:
    """What two sections share when one is a copy of the other (case and spacing aside)."""
    return " ".join(text.split()).casefold()
