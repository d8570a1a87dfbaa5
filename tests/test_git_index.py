"""Reading entries straight from the index file agrees with `git ls-files`, or defers to it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
from conftest import Repo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentflow.git.index_file import IndexFile, open_index
from incidentflow.git.repo import Git

SEGMENT = st.text(alphabet=st.sampled_from("abcxyz019-_. é✓TREE"), min_size=1, max_size=12).filter(
    lambda s: s not in {".", ".."} and not s.startswith(".git")
)
PATHS = st.lists(
    st.lists(SEGMENT, min_size=1, max_size=4).map("/".join), min_size=1, max_size=60, unique=True
)


def piped(repo: Repo, *args: str, text: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo.root, input=text, capture_output=True, text=True, check=True
    )
    return proc.stdout


def stage(repo: Repo, paths: list[str], *, stage_no: int = 0) -> None:
    """Put ``paths`` in the index, each with its own object id, without touching the tree."""
    lines = []
    for path in paths:
        content = f"{path} {stage_no}".encode()
        blob = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
        lines.append(f"100644 {blob} {stage_no}\t{path}\n")
    piped(repo, "update-index", "--index-info", text="".join(lines))


def ls_files(repo: Repo) -> dict[str, str]:
    """Every stage-0 entry, as git lists them."""
    found = {}
    for record in filter(None, repo.git("ls-files", "--stage", "-z").split("\0")):
        meta, _, path = record.partition("\t")
        _mode, blob, number = meta.split()
        if number == "0":
            found[path] = blob
    return found


def agrees_with_git(repo: Repo, queries: list[str]) -> None:
    index = open_index(str(repo.root))
    assert index is not None
    staged = ls_files(repo)
    try:
        for query in queries:
            if query.endswith("/"):
                expected = {path: blob for path, blob in staged.items() if path.startswith(query)}
                assert index.under(query) == expected, query
                assert index.has_under(query) == bool(expected), query
            else:
                assert index.blob(query) == staged.get(query), query
    finally:
        index.close()


def queries_for(paths: list[str]) -> list[str]:
    """Every path, every directory of one, and near misses on both sides."""
    queries = set(paths)
    for path in paths:
        parts = path.split("/")
        queries.update("/".join(parts[:n]) + "/" for n in range(1, len(parts)))
        queries.update({path + "x", path[:-1], path + "/", "0" + path, "~" + path})
    return sorted(queries)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(paths=PATHS, version=st.sampled_from(["2", "3"]), cache_tree=st.booleans())
def test_lookups_match_ls_files(
    repo: Repo, paths: list[str], version: str, cache_tree: bool
) -> None:
    repo = repo
    repo.git("read-tree", "--empty")
    stage(repo, paths)
    if cache_tree:
        repo.git("write-tree", "--missing-ok")  # records the TREE extension after the entries
    repo.git("update-index", "--index-version", version)
    agrees_with_git(repo, queries_for(paths))


@pytest.mark.parametrize("extras", [[], ["-c", "index.recordEndOfIndexEntries=true"]])
def test_binary_search_over_thousands_of_entries(repo: Repo, extras: list[str]) -> None:
    repo = repo
    paths = [
        f"incidents/2026-01-{n % 28 + 1:02d}-outage-{n}/0{n % 4 + 1}-stage.md" for n in range(3000)
    ]
    paths += [f"app/module_{n}.py" for n in range(500)] + ["CHANGELOG.md", "zz/last"]
    stage(repo, paths)
    repo.git(*extras, "write-tree", "--missing-ok")
    repo.git(*extras, "update-index", "--index-version", "2")
    sample = [
        *paths[::97],
        "incidents/README.md",
        "incidents/2026-01-05-outage-4/",
        "zz/",
        "zzz",
        "a",
    ]
    agrees_with_git(repo, queries_for(sample))


def test_conflicted_and_intent_to_add_entries(repo: Repo) -> None:
    stage(repo, ["notes/conflict.md"], stage_no=1)
    stage(repo, ["notes/conflict.md"], stage_no=2)
    repo.write("notes/new.md", "draft\n")
    repo.git("add", "--intent-to-add", "notes/new.md")  # an extended flag: index version 3
    index = open_index(str(repo.root))
    assert index is not None
    assert index.blob("notes/conflict.md") is None  # only stages 1 and 2: unresolved
    assert index.under("notes/") == ls_files(repo)
    assert "notes/new.md" in index.under("notes/")


def test_a_path_longer_than_the_length_field(repo: Repo) -> None:
    long_path = "/".join(["d" * 200] * 22) + "/file.md"  # over 4095 bytes
    stage(repo, ["a/first", long_path, "z/last"])
    agrees_with_git(repo, [long_path, "d" * 200 + "/", "z/last", "a/first"])


def test_temporary_index_from_the_environment(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hooks get GIT_INDEX_FILE, often relative (`.git/index.lock`) during `git commit`."""
    stage(repo, ["kept.md"])
    shutil.copy(repo.root / ".git" / "index", repo.root / ".git" / "other-index")
    stage(repo, ["only-in-main-index.md"])
    monkeypatch.setenv("GIT_INDEX_FILE", ".git/other-index")
    index = open_index(str(repo.root))
    assert index is not None
    assert index.blob("kept.md") is not None
    assert index.blob("only-in-main-index.md") is None
    monkeypatch.setenv("GIT_INDEX_FILE", str(repo.root / ".git" / "missing-index"))
    index = open_index(str(repo.root))
    assert index is not None and index.blob("kept.md") is None  # no index reads as empty


def test_linked_worktree(repo: Repo, tmp_path_factory: pytest.TempPathFactory) -> None:
    repo.write("base.md", "base\n")
    repo.commit_all("base")
    other = tmp_path_factory.mktemp("wt") / "tree"
    repo.git("worktree", "add", "-q", str(other))
    (other / "fresh.md").write_text("x\n")
    subprocess.run(["git", "add", "fresh.md"], cwd=other, check=True)
    index = open_index(str(other))
    assert index is not None
    assert index.blob("fresh.md") is not None
    main_index = open_index(str(repo.root))
    assert main_index is not None and main_index.blob("fresh.md") is None


@pytest.mark.parametrize(
    "setup",
    [
        ["update-index", "--index-version", "4"],
        ["update-index", "--split-index"],
        ["sparse-checkout", "set", "--no-cone", "/docs/"],
    ],
    ids=["version-4", "split-index", "sparse-checkout"],
)
def test_formats_left_to_git(repo: Repo, setup: list[str]) -> None:
    stage(repo, ["docs/a.md", "incidents/x/01-triage.md"])
    repo.git(*setup)
    assert open_index(str(repo.root)) is None
    git = Git(repo.root)
    try:
        expected = git.staged_blobs(["incidents/x/", "docs/a.md"])
        assert expected  # the fallback still answers, through git
        assert git.staged_entries(["incidents/x/", "docs/a.md"]) == expected
        assert git.has_staged_under("incidents/")
    finally:
        git.close()


def test_sha256_repository_is_left_to_git(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("sha256")
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(root)], check=True)
    (root / "a.md").write_text("a\n")
    subprocess.run(["git", "add", "a.md"], cwd=root, check=True)
    assert open_index(str(root)) is None
    git = Git(root)
    try:
        assert list(git.staged_entries(["a.md"])) == ["a.md"]
    finally:
        git.close()


def test_not_an_index(repo: Repo) -> None:
    with pytest.raises(Exception, match="not an index"):
        IndexFile(b"PACK" + bytes(40))
    (repo.root / ".git" / "index").write_bytes(b"")
    assert open_index(str(repo.root)) is None


@pytest.mark.parametrize("lookalike", [0o100644, 0o120000])
@pytest.mark.parametrize("mixed", [True, False], ids=["mixed", "every-entry"])
def test_an_entry_field_holding_a_mode_does_not_mislead_the_search(
    repo: Repo, lookalike: int, mixed: bool
) -> None:
    """A group id of 33188 is the bytes of mode 100644. Read 8 bytes into such an entry, the
    rest parses as a shorter entry named by the real name's tail ("0-" reads as a length of
    45), ending where the real entry ends. Such ambiguity is left to git."""
    names = [f"fonts/0-abc{n:05d}".ljust(53, "x") for n in range(1500)]
    if mixed:
        names += [f"fonts/0-abc{n:05d}" + "y" * (1 + n * 7 % 23) for n in range(1500)]
    stage(repo, [*names, *(f"doc{n:04d}.md" for n in range(300))])
    index_path = repo.root / ".git" / "index"
    data = bytearray(index_path.read_bytes())
    assert data[4:8] == (2).to_bytes(4, "big")
    pos = 12
    for _ in range(int.from_bytes(data[8:12], "big")):
        data[pos + 32 : pos + 36] = lookalike.to_bytes(4, "big")  # the group id
        length = int.from_bytes(data[pos + 60 : pos + 62], "big") & 0xFFF
        pos += (62 + length + 8) & ~7
    data[-20:] = hashlib.sha1(bytes(data[:-20])).digest()  # git checks the checksum
    index_path.write_bytes(bytes(data))
    staged = ls_files(repo)
    git = Git(repo.root)
    try:
        for name in [*names[::7], "doc0001.md"]:
            assert git.staged_entries([name]) == {name: staged[name]}, name
        assert git.staged_entries(["fonts/"]) == {
            path: blob for path, blob in staged.items() if path.startswith("fonts/")
        }
        assert git.has_staged_under("fonts/")
    finally:
        git.close()


def test_paths_git_would_normalize_are_left_to_git(repo: Repo) -> None:
    """`./src/app.py` in a code reference means src/app.py, as `git cat-file :./src/app.py`."""
    repo.write("src/app.py", "a\nb\n")
    repo.git("add", "src/app.py")
    git = Git(repo.root)
    try:
        for spelled in ("src/app.py", "./src/app.py"):
            found = git.staged_object(spelled)
            assert found is not None and found.data == b"a\nb\n", spelled
        assert git.staged_object("src/./app.py") is None  # as `git cat-file :src/./app.py`
        assert git.has_staged_under("./src/")
        assert git.staged_entries(["./src/"]) == git.staged_entries(["src/"])
    finally:
        git.close()
