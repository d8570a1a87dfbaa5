"""What the hook sees as staged agrees with `git ls-files --stage` on every index git writes."""

from __future__ import annotations

import hashlib
import subprocess

import pytest
from conftest import HookRunner, Repo, incident
from helpers_incident import app_file, build, new_incident, stage_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentflow.git.repo import Git
from incidentflow.git.snapshot import StagedIndex

SEGMENT = st.text(alphabet=st.sampled_from("abcxyz019-_. é✓TREE*[?"), min_size=1, max_size=12)
PATHS = st.lists(
    st.lists(
        SEGMENT.filter(lambda s: s not in {".", ".."} and not s.startswith(".git")),
        min_size=1,
        max_size=4,
    ).map("/".join),
    min_size=1,
    max_size=40,
    unique=True,
)


def stage(repo: Repo, paths: list[str], *, stage_no: int = 0) -> None:
    """Put ``paths`` in the index, each with its own object id, without touching the tree."""
    lines = []
    for path in paths:
        content = f"{path} {stage_no}".encode()
        blob = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
        lines.append(f"100644 {blob} {stage_no}\t{path}\n")
    subprocess.run(
        ["git", "update-index", "--index-info"],
        cwd=repo.root,
        input="".join(lines),
        text=True,
        check=True,
    )


def listed(repo: Repo) -> dict[str, str]:
    """Every stage-0 entry, as git lists them."""
    found = {}
    for record in filter(None, repo.git("ls-files", "--stage", "-z").split("\0")):
        meta, _, path = record.partition("\t")
        _mode, blob, number = meta.split()
        if number == "0":
            found[path] = blob
    return found


def agrees_with_git(repo: Repo, queries: list[str]) -> None:
    expected = listed(repo)
    git = Git(repo.root)
    try:
        for query in queries:
            answer = git.staged([query]).blobs
            if query.endswith("/"):
                wanted = {p: b for p, b in expected.items() if p.startswith(query)}
            else:
                wanted = {
                    p: b for p, b in expected.items() if p == query or p.startswith(query + "/")
                }
            assert answer == wanted, query
    finally:
        git.close()


def queries_for(paths: list[str]) -> list[str]:
    """Every path, every directory of one, and near misses."""
    queries = set(paths)
    for path in paths:
        parts = path.split("/")
        queries.update("/".join(parts[:n]) + "/" for n in range(1, len(parts)))
        queries.update({path + "x", path + "/", "0" + path})
    return sorted(queries)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    paths=PATHS,
    setup=st.sampled_from(
        [[], ["update-index", "--index-version", "4"], ["update-index", "--split-index"]]
    ),
    cache_tree=st.booleans(),
)
def test_every_lookup_matches_ls_files(
    repo: Repo, paths: list[str], setup: list[str], cache_tree: bool
) -> None:
    repo.git("read-tree", "--empty")
    stage(repo, paths)
    if cache_tree:
        repo.git("write-tree", "--missing-ok")  # records the TREE extension after the entries
    if setup:
        repo.git(*setup)
    agrees_with_git(repo, queries_for(paths))


def test_a_sha256_repository(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("sha256")
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(root)], check=True)
    (root / "a.md").write_text("a\n")
    subprocess.run(["git", "add", "a.md"], cwd=root, check=True)
    git = Git(root)
    try:
        staged = StagedIndex(git, git.staged(["a.md"]))
        assert staged.read("a.md") == b"a\n"
    finally:
        git.close()


def test_a_conflicted_path_is_a_conflict_not_a_missing_file(repo: Repo) -> None:
    stage(repo, ["notes/conflict.md"], stage_no=1)
    stage(repo, ["notes/conflict.md"], stage_no=2)
    git = Git(repo.root)
    try:
        staged = StagedIndex(git, git.staged(["notes/"]))
        assert staged.paths() == ["notes/conflict.md"]
        with pytest.raises(Exception, match="has unresolved merge conflicts"):
            staged.read("notes/conflict.md")
    finally:
        git.close()


def test_a_changelog_named_like_an_index_extension_is_read(repo: Repo, hook: HookRunner) -> None:
    """An index with no extensions (as before the first commit, or a fresh one) whose last
    entry's path ends in `TREE` once made the hook lose that entry and refuse a correct
    commit."""
    repo.write(".incident.yaml", "changelog: z/RELEASE-TREE\n")
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=4)

    def restage() -> None:
        (repo.root / ".git" / "index").unlink()
        repo.git("add", "-A")  # a fresh index: no cache-tree extension

    restage()
    first = hook(stage_path(incident_id, 4))
    assert first.code == 1 and "added the changelog entry" in first.stdout
    restage()
    second = hook(stage_path(incident_id, 4))
    assert (second.code, second.stdout) == (0, "")


def test_a_stage_file_left_in_a_merge_conflict_is_named_as_such(
    repo: Repo, hook: HookRunner
) -> None:
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=1)
    repo.commit_all("triage")
    triage = stage_path(incident_id, 1)
    repo.git("switch", "-q", "-c", "other")
    repo.write(triage, repo.read(triage).replace("## Impact", "## Impact\n\nOther side."))
    repo.commit_all("other side")
    repo.git("switch", "-q", "main")
    repo.write(triage, repo.read(triage).replace("## Impact", "## Impact\n\nThis side."))
    repo.commit_all("this side")
    merged = subprocess.run(["git", "merge", "-q", "other"], cwd=repo.root, capture_output=True)
    assert merged.returncode != 0  # a conflict, as wanted
    outcome = hook(triage)
    assert outcome.code == 1
    assert f"{triage}: has unresolved merge conflicts; resolve them and `git add` it" in (
        outcome.stdout
    )
    assert "missing" not in outcome.stdout
    check = incident("check", incident_id)
    assert check.exit_code == 1
    assert f"{triage}:" in check.stdout and "unresolved merge conflict markers" in check.stdout
