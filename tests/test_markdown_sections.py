"""The section parser: what counts as a heading, a section, and a filled section."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentflow.files.markdown_sections import (
    Section,
    meaningful_text,
    parse,
    without_drafts_and_comments,
)


def titles(text: str) -> list[tuple[str, int]]:
    return [(s.title, s.line) for s in parse(text).sections]


def test_front_matter_and_sections_with_lines() -> None:
    text = (
        "---\nstage: triage\nincident: x\n---\n\n# T\n\n## Symptoms\n\nerrors\n\n## Impact\nTODO\n"
    )
    doc = parse(text)
    assert doc.front_matter == "stage: triage\nincident: x\n"
    assert titles(text) == [("Symptoms", 8), ("Impact", 12)]
    assert doc.section("symptoms") is not None and doc.section("symptoms").is_filled  # type: ignore[union-attr]
    assert not doc.section("Impact").is_filled  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```\n## Not a heading\n```\n## Real\n", [("Real", 4)]),
        ("````md\n```\n## inside\n```\n````\n## After\n", [("After", 6)]),
        ("~~~\n## inside\n~~~\n", []),
        ("<!--\n## commented out\n-->\n## Real\n", [("Real", 4)]),
        ("<div>\n## inside html block\n</div>\n\n## Real\n", [("Real", 5)]),
        ("    ## indented code\n## Real\n", [("Real", 2)]),
        ("Setext title\n---\nbody\n", [("Setext title", 1)]),
        ("#NoSpace\n## Closed ##\n", [("Closed", 2)]),
        ("> ## in a quote\n## Real\n", [("Real", 2)]),
    ],
)
def test_headings_as_commonmark_sees_them(text: str, expected: list[tuple[str, int]]) -> None:
    assert titles(text) == expected


def test_crlf_and_bom_give_the_same_sections() -> None:
    lf = "---\nstage: triage\n---\n## A\ntext\n## B\n"
    crlf = "\ufeff" + lf.replace("\n", "\r\n")
    assert titles(lf) == titles(crlf) == [("A", 4), ("B", 6)]
    assert parse(crlf).front_matter == "stage: triage\n"


def test_unclosed_front_matter_is_reported_not_raised() -> None:
    doc = parse("---\nstage: triage\n## A\n")
    assert doc.front_matter is None
    assert doc.front_matter_error == "front matter opened with '---' on line 1 is never closed"


@pytest.mark.parametrize(
    ("body", "filled"),
    [
        ("", False),
        ("  \n\t\n", False),
        ("TODO", False),
        ("<!-- guidance -->\nTODO\n", False),
        ("<!-- ai-draft model=echo -->\nThe pool ran dry.\n<!-- /ai-draft -->\n", False),
        ("<!-- ai-draft -->\nunclosed draft text\n", False),
        ("Rolled back at 14:20.", True),
        ("TODO: confirm with payments", True),
        ("<!-- ai-draft -->\ndraft\n<!-- /ai-draft -->\nAccepted by a person.", True),
    ],
)
def test_filled_means_written_by_a_person(body: str, filled: bool) -> None:
    assert bool(meaningful_text(body)) is filled


def test_duplicate_sections_are_found() -> None:
    doc = parse("## Impact\na\n## impact\nb\n")
    assert [(s.title, s.line) for s in doc.duplicate_sections()] == [("impact", 3)]


def test_written_text_keeps_the_words_verbatim() -> None:
    doc = parse(
        "## Symptoms\n<!-- hint -->\nHTTP 500 on `/checkout`, p99 12s.\n\n- TODO check EU\n"
    )
    assert doc.sections[0].written_text() == "HTTP 500 on `/checkout`, p99 12s.\n\n- TODO check EU"


# --- comment handling against the regular expressions that define it ------------------------

COMMENT_PIECES = st.sampled_from(
    ["<!--", "-->", "<!-->", "<!--->", "-", "--", ">", "<!-- ai-draft -->", "<!-- /ai-draft -->",
     "<!--ai-draft model=x-->", "TODO", "TODOs", "x", " ", "\n", "ai-draft", "<", "!"]
)  # fmt: skip


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.lists(COMMENT_PIECES, max_size=14).map("".join))
def test_comments_are_removed_and_blanked_as_the_regexes_say(text: str) -> None:
    drafts = re.compile(r"<!--\s*ai-draft\b.*?-->.*?(<!--\s*/ai-draft\s*-->|\Z)", re.S)
    comments = re.compile(r"<!--.*?(-->|\Z)", re.S)
    removed = comments.sub("", drafts.sub("", text))
    assert meaningful_text(text) == re.sub(r"\bTODO\b", "", removed).strip()
    assert Section("S", 1, text, 2).written_text() == removed.strip("\n").rstrip()

    def spaces(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    assert without_drafts_and_comments(text) == comments.sub(spaces, drafts.sub(spaces, text))
