"""Stage files, the changelog and the timeline as people really save them.

Broken files give `path:line: message`; odd but valid encodings (CRLF, a BOM) work exactly
like plain ones; huge files stay fast; nothing the tool reads is changed by reading it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest
from conftest import Repo, incident
from test_hardening import (
    CHANGELOG_ENTRY,
    DIAGNOSIS,
    DIR,
    ID,
    POSTMORTEM,
    TIMELINE,
    TRIAGE,
    advance,
    assert_one_line,
    finish,
    open_incident,
    run_module,
    snapshot,
    sub_last,
    triage_done,
)


@pytest.fixture
def opened(repo: Repo) -> Repo:
    """A repository (no commits yet) with one incident opened at fixed times."""
    open_incident()
    return repo


HEADLINE = "{id}: triage does not meet its goal yet, so diagnosis cannot start ({n} to fix{hint})\n"
FRONT = f"---\nstage: triage\nincident: {ID}\n---\n"


@pytest.fixture
def triaged(opened: Repo) -> Repo:
    """The triage meets its goal; `incident next` would scaffold the diagnosis."""
    triage_done(opened)
    return opened


def without_front_matter(text: str) -> str:
    assert text.startswith(FRONT)
    return text[len(FRONT) :].lstrip("\n")


# (how the triage is broken, the problems: line and message)
BROKEN = [
    pytest.param(without_front_matter, [(1, "has no front matter (start the file with ---, stage: triage, ---)")], id="no front matter"),
    pytest.param(lambda t: t.replace("stage: triage", "stage: [triage", 1), [(3, "invalid YAML: did not find expected ',' or ']'")], id="front matter yaml"),
    pytest.param(lambda t: t.replace(f"incident: {ID}\n---\n", f"incident: {ID}\n", 1), [(1, "front matter opened with '---' on line 1 is never closed")], id="front matter unclosed"),
    pytest.param(lambda t: t.replace(f"stage: triage\nincident: {ID}\n", "- triage\n", 1), [(2, "front matter must be a mapping with stage and incident")], id="front matter list"),
    pytest.param(lambda t: t.replace(f"stage: triage\nincident: {ID}\n", "", 1), [(2, "front matter must be a mapping with stage and incident")], id="front matter empty"),
    pytest.param(lambda t: t.replace("stage: triage", "stage: postmortem", 1), [(2, "front matter says stage 'postmortem', expected 'triage'")], id="front matter stage"),
    pytest.param(lambda t: t.replace(f"incident: {ID}", "incident: 2026-01-01-other", 1), [(2, f"front matter says incident '2026-01-01-other', expected '{ID}'")], id="front matter incident"),
    pytest.param(lambda t: sub_last(t, "## Impact\n", "## Symptoms\n\nMore symptoms.\n\n## Impact\n"), [(64, 'section "Symptoms" appears twice')], id="duplicate heading"),
    pytest.param(lambda t: sub_last(t, "## Impact\n", "**Impact**\n"), [(6, 'section "Impact" is missing')], id="missing heading"),
    pytest.param(lambda t: sub_last(t, "## Impact\n", "```\n## Impact\n```\n"), [(6, 'section "Impact" is missing')], id="heading in a backtick fence"),
    pytest.param(lambda t: sub_last(t, "## Mitigation\n", "~~~ unclosed\n## Mitigation\n"), [(6, 'section "Mitigation" is missing'), (6, 'section "Containment evidence" is missing')], id="heading after an unclosed tilde fence"),
    pytest.param(lambda t: sub_last(t, "## Impact\n", "<!--\n## Impact\n-->\n"), [(6, 'section "Impact" is missing')], id="heading in a comment"),
    pytest.param(lambda t: sub_last(t, "## Impact\n", "<details>\n## Impact\n</details>\n"), [(6, 'section "Impact" is missing')], id="heading in an html block"),
    pytest.param(lambda t: sub_last(t, "## Impact\n", "    ## Impact\n"), [(6, 'section "Impact" is missing')], id="indented code"),
    pytest.param(lambda t: sub_last(t, "## Impact\n", "> ## Impact\n"), [(6, 'section "Impact" is missing')], id="heading in a quote"),
    pytest.param(lambda t: sub_last(t, "## Impact\n", "### Impact\n"), [(6, 'section "Impact" is missing')], id="wrong level"),
]  # fmt: skip


def break_triage(repo: Repo, breaking: Callable[[str], str]) -> bytes:
    text = repo.read(TRIAGE)
    broken = breaking(text)
    assert broken != text
    repo.write(TRIAGE, broken)
    return (repo.root / TRIAGE).read_bytes()


@pytest.mark.parametrize(("breaking", "problems"), BROKEN)
def test_next_refuses_a_broken_stage_file_naming_each_line(
    triaged: Repo, breaking: Callable[[str], str], problems: list[tuple[int, str]]
) -> None:
    break_triage(triaged, breaking)
    before = snapshot(triaged.root)
    result = incident("next")
    assert result.exit_code == 1
    assert result.stdout == ""
    # What is only unwritten (a section missing) an override may skip; what is broken, not.
    unwritten = all(message.endswith("is missing") for _, message in problems)
    hint = "; --override can start it anyway" if unwritten else ""
    assert result.stderr == HEADLINE.format(id=ID, n=len(problems), hint=hint) + "".join(
        f"{TRIAGE}:{line}: {message}\n" for line, message in problems
    )
    assert snapshot(triaged.root) == before


@pytest.mark.parametrize(("breaking", "problems"), BROKEN)
def test_check_reports_a_broken_earlier_stage_on_stdout(
    triaged: Repo, breaking: Callable[[str], str], problems: list[tuple[int, str]]
) -> None:
    advance()
    break_triage(triaged, breaking)
    before = snapshot(triaged.root)
    result = incident("check")
    assert result.exit_code == 1
    assert result.stdout == "".join(f"{TRIAGE}:{line}: {message}\n" for line, message in problems)
    assert result.stderr == f"{len(problems)} problem(s) in 1 incident\n"
    assert snapshot(triaged.root) == before


def test_a_fenced_block_inside_a_section_does_not_split_it(triaged: Repo) -> None:
    text = triaged.read(TRIAGE)
    triaged.write(
        TRIAGE, sub_last(text, "## Impact\n", "```sh\n## not a heading\n```\n\n## Impact\n")
    )
    assert incident("next").stdout == f"{DIAGNOSIS}\n"


def test_headings_only_in_fenced_blocks_fill_nothing(triaged: Repo) -> None:
    """A whole answer pasted inside a fence is quoted text, not sections."""
    text = triaged.read(TRIAGE)
    head, _, _ = text.rpartition("## Symptoms\n")
    fenced = "```markdown\n## Symptoms\nx\n## Impact\nx\n## Mitigation\nx\n## Containment evidence\nx\n```\n"
    triaged.write(TRIAGE, head + fenced)
    result = incident("next")
    assert result.exit_code == 1
    assert result.stderr.count('" is missing') == 4


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.replace("\n", "\r\n").encode(),
        lambda t: b"\xef\xbb\xbf" + t.encode(),
        lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(),
        lambda t: t.replace("\n", "\r").encode(),
        lambda t: t.rstrip("\n").encode(),
        lambda t: t.replace("\n", "  \n").encode(),
        lambda t: sub_last(t, "## Impact\n", "Impact\n------\n").encode(),
        lambda t: sub_last(t, "## Impact\n", "##   impact  ##\n").encode(),
    ],
    ids=["crlf", "bom", "bom+crlf", "cr", "no final newline", "trailing spaces", "setext", "closing hashes"],
)  # fmt: skip
def test_a_finished_stage_counts_however_it_was_saved(
    triaged: Repo, encode: Callable[[str], bytes]
) -> None:
    data = encode(triaged.read(TRIAGE))
    (triaged.root / TRIAGE).write_bytes(data)
    checked = incident("check")
    assert (checked.exit_code, checked.stdout) == (0, "")
    result = incident("next")
    assert (result.exit_code, result.stdout) == (0, f"{DIAGNOSIS}\n"), result.stderr
    assert (triaged.root / TRIAGE).read_bytes() == data
    assert "Written down by the responders." in triaged.read(DIAGNOSIS)


def test_a_stage_that_is_not_utf8_names_the_line_everywhere(triaged: Repo) -> None:
    text = triaged.read(TRIAGE)
    line = text[: text.index("Written down")].count("\n") + 1
    data = text.encode().replace(b"Written down", b"Wr\xeftten down", 1)
    (triaged.root / TRIAGE).write_bytes(data)
    problem = f"{TRIAGE}:{line}: not valid UTF-8 (byte 0xef); save the file as UTF-8"
    before = snapshot(triaged.root)

    refused = incident("next")
    assert refused.exit_code == 1
    assert refused.stderr == HEADLINE.format(id=ID, n=1, hint="") + problem + "\n"
    checked = incident("check")
    assert (checked.exit_code, checked.stdout) == (1, problem + "\n")
    shown = incident("show")
    assert problem in shown.stdout
    # The prompt is built from what people wrote: it must not quietly leave the triage out.
    prompted = incident("prompt")
    assert problem in prompted.stderr, prompted.stderr
    assert snapshot(triaged.root) == before


# --- huge files (10 MB): right answers, and quickly ------------------------------------------

TEN_MB = 10 * 1024 * 1024


def huge_triage(repo: Repo, body: str) -> None:
    text = repo.read(TRIAGE)
    repo.write(TRIAGE, text.replace("Written down by the responders.", body, 1))
    assert (repo.root / TRIAGE).stat().st_size > TEN_MB


@pytest.mark.parametrize(
    "body",
    [
        "Timeout talking to payments; retried and gave up.\n" * (TEN_MB // 50),
        "connection reset " * (TEN_MB // 17),
    ],
    ids=["pasted log lines", "one long line"],
)
def test_a_ten_megabyte_stage_file(triaged: Repo, body: str) -> None:
    huge_triage(triaged, body)
    checked = run_module("check", cwd=triaged.root, timeout=15)
    assert (checked.returncode, checked.stdout) == (0, "")
    scaffolded = run_module("next", cwd=triaged.root, timeout=15)
    assert (scaffolded.returncode, scaffolded.stdout) == (0, f"{DIAGNOSIS}\n")
    assert "left out to fit the size limit" in scaffolded.stderr
    assert (triaged.root / DIAGNOSIS).stat().st_size < 1024 * 1024


def test_a_ten_megabyte_triage_full_of_code_references(triaged: Repo) -> None:
    triaged.write("app.py", "def price(total, count):\n    return total / count\n")
    triaged.commit_all("app", date="2026-11-25T09:00:00+00:00")
    # A pasted log: every tenth line cites code; enough references to expose quadratic work.
    block = "Timeout talking to payments; retried and gave up.\n" * 9
    huge_triage(triaged, (block + "The pool wait in `app.py:2` grew again.\n") * (TEN_MB // 490))
    scaffolded = run_module("next", cwd=triaged.root, timeout=15)
    assert (scaffolded.returncode, scaffolded.stdout) == (0, f"{DIAGNOSIS}\n")


def test_a_ten_megabyte_diagnosis_full_of_code_references(triaged: Repo) -> None:
    triaged.write("app.py", "def price(total, count):\n    return total / count\n")
    triaged.commit_all("app", date="2026-11-25T09:00:00+00:00")
    advance()
    text = triaged.read(DIAGNOSIS)
    block = "Timeout talking to payments; retried and gave up.\n" * 9
    lines = (block + "Divides by the count at `app.py:2`.\n") * (TEN_MB // 490)
    triaged.write(DIAGNOSIS, text.replace("TODO", lines + "And `app.py:9` is past the end.", 1))
    checked = run_module("check", cwd=triaged.root, timeout=15)
    assert checked.returncode == 1
    problems = checked.stdout.splitlines()
    assert len(problems) == 1
    assert problems[0].startswith(f"{DIAGNOSIS}:")
    assert "app.py:9" in problems[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_in_place_of_a_stage_file_reads_as_absent_without_blocking(
    triaged: Repo,
) -> None:
    os.mkfifo(triaged.root / DIAGNOSIS)  # nothing ever writes to it: opening it could block
    checked = run_module("check", cwd=triaged.root, timeout=15)
    assert (checked.returncode, checked.stdout) == (0, "")
    listed = run_module("list", "--json", cwd=triaged.root, timeout=15)
    assert [row["stage"] for row in json.loads(listed.stdout)] == ["triage"]


# --- the changelog --------------------------------------------------------------------------


@pytest.fixture
def finished(opened: Repo) -> Repo:
    """All four stages written; the postmortem meets its goal; no CHANGELOG.md yet."""
    finish(opened)
    return opened


def test_a_dangling_link_in_place_of_the_postmortem_is_not_the_current_stage(
    finished: Repo,
) -> None:
    (finished.root / POSTMORTEM).unlink()
    (finished.root / POSTMORTEM).symlink_to("/nonexistent/postmortem.md")
    listed = incident("list", "--json")
    assert [(row["stage"], row["status"]) for row in json.loads(listed.stdout)] == [
        ("summary", "resolved")
    ]


def test_when_action_columns_repeat_the_last_distinct_spelling_counts(finished: Repo) -> None:
    text = finished.read(POSTMORTEM)
    header = "| Action | Owner | Due | Type |"
    assert header in text
    table = text[text.rindex(header) :].split("\n\n", 1)[0]
    finished.write(
        POSTMORTEM,
        text.replace(
            table,
            "| Action | ACTION | Action | Owner | Due | Type |\n|---|---|---|---|---|---|\n"
            "| first |  | third | bob | 2026-12-31 | fix |",
        ),
    )
    assert "an action item row has no action" in incident("show", ID).stdout
    assert json.loads(incident("list", "--json").stdout)[0]["status"] == "resolved"


LINE = (
    f"- {CHANGELOG_ENTRY} (SEV2 incident [{ID}]({DIR}/04-postmortem.md), 2026-11-25) "
    f"<!-- incident:{ID} -->"
)


@pytest.mark.parametrize("args", [["changelog"], ["changelog", "--check"]])
def test_a_changelog_that_is_not_utf8_is_refused_untouched(finished: Repo, args: list[str]) -> None:
    data = b"# Changelog\n\n## [1.0.0] - 2026-01-01\n\n### Fixed\n\n- Caf\xe9 menu fixed.\n"
    (finished.root / "CHANGELOG.md").write_bytes(data)
    result = incident(*args)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: CHANGELOG.md:7: not valid UTF-8 (byte 0xe9); save the file as UTF-8\n"
    )
    assert (finished.root / "CHANGELOG.md").read_bytes() == data


def test_the_hook_refuses_a_changelog_that_is_not_utf8(finished: Repo) -> None:
    data = b"# Changelog\n\n- Caf\xe9 menu fixed.\n"
    (finished.root / "CHANGELOG.md").write_bytes(data)
    finished.git("add", "-A")
    result = run_module("hook", f"{DIR}/04-postmortem.md", cwd=finished.root)
    assert result.returncode == 2
    assert result.stderr == (
        "error: CHANGELOG.md:3: not valid UTF-8 (byte 0xe9); save the file as UTF-8\n"
    )
    assert (finished.root / "CHANGELOG.md").read_bytes() == data


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "## [1.0.0] - 2026-01-01\n\n### Fixed\n\n- Old fix.\n",
            f"## [Unreleased]\n\n### Fixed\n\n{LINE}\n\n## [1.0.0] - 2026-01-01\n\n### Fixed\n\n- Old fix.\n",
            id="no title",
        ),
        pytest.param(
            "Release notes, newest first.\n",
            f"Release notes, newest first.\n\n## [Unreleased]\n\n### Fixed\n\n{LINE}\n",
            id="only prose",
        ),
        pytest.param(
            "\ufeff# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- Old fix.\n",
            f"\ufeff# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n{LINE}\n- Old fix.\n",
            id="bom",
        ),
        pytest.param(
            "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- Old fix.",
            f"# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n{LINE}\n- Old fix.",
            id="no final newline",
        ),
    ],
)  # fmt: skip
def test_changelog_entry_goes_in_keeping_every_other_byte(
    finished: Repo, before: str, after: str
) -> None:
    (finished.root / "CHANGELOG.md").write_bytes(before.encode())
    result = incident("changelog")
    assert (result.exit_code, result.stdout) == (0, f"CHANGELOG.md: added the entry for {ID}\n")
    assert (finished.root / "CHANGELOG.md").read_bytes() == after.encode()
    again = incident("changelog")
    assert again.exit_code == 0
    assert (finished.root / "CHANGELOG.md").read_bytes() == after.encode()


# --- the timeline ---------------------------------------------------------------------------

BAD_TIMELINE = (
    "# Timeline — Checkout API 500s\n"
    "\n"
    "- 2026-11-25T10:01:00+00:00 — 5xx alert fired (Ana)\n"
    "- yesterday — paged the database team (Bo)\n"
    "- 2026-11-25T10:02:00 — no offset here (Cy)\n"
    "- 2026-11-25T10:03:00+00:00 - a hyphen, not a dash (Di)\n"
    "- 2026-13-45T10:00:00Z — impossible date (Ed)\n"
    "- 2026-11-25T10:04:00Z — rolled back web (Fa)\n"
)
WARNINGS = [
    f"warning: {TIMELINE}:4: skipped: bad time 'yesterday': Invalid isoformat string: 'yesterday'",
    f"warning: {TIMELINE}:5: skipped: bad time '2026-11-25T10:02:00': it has no UTC offset (add one, e.g. +00:00)",
    f"warning: {TIMELINE}:6: skipped: not `- <ISO time> — <text> (<author>)`",
    f"warning: {TIMELINE}:7: skipped: bad time '2026-13-45T10:00:00Z': month must be in 1..12",
]  # fmt: skip


def test_timeline_lines_that_do_not_parse_are_skipped_with_a_warning(opened: Repo) -> None:
    opened.write(TIMELINE, BAD_TIMELINE)
    before = snapshot(opened.root)
    result = incident("timeline", "--json")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == WARNINGS
    events = [event["event"] for event in json.loads(result.stdout)]
    assert "5xx alert fired" in events and "rolled back web" in events
    assert snapshot(opened.root) == before


def test_log_never_drops_lines_it_cannot_parse(opened: Repo) -> None:
    opened.write(TIMELINE, BAD_TIMELINE)
    result = incident("log", "flag off", "--at", "2026-11-25T10:06:00Z", "--author", "Gi")
    assert result.exit_code == 0
    assert opened.read(TIMELINE) == (BAD_TIMELINE + "- 2026-11-25T10:06:00+00:00 — flag off (Gi)\n")


@pytest.mark.parametrize(
    "line",
    ["* 2026-11-25T10:09:00Z — star bullet (Ko)", "2026-11-25T10:09:00Z — no bullet (Ko)"],
    ids=["star bullet", "no bullet"],
)
def test_an_entry_written_without_the_dash_bullet_is_warned_about(opened: Repo, line: str) -> None:
    opened.write(TIMELINE, BAD_TIMELINE.splitlines(keepends=True)[0] + "\n" + line + "\n")
    result = incident("timeline")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"warning: {TIMELINE}:3: "), result.stderr


def test_a_timeline_line_that_is_not_utf8_is_skipped_not_the_whole_timeline(opened: Repo) -> None:
    data = BAD_TIMELINE.encode() + "- 2026-11-25T10:07:00Z — café closed (Ha)\n".encode().replace(
        b"\xc3\xa9", b"\xe9"
    )
    (opened.root / TIMELINE).write_bytes(data)
    result = incident("timeline", "--json")
    assert result.exit_code == 0
    assert f"{TIMELINE}:9: " in result.stderr, result.stderr
    events = [event["event"] for event in json.loads(result.stdout)]
    assert "5xx alert fired" in events and "rolled back web" in events
    assert (opened.root / TIMELINE).read_bytes() == data


def test_log_refuses_a_timeline_that_is_not_utf8_untouched(opened: Repo) -> None:
    data = BAD_TIMELINE.encode() + "- 2026-11-25T10:07:00Z — café (Ha)\n".encode().replace(
        b"\xc3\xa9", b"\xe9"
    )
    (opened.root / TIMELINE).write_bytes(data)
    before = snapshot(opened.root)
    result = incident("log", "x", "--at", "2026-11-25T10:08:00Z", "--milestone", "contained")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {TIMELINE}:9: not valid UTF-8 (byte 0xe9); save the file as UTF-8\n"
    )
    assert snapshot(opened.root) == before


def test_a_timeline_with_a_bom_keeps_its_first_entry(opened: Repo) -> None:
    (opened.root / TIMELINE).write_bytes(
        "\ufeff- 2026-11-25T10:01:00+00:00 — 5xx alert fired (Ana)\n".encode()
    )
    result = incident("timeline", "--json")
    assert result.exit_code == 0
    assert "5xx alert fired" in [event["event"] for event in json.loads(result.stdout)]


def test_a_crlf_timeline_gets_crlf_entries(opened: Repo) -> None:
    data = "# Timeline\r\n\r\n- 2026-11-25T10:01:00+00:00 — 5xx alert fired (Ana)\r\n".encode()
    (opened.root / TIMELINE).write_bytes(data)
    result = incident("log", "flag off", "--at", "2026-11-25T10:06:00Z", "--author", "Gi")
    assert result.exit_code == 0
    assert (opened.root / TIMELINE).read_bytes() == (
        data + "- 2026-11-25T10:06:00+00:00 — flag off (Gi)\r\n".encode()
    )


@pytest.mark.parametrize("author", ["Ana\nOncall", "Ana\x00", "Ana\x1b[31m"])
def test_an_author_that_would_tear_the_timeline_is_refused(opened: Repo, author: str) -> None:
    before = snapshot(opened.root)
    result = incident("log", "flag off", "--at", "2026-11-25T10:06:00Z", "--author", author)
    assert result.exit_code == 2
    assert_one_line(result.stderr)
    assert "author" in result.stderr
    assert snapshot(opened.root) == before
