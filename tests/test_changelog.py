"""Tests for adding postmortem lines to a Keep a Changelog file."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentflow.changelog.entries import ChangelogEntry, entry_line, has_entry, marker
from incidentflow.changelog.keepachangelog import insert_entries

A = ChangelogEntry(
    incident_id="2026-11-25-checkout-api-500s",
    text="Checkout API returned 500s\n  after a bad deploy. ",
    severity="SEV2",
    date="2026-11-25",
    link="incidents/2026-11-25-checkout-api-500s/04-postmortem.md",
)
B = ChangelogEntry(
    incident_id="2026-11-28-login-latency",
    text="Login latency spiked.",
    severity="SEV3",
    date="2026-11-28",
    link="incidents/2026-11-28-login-latency/04-postmortem.md",
)
# Same date as B: ties are broken by id, descending.
C = ChangelogEntry(
    incident_id="2026-11-28-search-down",
    text="Search was down.",
    severity="SEV1",
    date="2026-11-28",
    link="incidents/2026-11-28-search-down/04-postmortem.md",
)
LINE_A = (
    "- Checkout API returned 500s after a bad deploy. (SEV2 incident"
    " [2026-11-25-checkout-api-500s](incidents/2026-11-25-checkout-api-500s/04-postmortem.md),"
    " 2026-11-25) <!-- incident:2026-11-25-checkout-api-500s -->"
)
LINE_B = entry_line(B)
LINE_C = entry_line(C)

INTRO = (
    "# Changelog",
    "",
    "All notable changes to this project will be documented in this file.",
    "",
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).",
    "",
)
V100 = ("## [1.0.0] - 2026-01-01", "", "### Added", "", "- First release.")


def doc(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


CASES: list[tuple[str, str | None, Sequence[ChangelogEntry], dict[str, str], str]] = [
    (
        "missing-file",
        None,
        [A],
        {},
        doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_A),
    ),
    (
        "fixed-with-items",
        doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", "- Old fix.", "", *V100),
        [A],
        {},
        doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_A, "- Old fix.", "", *V100),
    ),
    (
        "added-and-security-without-fixed",
        doc(
            *INTRO,
            *("## [Unreleased]", "", "### Added", "", "- New thing."),
            *("", "### Security", "", "- Patched.", "", *V100),
        ),
        [A],
        {},
        doc(
            *INTRO,
            *("## [Unreleased]", "", "### Added", "", "- New thing."),
            *("", "### Fixed", "", LINE_A),
            *("", "### Security", "", "- Patched.", "", *V100),
        ),
    ),
    (
        "only-a-later-category",
        doc(*INTRO, "## [Unreleased]", "", "### Security", "", "- Patched.", "", *V100),
        [A],
        {},
        doc(
            *INTRO,
            *("## [Unreleased]", "", "### Fixed", "", LINE_A),
            *("", "### Security", "", "- Patched.", "", *V100),
        ),
    ),
    (
        "only-an-earlier-category",
        doc(*INTRO, "## [Unreleased]", "", "### Changed", "", "- Tweaked.", "", *V100),
        [A],
        {},
        doc(
            *INTRO,
            *("## [Unreleased]", "", "### Changed", "", "- Tweaked."),
            *("", "### Fixed", "", LINE_A, "", *V100),
        ),
    ),
    (
        "section-without-categories",
        doc(*INTRO, "## [Unreleased]", "", *V100),
        [A],
        {},
        doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_A, "", *V100),
    ),
    (
        "no-unreleased-goes-before-newest-version",
        doc(*INTRO, "## [1.1.0] - 2026-10-01", "", "### Fixed", "", "- Something.", "", *V100),
        [A],
        {},
        doc(
            *INTRO,
            *("## [Unreleased]", "", "### Fixed", "", LINE_A, ""),
            *("## [1.1.0] - 2026-10-01", "", "### Fixed", "", "- Something.", "", *V100),
        ),
    ),
    (
        "already-released-is-not-added-again",
        doc(*INTRO, "## [1.2.0] - 2026-11-20", "", "### Fixed", "", LINE_A),
        [A],
        {},
        doc(*INTRO, "## [1.2.0] - 2026-11-20", "", "### Fixed", "", LINE_A),
    ),
    (
        "released-entry-skipped-new-one-added",
        doc(*INTRO, "## [1.2.0] - 2026-11-20", "", "### Fixed", "", LINE_A),
        [A, B],
        {},
        doc(
            *INTRO,
            *("## [Unreleased]", "", "### Fixed", "", LINE_B, ""),
            *("## [1.2.0] - 2026-11-20", "", "### Fixed", "", LINE_A),
        ),
    ),
    (
        "two-entries-newest-first",
        doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", "- Old fix."),
        [A, B],
        {},
        doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_B, LINE_A, "- Old fix."),
    ),
    (
        "same-date-ordered-by-id-descending",
        None,
        [B, A, C, B],
        {},
        doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_C, LINE_B, LINE_A),
    ),
    (
        "crlf-stays-crlf",
        crlf(doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", "- Old fix.", "", *V100)),
        [A],
        {},
        crlf(doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_A, "- Old fix.", "", *V100)),
    ),
    (
        "crlf-new-section",
        crlf(doc(*INTRO, *V100)),
        [A, B],
        {},
        crlf(doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_B, LINE_A, "", *V100)),
    ),
    (
        "no-title",
        doc(*V100),
        [A],
        {},
        doc("## [Unreleased]", "", "### Fixed", "", LINE_A, "", *V100),
    ),
    (
        "no-title-no-versions",
        doc("Some notes."),
        [A],
        {},
        doc("Some notes.", "", "## [Unreleased]", "", "### Fixed", "", LINE_A),
    ),
    (
        "empty-file",
        "",
        [A],
        {},
        doc("## [Unreleased]", "", "### Fixed", "", LINE_A),
    ),
    (
        "no-trailing-newline-after-last-item",
        "\n".join((*INTRO, "## [Unreleased]", "", "### Fixed", "", "- Old fix.  ")),
        [A],
        {},
        "\n".join((*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_A, "- Old fix.  ")),
    ),
    (
        "no-trailing-newline-after-intro",
        "# Changelog\n\nIntro.",
        [A],
        {},
        doc("# Changelog", "", "Intro.", "", "## [Unreleased]", "", "### Fixed", "", LINE_A),
    ),
    (
        "no-trailing-newline-after-section-heading",
        "# Changelog\n\n## [Unreleased]",
        [A],
        {},
        doc("# Changelog", "", "## [Unreleased]", "", "### Fixed", "", LINE_A),
    ),
    (
        "fenced-unreleased-is-ignored",
        doc(
            *INTRO,
            *("Entries look like this:", "", "```markdown", "## [Unreleased]", ""),
            *("### Fixed", "", "- Example.", "```", "", *V100),
        ),
        [A],
        {},
        doc(
            *INTRO,
            *("Entries look like this:", "", "```markdown", "## [Unreleased]", ""),
            *("### Fixed", "", "- Example.", "```", ""),
            *("## [Unreleased]", "", "### Fixed", "", LINE_A, "", *V100),
        ),
    ),
    (
        "fenced-category-is-ignored",
        doc("## [Unreleased]", "", "~~~", "### Fixed", "- Example.", "~~~", "", *V100),
        [A],
        {},
        doc(
            *("## [Unreleased]", "", "### Fixed", "", LINE_A, ""),
            *("~~~", "### Fixed", "- Example.", "~~~", "", *V100),
        ),
    ),
    (
        "custom-section-and-category",
        doc(*INTRO, "## [Incidents]", "", "### Added", "", "- Runbook.", "", *V100),
        [A],
        {"section": "Incidents", "category": "Postmortems"},
        doc(
            *INTRO,
            *("## [Incidents]", "", "### Added", "", "- Runbook."),
            *("", "### Postmortems", "", LINE_A, "", *V100),
        ),
    ),
    (
        "custom-section-created",
        doc(*INTRO, *V100),
        [A],
        {"section": "Incidents", "category": "Postmortems"},
        doc(*INTRO, "## [Incidents]", "", "### Postmortems", "", LINE_A, "", *V100),
    ),
    (
        "custom-names-for-missing-file",
        None,
        [A],
        {"section": "Operations", "category": "Security"},
        doc(*INTRO, "## [Operations]", "", "### Security", "", LINE_A),
    ),
    (
        "heading-variants-any-case",
        doc("## unreleased - not yet", "", "### fixed", "", "- Old fix."),
        [A],
        {},
        doc("## unreleased - not yet", "", "### fixed", "", LINE_A, "- Old fix."),
    ),
    (
        "unreleased-heading-with-compare-link",
        doc("## [Unreleased](https://example.com/compare/v1.0.0...HEAD)", "", *V100),
        [A],
        {},
        doc(
            *("## [Unreleased](https://example.com/compare/v1.0.0...HEAD)", ""),
            *("### Fixed", "", LINE_A, "", *V100),
        ),
    ),
    (
        "empty-category-before-next-one",
        doc("## [Unreleased]", "", "### Fixed", "### Security", "", "- Patched."),
        [A],
        {},
        doc("## [Unreleased]", "", "### Fixed", "", LINE_A, "", "### Security", "", "- Patched."),
    ),
    (
        "list-right-under-heading-keeps-its-style",
        doc("## [Unreleased]", "### Fixed", "* Old fix."),
        [A],
        {},
        doc("## [Unreleased]", "### Fixed", LINE_A, "* Old fix."),
    ),
    (
        "paragraph-under-category-stays-below",
        doc("## [Unreleased]", "", "### Fixed", "", "Nothing yet."),
        [A],
        {},
        doc("## [Unreleased]", "", "### Fixed", "", LINE_A, "", "Nothing yet."),
    ),
    (
        "link-references-stay-last",
        doc(
            *("## [Unreleased]", "", "### Added", "", "- New thing.", ""),
            "[unreleased]: https://example.com/compare/v1.0.0...HEAD",
        ),
        [A],
        {},
        doc(
            *("## [Unreleased]", "", "### Added", "", "- New thing."),
            *("", "### Fixed", "", LINE_A, ""),
            "[unreleased]: https://example.com/compare/v1.0.0...HEAD",
        ),
    ),
]


def insertion_points(before: str, after: str) -> list[tuple[int, str]]:
    """Every (offset, block) such that inserting ``block`` at ``offset`` turns before into after."""
    extra = len(after) - len(before)
    if extra < 0:
        return []
    prefix = 0
    while prefix < len(before) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < len(before) and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    low = max(0, len(before) - suffix)
    return [(i, after[i : i + extra]) for i in range(low, prefix + 1)]


def expected_lines(text: str, entries: Sequence[ChangelogEntry]) -> list[str]:
    fresh: dict[str, ChangelogEntry] = {}
    for entry in entries:
        if entry.incident_id not in fresh and not has_entry(text, entry.incident_id):
            fresh[entry.incident_id] = entry
    ordered = sorted(fresh.values(), key=lambda e: (e.date, e.incident_id), reverse=True)
    return [entry_line(e) for e in ordered]


def assert_only_inserted(
    before: str,
    after: str,
    entries: Sequence[ChangelogEntry],
    section: str = "Unreleased",
    category: str = "Fixed",
) -> None:
    """Check that after is before plus one block of new entry lines, headings and blank lines."""
    new_lines = expected_lines(before, entries)
    if not new_lines:
        assert after is before
        return
    first_break = before.find("\n")
    uses_crlf = first_break > 0 and before[first_break - 1] == "\r"
    # A category is one level below its section: `###`, or `##` under a setext `===` one;
    # a heading is underlined where the file's headings are.
    created = {f"## [{section}]", f"### {category}", f"## {category}", f"[{section}]", category}
    created |= {"-" * max(3, len(name)) for name in (f"[{section}]", category)}
    created |= {"=" * max(3, len(category))}

    def acceptable(block: str) -> bool:
        if uses_crlf and block.count("\n") != block.count("\r\n"):
            return False
        if not uses_crlf and "\r" in block:
            return False
        contents = [piece.removesuffix("\r") for piece in block.split("\n")]
        items = [c for c in contents if c.startswith("- ")]
        others = {c for c in contents if not c.startswith("- ")}
        return items == new_lines and others <= created | {""}

    candidates = insertion_points(before, after)
    assert candidates, "bytes outside the insertion changed"
    assert any(acceptable(block) for _, block in candidates), repr(candidates[-1][1])


@pytest.mark.parametrize(
    ("before", "entries", "options", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_insert_entries(
    before: str | None,
    entries: Sequence[ChangelogEntry],
    options: dict[str, str],
    expected: str,
) -> None:
    after = insert_entries(before, entries, **options)
    assert after == expected
    assert insert_entries(after, entries, **options) == after
    if before is not None:
        assert_only_inserted(before, after, entries, **options)


def test_entry_line_format() -> None:
    assert entry_line(A) == LINE_A
    assert entry_line(B) == (
        "- Login latency spiked. (SEV3 incident [2026-11-28-login-latency]"
        "(incidents/2026-11-28-login-latency/04-postmortem.md), 2026-11-28)"
        " <!-- incident:2026-11-28-login-latency -->"
    )


def test_marker_and_has_entry() -> None:
    assert marker("abc") == "<!-- incident:abc -->"
    released = doc("## [1.2.0] - 2026-11-20", "", "### Fixed", "", LINE_A)
    assert has_entry(released, A.incident_id)
    assert not has_entry(released, B.incident_id)
    # An id that is a prefix of a recorded one is a different incident.
    assert not has_entry(released, "2026-11-25-checkout")


def test_nothing_new_returns_the_same_object() -> None:
    text = doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_A)
    assert insert_entries(text, [A]) is text
    assert insert_entries(text, []) is text


def test_missing_file_without_entries_gives_the_skeleton() -> None:
    skeleton = insert_entries(None, [])
    assert skeleton == doc(*INTRO, "## [Unreleased]")
    assert insert_entries(skeleton, [A]) == insert_entries(None, [A])


@pytest.mark.parametrize(
    "changes",
    [
        {"incident_id": ""},
        {"incident_id": "two words"},
        {"incident_id": "x-->y"},
        {"text": " \n "},
        {"severity": "SEV\n2"},
        {"date": "2026-11-25\r"},
        {"link": "a\nb"},
    ],
)
def test_invalid_entries_are_rejected(changes: dict[str, str]) -> None:
    fields = {"incident_id": "i", "text": "t", "severity": "SEV2", "date": "d", "link": "l"}
    with pytest.raises(ValueError):
        ChangelogEntry(**(fields | changes))


@pytest.mark.parametrize("options", [{"section": ""}, {"category": " "}, {"section": "a\nb"}])
def test_invalid_section_or_category_is_rejected(options: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        insert_entries("", [A], **options)


IDS = ("2026-01-01-a", "2026-01-01-b", "2026-02-01-a", "2026-11-25-checkout-api-500s")
entries_strategy = st.lists(
    st.builds(
        ChangelogEntry,
        incident_id=st.sampled_from(IDS),
        text=st.text(min_size=1).filter(lambda s: bool(s.split())),
        severity=st.sampled_from(["SEV1", "SEV2"]),
        date=st.sampled_from(["2026-01-01", "2026-02-01"]),
        link=st.just("incidents/x/04-postmortem.md"),
    ),
    max_size=4,
)
names_strategy = st.sampled_from(
    [("Unreleased", "Fixed"), ("Unreleased", "Security"), ("Incidents", "Postmortems")]
)
SECTION_HEADINGS = [
    "## [Unreleased]",
    "## Unreleased",
    "## [unreleased] - soon",
    "## [1.2.0] - 2026-11-20",
    "## [Incidents]",
]
CATEGORY_HEADINGS = [
    "### Fixed",
    "### fixed",
    "### Added",
    "### Security",
    "### Changed",
    "### Postmortems",
    "### Notes",
]
ITEM_LINES = [
    "- An item.",
    "* Star item.",
    "  - Nested item.",
    "- Ends in a hard line break.  ",
    *(f"- Old. {marker(incident_id)}" for incident_id in IDS[::2]),
]
# None of these open a fence or underline a setext heading, so headings are easy to find.
PLAIN_LINES = [
    *SECTION_HEADINGS,
    *CATEGORY_HEADINGS,
    *ITEM_LINES,
    "# Changelog",
    "Intro paragraph.",
    "",
    "",
    "#### Deep",
    "[unreleased]: https://example.com/compare",
]
TRICKY_LINES = [
    "```",
    "~~~",
    "```python",
    "````",
    "-",
    "#",
    "##",
    "###",
    "    ## code",
    " \t",
    "trailing \t ",
]
newlines = st.sampled_from(["\n", "\r\n"])


def documents(pool: list[str], *, noise: bool) -> st.SearchStrategy[str]:
    """Documents made of lines from pool, plus arbitrary single lines when noise is set."""
    line = st.sampled_from(pool)
    if noise:
        line |= st.text(st.characters(exclude_characters="\n"), max_size=6)
    return st.builds(
        lambda lines, nl, end: nl.join(lines) + (nl if end else ""),
        st.lists(line, max_size=20),
        newlines,
        st.booleans(),
    )


@st.composite
def changelogs(draw: st.DrawFn) -> str:
    """Well-formed changelogs: optional title, then versions holding categories of items."""
    lines = list(draw(st.sampled_from([(), ("# Changelog", ""), INTRO])))
    for heading in draw(st.lists(st.sampled_from(SECTION_HEADINGS), max_size=3)):
        lines += [heading, ""]
        for category in draw(st.lists(st.sampled_from(CATEGORY_HEADINGS), max_size=3)):
            gap = draw(st.sampled_from([[""], []]))
            items = draw(st.lists(st.sampled_from(ITEM_LINES), max_size=3))
            lines += [category, *gap, *items, ""]
    nl = draw(newlines)
    return nl.join(lines) + draw(st.sampled_from([nl, ""]))


structured = documents(PLAIN_LINES, noise=False) | changelogs()
any_text = st.text() | documents(PLAIN_LINES + TRICKY_LINES, noise=True) | structured


@settings(max_examples=300)
@given(any_text, entries_strategy, names_strategy)
def test_insertion_only_adds_lines_and_is_idempotent(
    text: str, entries: list[ChangelogEntry], names: tuple[str, str]
) -> None:
    section, category = names
    after = insert_entries(text, entries, section=section, category=category)
    assert_only_inserted(text, after, entries, section, category)
    again = insert_entries(after, entries, section=section, category=category)
    assert again is after


@settings(max_examples=500)
@given(structured, entries_strategy, names_strategy)
def test_entries_land_under_the_category_of_the_section(
    text: str, entries: list[ChangelogEntry], names: tuple[str, str]
) -> None:
    section, category = names
    new_lines = expected_lines(text, entries)
    after = insert_entries(text, entries, section=section, category=category)
    lines = after.replace("\r\n", "\n").split("\n")
    if not new_lines:
        return
    start = lines.index(new_lines[0])
    assert lines[start : start + len(new_lines)] == new_lines
    headings = [line for line in reversed(lines[:start]) if line.startswith("#")]
    assert headings[0].casefold() == f"### {category}".casefold()
    version = next(h for h in headings if not h.startswith("###"))
    title = version.removeprefix("## ").removeprefix("[").casefold()
    assert title.startswith(section.casefold())
