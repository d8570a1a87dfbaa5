"""A Keep a Changelog file read as a Markdown renderer reads it; compare links; drifted lines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers_node import NEEDS_MARKDOWNLINT
from hypothesis import given, settings
from test_changelog import (
    INTRO,
    LINE_A,
    LINE_B,
    A,
    B,
    any_text,
    assert_only_inserted,
    changelogs,
    doc,
)
from test_markdownlint import CONFIG, markdownlint

from incidentflow.changelog.entries import ChangelogEntry, differences, entry_line, item_text
from incidentflow.changelog.keepachangelog import (
    insert_entries,
    locate,
    locate_all,
    rewrite_entries,
)

V100 = ("## [1.0.0] - 2026-01-01", "", "### Added", "", "- First release.")
NEW_SECTION = ("## [Unreleased]", "", "### Fixed", "", LINE_A, "")

STRUCTURE = [
    pytest.param(
        doc(
            *INTRO,
            *("<!--", "## [Unreleased]", "", "### Fixed", "", "- Describe the fix.", "-->", ""),
            *V100,
        ),
        doc(
            *INTRO,
            *("<!--", "## [Unreleased]", "", "### Fixed", "", "- Describe the fix.", "-->", ""),
            *NEW_SECTION,
            *V100,
        ),
        id="template-in-a-comment-is-not-the-section",
    ),
    pytest.param(
        doc(
            *("Changelog", "=========", "", "Unreleased", "----------", ""),
            *("### Fixed", "", "- Old fix.", "", "1.0.0 - 2026-01-01", "------------------"),
            *("", "- First."),
        ),
        doc(
            *("Changelog", "=========", "", "Unreleased", "----------", ""),
            *("### Fixed", "", LINE_A, "- Old fix.", "", "1.0.0 - 2026-01-01"),
            *("------------------", "", "- First."),
        ),
        id="setext-section",
    ),
    pytest.param(
        doc(
            *("Unreleased", "==========", "", "Fixed", "-----", "", "- Old fix.", ""),
            *("1.0.0", "=====", "", "Fixed", "-----", "", "- First."),
        ),
        doc(
            *("Unreleased", "==========", "", "Fixed", "-----", "", LINE_A, "- Old fix.", ""),
            *("1.0.0", "=====", "", "Fixed", "-----", "", "- First."),
        ),
        id="setext-section-and-categories-one-level-up",
    ),
    pytest.param(
        doc(
            *("Unreleased", "==========", "", "Added", "-----", "", "- New thing.", ""),
            *("1.0.0", "=====", "", "- First."),
        ),
        doc(
            *("Unreleased", "==========", "", "Added", "-----", "", "- New thing.", ""),
            *("Fixed", "-----", "", LINE_A, ""),
            *("1.0.0", "=====", "", "- First."),
        ),
        id="category-created-one-level-below-a-setext-section-and-underlined",
    ),
    pytest.param(
        doc("Changelog", "=========", "", "1.0.0", "-----", "", "- First."),
        doc(
            *("Changelog", "=========", "", "[Unreleased]", "------------", ""),
            *("### Fixed", "", LINE_A, "", "1.0.0", "-----", "", "- First."),
        ),
        id="section-created-underlined-like-the-versions",
    ),
    pytest.param(
        doc(
            *("## [Unreleased]", "", "### Fixed", ""),
            *("<!--", "- Example entry, kept as a template.", "-->", "- Old fix."),
        ),
        doc(
            *("## [Unreleased]", "", "### Fixed", ""),
            *("<!--", "- Example entry, kept as a template.", "-->", LINE_A, "- Old fix."),
        ),
        id="list-item-in-a-comment-is-not-the-list",
    ),
    pytest.param(
        doc(*INTRO, "<details>", "## [Unreleased]", "</details>", "", *V100),
        doc(*INTRO, "<details>", "## [Unreleased]", "</details>", "", *NEW_SECTION, *V100),
        id="heading-in-an-html-block-is-ignored",
    ),
    pytest.param(
        doc(*INTRO, "Write entries so:", "", "    ## [Unreleased]", "", *V100),
        doc(*INTRO, "Write entries so:", "", "    ## [Unreleased]", "", *NEW_SECTION, *V100),
        id="heading-in-indented-code-is-ignored",
    ),
    pytest.param(
        doc(*INTRO, "```md", "## [Unreleased]", "### Fixed", "```", "", *V100),
        doc(*INTRO, "```md", "## [Unreleased]", "### Fixed", "```", "", *NEW_SECTION, *V100),
        id="heading-in-a-fence-is-ignored",
    ),
]


@pytest.mark.parametrize(("before", "expected"), STRUCTURE)
def test_structure_as_a_renderer_reads_it(before: str, expected: str) -> None:
    after = insert_entries(before, [A])
    assert after == expected
    assert insert_entries(after, [A]) is after
    assert_only_inserted(before, after, [A])


LINKED = doc(
    *INTRO,
    *("## [1.1.0] - 2026-10-01", "", "### Fixed", "", "- Something.", ""),
    *V100,
    "",
    "[1.1.0]: {newer}",
    "[1.0.0]: {older}",
)


@pytest.mark.parametrize(
    ("newer", "older", "unreleased"),
    [
        pytest.param(
            "https://github.com/o/r/compare/v1.0.0...v1.1.0",
            "https://github.com/o/r/releases/tag/v1.0.0",
            "https://github.com/o/r/compare/v1.1.0...HEAD",
            id="github-compare",
        ),
        pytest.param(
            "https://github.com/o/r/releases/tag/1.1.0",
            "https://github.com/o/r/releases/tag/1.0.0",
            "https://github.com/o/r/compare/1.1.0...HEAD",
            id="github-tag",
        ),
        pytest.param(
            "https://gitlab.com/g/p/-/compare/v1.0.0...v1.1.0",
            "https://gitlab.com/g/p/-/tags/v1.0.0",
            "https://gitlab.com/g/p/-/compare/v1.1.0...HEAD",
            id="gitlab-compare",
        ),
        pytest.param(
            "https://gitlab.com/g/p/-/tags/v1.1.0",
            "https://gitlab.com/g/p/-/tags/v1.0.0",
            "https://gitlab.com/g/p/-/compare/v1.1.0...HEAD",
            id="gitlab-tag",
        ),
    ],
)
def test_a_created_section_gets_its_compare_link(newer: str, older: str, unreleased: str) -> None:
    before = LINKED.format(newer=newer, older=older)
    after = insert_entries(before, [A])
    assert after == before.replace(
        "## [1.1.0]", "## [Unreleased]\n\n### Fixed\n\n" + LINE_A + "\n\n## [1.1.0]"
    ).replace("[1.1.0]: ", f"[Unreleased]: {unreleased}\n[1.1.0]: ")
    assert insert_entries(after, [A]) is after


@pytest.mark.parametrize(
    "before",
    [
        pytest.param(
            LINKED.format(newer="https://example.com/r/1.1.0.tar.gz", older="x"),
            id="url-of-unknown-shape",
        ),
        pytest.param(
            LINKED.format(
                newer="https://github.com/o/r/compare/v1.0.0...v1.1.0", older="x"
            ).replace(
                "[1.1.0]: ", "[unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n[1.1.0]: "
            ),
            id="link-already-there",
        ),
        pytest.param(
            doc(*INTRO, *V100, "", "[0.9.0]: https://github.com/o/r/releases/tag/v0.9.0"),
            id="newest-version-has-no-link",
        ),
    ],
)
def test_no_compare_link_when_it_cannot_be_derived_or_exists(before: str) -> None:
    after = insert_entries(before, [A])
    assert_only_inserted(before, after, [A])


def test_an_existing_section_gets_no_link() -> None:
    before = doc(
        "## [Unreleased]",
        "",
        "## [1.0.0]",
        "",
        "[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0",
    )
    after = insert_entries(before, [A])
    assert "[Unreleased]:" not in after
    assert_only_inserted(before, after, [A])


# --- Lines that drifted from their postmortem ------------------------------------------

A_EDITED = ChangelogEntry(
    incident_id=A.incident_id,
    text="Checkout API returned 500s after a bad deploy; rolled back in 20 minutes.",
    severity="SEV1",
    date=A.date,
    link=A.link,
)
RELEASED = doc(
    *INTRO, "## [Unreleased]", "", "## [1.2.0] - 2026-11-30", "", "### Fixed", "", LINE_A
)
UNRELEASED = doc(*INTRO, "## [Unreleased]", "", "### Fixed", "", LINE_B, LINE_A, "", *V100)


def test_locate_tells_unreleased_from_released() -> None:
    found = locate(UNRELEASED, A.incident_id)
    assert found is not None
    assert (found.line, found.released_under) == (INTRO.index("") + 11, None)
    assert found.current == item_text(A)
    released = locate(RELEASED, A.incident_id)
    assert released is not None and released.released_under == "1.2.0"
    assert locate(RELEASED, B.incident_id) is None
    intro = locate(doc("# Changelog", "", LINE_A, "", *V100), A.incident_id)
    assert intro is not None and intro.released_under == ""


def test_a_drifted_unreleased_line_is_rewritten_in_place() -> None:
    after = rewrite_entries(UNRELEASED, {A.incident_id: A_EDITED})
    assert after == UNRELEASED.replace(LINE_A, entry_line(A_EDITED))
    # Nothing to do: the same object's text comes back unchanged.
    assert rewrite_entries(after, {A.incident_id: A_EDITED}) == after
    assert rewrite_entries(UNRELEASED, {A.incident_id: A}) == UNRELEASED


def test_a_released_line_is_never_rewritten() -> None:
    assert rewrite_entries(RELEASED, {A.incident_id: A_EDITED}) == RELEASED


@pytest.mark.parametrize(
    ("line", "rewritten"),
    [
        pytest.param(
            LINE_A.replace("- ", "* ", 1),
            entry_line(A_EDITED).replace("- ", "* ", 1),
            id="star-bullet",
        ),
        pytest.param("  " + LINE_A, "  " + entry_line(A_EDITED), id="nested"),
        pytest.param(
            LINE_A + " (see #12)", entry_line(A_EDITED) + " (see #12)", id="text-after-the-marker"
        ),
        pytest.param(
            LINE_A.replace(" (SEV2", "\n  (SEV2"), entry_line(A_EDITED), id="wrapped-over-two-lines"
        ),
    ],
)
def test_a_rewrite_keeps_the_bullet_and_what_follows(line: str, rewritten: str) -> None:
    before = doc("## [Unreleased]", "", "### Fixed", "", "- Other.", line, "- Last.")
    after = rewrite_entries(before, {A.incident_id: A_EDITED})
    assert after == doc("## [Unreleased]", "", "### Fixed", "", "- Other.", rewritten, "- Last.")


def test_a_rewrite_keeps_crlf() -> None:
    before = UNRELEASED.replace("\n", "\r\n")
    after = rewrite_entries(before, {A.incident_id: A_EDITED})
    assert after == before.replace(LINE_A, entry_line(A_EDITED))


def test_differences_name_what_changed() -> None:
    assert differences(item_text(A), A_EDITED) == (
        'text "Checkout API returned 500s after a bad deploy." is now '
        '"Checkout API returned 500s after a bad deploy; rolled back in 20 minutes."; '
        'severity "SEV2" is now "SEV1"'
    )
    assert differences(f"Hand-written. <!-- incident:{A.incident_id} -->", A) == (
        f'the line reads "Hand-written. <!-- incident:{A.incident_id} -->", '
        'its postmortem says "Checkout API returned 500s after a bad deploy."'
    )
    assert len(differences("x" * 5000, A)) < 400


@settings(max_examples=300)
@given(changelogs())
def test_a_rewrite_changes_only_an_unreleased_line(text: str) -> None:
    with_a = insert_entries(text, [A])
    found = locate(with_a, A.incident_id)
    assert found is not None
    after = rewrite_entries(with_a, {A.incident_id: A_EDITED})
    if found.released_under is None:
        assert after == with_a.replace(item_text(A), item_text(A_EDITED), 1)
    else:
        assert after == with_a
    assert rewrite_entries(after, {A.incident_id: A_EDITED}) == after


def test_locate_all_reads_the_file_once_for_many() -> None:
    found = locate_all(UNRELEASED, [A.incident_id, B.incident_id, "2026-01-01-absent"])
    assert sorted(found) == sorted([A.incident_id, B.incident_id])
    assert found[A.incident_id] == locate(UNRELEASED, A.incident_id)


@settings(max_examples=300)
@given(any_text)
def test_locate_and_rewrite_take_any_text(text: str) -> None:
    with_a = insert_entries(text, [A])
    found = locate(with_a, A.incident_id)
    assert found is not None
    after = rewrite_entries(with_a, {A.incident_id: A_EDITED})
    assert rewrite_entries(after, {A.incident_id: A_EDITED}) == after
    assert (item_text(A_EDITED) in after) == (found.released_under is None)


# --- What the tool writes passes markdownlint (docs/ci/incidentflow.markdownlint.yaml) ----

LINTED = {
    "created-with-link.md": LINKED.format(
        newer="https://github.com/o/r/compare/v1.0.0...v1.1.0",
        older="https://github.com/o/r/releases/tag/v1.0.0",
    ),
    "category-created.md": doc(
        *INTRO, "## [Unreleased]", "", "### Security", "", "- Patched.", "", *V100
    ),
    "template-in-a-comment.md": STRUCTURE[0].values[0],
    "from-nothing.md": None,
}


@NEEDS_MARKDOWNLINT
def test_what_is_written_passes_markdownlint(tmp_path: Path) -> None:
    shutil.copy(CONFIG, tmp_path / ".markdownlint.yaml")
    for name, before in LINTED.items():
        after = insert_entries(before, [A, B])
        after = rewrite_entries(after, {A.incident_id: A_EDITED})
        (tmp_path / name).write_text(after, encoding="utf-8")
    result = markdownlint(tmp_path, *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr
