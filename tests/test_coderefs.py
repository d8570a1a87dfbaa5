"""Code references: which spans are locations, and whether they resolve in a real repo."""

from __future__ import annotations

import re

import pytest
from conftest import Repo, incident
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentflow.files.markdown_sections import code_spans
from incidentflow.model.coderefs import _blank_fences, find_refs, parse_ref
from incidentflow.model.workspace import Workspace


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("src/app.py", (None, "src/app.py", None, None)),
        ("src/app.py:42", (None, "src/app.py", 42, 42)),
        ("src/app.py:40-55", (None, "src/app.py", 40, 55)),
        ("app.py", (None, "app.py", None, None)),
        ("config.yaml:3", (None, "config.yaml", 3, 3)),
        ("src/handlers/", (None, "src/handlers/", None, None)),
        ("abc1234:src/app.py:10", ("abc1234", "src/app.py", 10, 10)),
        ("HEAD~2:src/app.py", ("HEAD~2", "src/app.py", None, None)),
        ("Dockerfile", (None, "Dockerfile", None, None)),
    ],
)
def test_locations(span: str, expected: tuple[object, ...]) -> None:
    ref = parse_ref(span)
    assert ref is not None
    assert (ref.rev, ref.path, ref.start, ref.end) == expected


@pytest.mark.parametrize(
    "span", ["3f9a2c1", "deadbeef42", "0123456789abcdef0123456789abcdef01234567"]
)
def test_commit_ids(span: str) -> None:
    ref = parse_ref(span)
    assert ref is not None and ref.commit == span


@pytest.mark.parametrize(
    "span",
    [
        "pool.acquire()",
        "retries = 3",
        "os.path",
        "requests.get",
        "https://status.example.com/x.html",
        "read/write",
        "SEV1/SEV2",
        "1.2.3",
        "1234567",
        "defaced",
        "--max-retries",
        "{{ title }}",
        "example.com",
        "a:b:c:d",
        "",
    ],
)
def test_code_that_is_not_a_location(span: str) -> None:
    assert parse_ref(span) is None


def test_find_refs_skips_fences_comments_and_drafts() -> None:
    text = (
        "See `app.py:3` and `pool.get()`.\n"
        "```\n`hidden.py:1`\n```\n"
        "<!-- `commented.py` -->\n"
        "<!-- ai-draft -->\n`draft.py:9`\n<!-- /ai-draft -->\n"
        "Last: ``lib/x.py:2``\n"
    )
    refs = find_refs(text, first_line=10)
    assert [(r.text, r.line) for r in refs] == [("app.py:3", 10), ("lib/x.py:2", 18)]


def resolve(repo: Repo, span: str) -> str | None:
    ws = Workspace.open(repo.root)
    ref = parse_ref(span)
    assert ref is not None
    try:
        return ws.head_resolver().problem(ref)
    finally:
        ws.git.close()


def test_resolution_against_head(repo: Repo) -> None:
    repo.write("src/app.py", "one\ntwo\nthree\n")
    first = repo.commit_all("add app")
    repo.write("src/app.py", "one\n")
    repo.write("src/new.py", "x\n")
    repo.commit_all("shrink app")
    assert resolve(repo, "src/app.py:1") is None
    assert (
        resolve(repo, "src/app.py:2")
        == "`src/app.py:2` is past the end of src/app.py (1 lines in HEAD)"
    )
    assert resolve(repo, f"{first[:7]}:src/app.py:3") is None
    assert resolve(repo, "src/missing.py") == "`src/missing.py` does not exist in HEAD"
    assert resolve(repo, "src/") is None
    assert resolve(repo, "src/:3") == "`src/:3` gives lines for a directory"
    # A commit id needs a digit and a letter; a sha's first 8 characters are all digits in
    # about 1 run in 40 (the sha changes with the commit time), so take a longer prefix then.
    abbreviated = next(
        first[:n] for n in range(8, 41) if not first[:n].isdigit() and not first[:n].isalpha()
    )
    assert resolve(repo, abbreviated) is None
    assert resolve(repo, "abcdef1234") == "`abcdef1234` is not a commit in this repository"
    assert resolve(repo, "src/app.py:5-2") == "`src/app.py:5-2` has an empty or reversed line range"


def test_a_repo_without_commits_resolves_in_the_working_tree(repo: Repo) -> None:
    """Before the first commit, `incident check` finds cited code where it is: on disk."""
    repo.write("src/app.py", "x\n")
    assert resolve(repo, "src/app.py") is None
    assert resolve(repo, "src/gone.py") == (
        "`src/gone.py` does not exist in HEAD (the repository has no commits yet)"
    )


def test_a_working_tree_file_counts_for_check(repo: Repo) -> None:
    """A line not committed yet may cite code not committed yet; the hook still wants it in
    the index."""
    repo.write("README.md", "x\n")
    repo.commit_all()
    repo.write("src/later.py", "x\n")
    assert resolve(repo, "src/later.py") is None
    assert resolve(repo, "src/later.py:2") == (
        "`src/later.py:2` is past the end of src/later.py (1 lines in the working tree)"
    )
    assert incident("--help").exit_code == 0


# --- the scanners against the regular expressions that define them -------------------------

# CommonMark's pairing of backtick runs, and fenced blocks as find_refs hides them, written as
# the plain regular expressions the faster scanners in the code must agree with.
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
FENCE = re.compile(r"(?ms)^ {0,3}(`{3,}|~{3,}).*?(^ {0,3}\1[`~]*[ \t]*$|\Z)")
PIECES = st.sampled_from(
    ["`", "``", "```", "````", "``````", "~~~", "~~~~", "```~~", "    ```", "   ```", "\n",
     "\n", "\n```\n", "\n~~~ info\n", " ", " \t", "x", "a b", "\r\n", "<!--", "-->",
     "<!-- ai-draft -->", "<!-- /ai-draft -->", "app.py", "src/app.py:42", "3f9a2c1"]
)  # fmt: skip


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_code_spans_pair_backtick_runs_as_the_regex_does(text: str) -> None:
    expected = [(m.start(2), m.end(2)) for m in CODE_SPAN.finditer(text)]
    assert code_spans(text) == expected


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_fenced_blocks_are_blanked_as_the_regex_does(text: str) -> None:
    expected = FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    assert _blank_fences(text) == expected
    assert len(_blank_fences(text)) == len(text)
