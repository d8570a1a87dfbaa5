"""`incident init`: set a repository up, preserve what is there, and change nothing twice."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo, incident

from incidentflow.model.config import Config, load_config

HOOK_BLOCK = """\
  - repo: local
    hooks:
      - id: incident-check
        name: incident stages in order, changelog entry
        entry: incident hook
        language: system
        files: ^incidents/
        require_serial: true
        stages: [pre-commit, pre-merge-commit]
"""

NEXT_STEP = (
    "next: pre-commit install -t pre-commit -t pre-merge-commit   "
    "(or use incident init --git-hook without pre-commit)"
)
ATTRIBUTE = "incidents/**/timeline.md merge=union"
NOT_OURS = (
    "error: .git/hooks/pre-commit already exists and is not incidentflow's hook; "
    "rerun with --force to replace it, or call `incident hook` from it\n"
)

# A config someone has lived with: comments everywhere, several repos, keys after `repos`.
EXISTING_CONFIG = """\
# Our hooks. Run `pre-commit autoupdate` monthly.
default_language_version:
  python: python3   # pinned on purpose

repos:
  # formatting first
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0   # bump with autoupdate
    hooks:
      - id: trailing-whitespace
      - id: end-of-file-fixer
        exclude: ^docs/   # generated

  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.6.9
    hooks:
      - id: ruff
        args: [--fix]
  # local hooks last
  - repo: local
    hooks:
      - id: no-merge-markers
        name: no merge markers
        entry: "^(<<<<<<<|>>>>>>>)"
        language: pygrep

# Settings for pre-commit.ci
ci:
  autofix_prs: false   # we review fixes
"""


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` outside .git, with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def pre_commit_accepts(root: Path) -> bool:
    """Ask the real pre-commit framework whether the config is valid."""
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    return proc.returncode == 0


def init_twice_changes_nothing(repo: Repo, *args: str) -> None:
    before = files_of(repo.root)
    again = incident("init", *args)
    assert (again.exit_code, again.stdout) == (0, "already set up; nothing changed\n")
    assert files_of(repo.root) == before


def test_init_in_a_fresh_repository(repo: Repo) -> None:
    result = incident("init")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "created incidents/",
        "created .incident.yaml",
        "created .gitattributes",
        "created .pre-commit-config.yaml",
        NEXT_STEP,
    ]
    files = files_of(repo.root)
    assert files.pop(".gitattributes") == (ATTRIBUTE + "\n").encode()
    assert files.pop(".pre-commit-config.yaml") == ("repos:\n" + HOOK_BLOCK).encode()
    assert files.pop("incidents/.gitkeep") == b""
    assert list(files) == [".incident.yaml"]
    assert pre_commit_accepts(repo.root)
    init_twice_changes_nothing(repo)


def test_config_lists_the_defaults_commented_out(repo: Repo) -> None:
    assert incident("init").exit_code == 0
    lines = repo.read(".incident.yaml").splitlines()
    assert all(line.startswith("#") for line in lines)
    assert load_config(repo.root) == Config(root=repo.root)
    # Uncommented, every value is valid, and every one without an example marker is a default.
    uncommented = [line[2:] if line.startswith("# ") else line for line in lines]
    repo.write(".incident.yaml", "\n".join(uncommented[2:]) + "\n")
    loaded = load_config(repo.root)
    examples = {"templates_dir": ".incident-templates", "ai_model": "gpt-4o-mini"}
    assert loaded == Config(root=repo.root, **examples)
    documented = {line.split(":")[0] for line in uncommented[2:] if not line.startswith(" ")}
    assert documented == {
        "incidents_dir",
        "changelog",
        "timezone",
        "severities",
        "roles",
        "recent_changes",
        "templates_dir",
        "ai",
        "actions",
        "stages",
    }


def test_existing_pre_commit_config_is_kept_byte_for_byte(repo: Repo) -> None:
    repo.write(".pre-commit-config.yaml", EXISTING_CONFIG)
    assert incident("init").exit_code == 0
    after = repo.read(".pre-commit-config.yaml")
    # The hook goes at the end of `repos`, above the comment that belongs to `ci:`.
    assert after == EXISTING_CONFIG.replace(
        "        language: pygrep\n", "        language: pygrep\n" + HOOK_BLOCK
    )
    assert pre_commit_accepts(repo.root)
    init_twice_changes_nothing(repo)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("", "repos:\n" + HOOK_BLOCK, id="empty file"),
        pytest.param(
            "# hooks go here\n", "# hooks go here\nrepos:\n" + HOOK_BLOCK, id="only comments"
        ),
        pytest.param(
            "repos: []  # none yet\nfail_fast: true\n",
            "repos:  # none yet\n" + HOOK_BLOCK + "fail_fast: true\n",
            id="empty repos with a comment",
        ),
        pytest.param("repos:\n", "repos:\n" + HOOK_BLOCK, id="null repos"),
        pytest.param(
            "fail_fast: true\n", "fail_fast: true\nrepos:\n" + HOOK_BLOCK, id="no repos key"
        ),
        pytest.param(
            "repos:\n- repo: local\n  hooks: []\n",
            "repos:\n- repo: local\n  hooks: []\n"
            + "\n".join(line[2:] for line in HOOK_BLOCK.splitlines())
            + "\n",
            id="list items at the key's indentation",
        ),
        pytest.param(
            "repos:\n  - repo: local\n    hooks: []",
            "repos:\n  - repo: local\n    hooks: []\n" + HOOK_BLOCK,
            id="no final newline",
        ),
        pytest.param(
            "---\nrepos:\n  - repo: local\n    hooks: []\n...\n",
            "---\nrepos:\n  - repo: local\n    hooks: []\n" + HOOK_BLOCK + "...\n",
            id="document markers",
        ),
        pytest.param(
            "repos:\n  - repo: local\n    hooks: []\n  # - repo: https://example.com/x\n\n# end\n",
            "repos:\n  - repo: local\n    hooks: []\n  # - repo: https://example.com/x\n"
            + HOOK_BLOCK
            + "\n# end\n",
            id="trailing comments",
        ),
    ],
)
def test_hook_block_merged_into_config(repo: Repo, before: str, after: str) -> None:
    (repo.root / ".pre-commit-config.yaml").write_bytes(before.encode())
    result = incident("init")
    assert result.exit_code == 0, result.stderr
    assert repo.read(".pre-commit-config.yaml") == after
    assert pre_commit_accepts(repo.root)
    init_twice_changes_nothing(repo)


def test_crlf_config_stays_crlf(repo: Repo) -> None:
    crlf = EXISTING_CONFIG.replace("\n", "\r\n").encode()
    (repo.root / ".pre-commit-config.yaml").write_bytes(crlf)
    assert incident("init").exit_code == 0
    expected = EXISTING_CONFIG.replace(
        "        language: pygrep\n", "        language: pygrep\n" + HOOK_BLOCK
    ).replace("\n", "\r\n")
    assert (repo.root / ".pre-commit-config.yaml").read_bytes() == expected.encode()
    init_twice_changes_nothing(repo)


def test_config_already_using_the_published_hook_is_left_alone(repo: Repo) -> None:
    published = (
        "repos:\n"
        "  - repo: https://github.com/incidentflow/incidentflow\n"
        "    rev: v0.1.0\n"
        "    hooks:\n"
        "      - id: incident-check\n"
    )
    repo.write(".pre-commit-config.yaml", published)
    result = incident("init")
    assert ".pre-commit-config.yaml" not in result.stdout
    assert repo.read(".pre-commit-config.yaml") == published


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "repos: [{repo: local, hooks: []}]\n",
            "error: .pre-commit-config.yaml:1: `repos` is not a block list; "
            "add the incident-check hook by hand\n",
        ),
        (
            "- repo: local\n",
            "error: .pre-commit-config.yaml:1: expected a mapping with a `repos:` list\n",
        ),
        (
            "repos:\n  - repo: local\n   hooks: []\n",
            "error: .pre-commit-config.yaml:3: invalid YAML: "
            "expected <block end>, but found '<block mapping start>'\n",
        ),
    ],
)
def test_config_init_cannot_edit_is_reported_and_left_alone(
    repo: Repo, config: str, message: str
) -> None:
    repo.write(".pre-commit-config.yaml", config)
    result = incident("init")
    assert (result.exit_code, result.stderr) == (2, message)
    assert repo.read(".pre-commit-config.yaml") == config


def test_gitattributes_line_added_once(repo: Repo) -> None:
    (repo.root / ".gitattributes").write_bytes(b"*.png binary\r\n*.sh text eol=lf")
    assert incident("init").exit_code == 0
    assert (repo.root / ".gitattributes").read_bytes() == (
        b"*.png binary\r\n*.sh text eol=lf\r\n" + ATTRIBUTE.encode() + b"\r\n"
    )
    init_twice_changes_nothing(repo)


def test_gitattributes_line_already_there_is_recognised(repo: Repo) -> None:
    repo.write(".gitattributes", "incidents/**/timeline.md   merge=union\n")
    result = incident("init")
    assert ".gitattributes" not in result.stdout
    assert repo.read(".gitattributes") == "incidents/**/timeline.md   merge=union\n"


def test_union_merge_really_applies_to_timelines(repo: Repo) -> None:
    """Two branches logging to one timeline merge without a conflict."""
    assert incident("init").exit_code == 0
    repo.write("incidents/2026-11-25-x/timeline.md", "# Timeline\n\n- 10:00 — opened (ana)\n")
    repo.commit_all("start")
    repo.git("switch", "-q", "-c", "other")
    repo.write(
        "incidents/2026-11-25-x/timeline.md",
        "# Timeline\n\n- 10:00 — opened (ana)\n- 10:07 — paged db team (bo)\n",
    )
    repo.commit_all("bo")
    repo.git("switch", "-q", "main")
    repo.write(
        "incidents/2026-11-25-x/timeline.md",
        "# Timeline\n\n- 10:00 — opened (ana)\n- 10:05 — rolled back (ana)\n",
    )
    repo.commit_all("ana")
    repo.git("merge", "-q", "--no-edit", "other")
    merged = repo.read("incidents/2026-11-25-x/timeline.md")
    assert "rolled back (ana)" in merged
    assert "paged db team (bo)" in merged


def test_custom_incidents_dir(repo: Repo) -> None:
    repo.write(".incident.yaml", "incidents_dir: ops/incidents\n")
    result = incident("init")
    assert result.stdout.splitlines()[:3] == [
        "created ops/incidents/",
        "created .gitattributes",
        "created .pre-commit-config.yaml",
    ]
    assert repo.read(".incident.yaml") == "incidents_dir: ops/incidents\n"
    assert repo.read(".gitattributes") == "ops/incidents/**/timeline.md merge=union\n"
    assert repo.read(".pre-commit-config.yaml") == "repos:\n" + HOOK_BLOCK.replace(
        "^incidents/", "^ops/incidents/"
    )
    assert (repo.root / "ops/incidents/.gitkeep").exists()


def test_incidents_at_the_top_level(repo: Repo) -> None:
    repo.write(".incident.yaml", "incidents_dir: .\n")
    assert incident("init").exit_code == 0
    assert repo.read(".gitattributes") == "*/timeline.md merge=union\n"
    assert repo.read(".pre-commit-config.yaml") == "repos:\n" + HOOK_BLOCK.replace(
        "^incidents/", "^\\d{4}-\\d{2}-\\d{2}-[^/]+/"
    )
    assert pre_commit_accepts(repo.root)


def test_init_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = incident("init")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: not inside a git repository — run this from your repo, or run `git init` first\n",
    )
    assert list(tmp_path.iterdir()) == []


# --- The plain git hook -------------------------------------------------------------------


def test_git_hook_installed_executable_and_idempotent(repo: Repo) -> None:
    result = incident("init", "--git-hook")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "created incidents/",
        "created .incident.yaml",
        "created .gitattributes",
        "created .git/hooks/pre-commit",
        "created .git/hooks/pre-merge-commit",
    ]
    hook = repo.root / ".git/hooks/pre-commit"
    assert hook.stat().st_mode & stat.S_IXUSR
    script = hook.read_text()
    assert script.startswith("#!/bin/sh\n")
    assert f"INCIDENT_PYTHON={shlex.quote(sys.executable)}\n" in script
    merge_hook = repo.root / ".git/hooks/pre-merge-commit"
    assert merge_hook.read_text() == script and merge_hook.stat().st_mode & stat.S_IXUSR
    assert not (repo.root / ".pre-commit-config.yaml").exists()
    init_twice_changes_nothing(repo, "--git-hook")
    assert hook.read_text() == script


def test_git_hook_refuses_to_replace_another_hook(repo: Repo) -> None:
    hook = repo.root / ".git/hooks/pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\nexec make lint\n")
    refused = incident("init", "--git-hook")
    assert (refused.exit_code, refused.stderr) == (2, NOT_OURS)
    assert hook.read_text() == "#!/bin/sh\nexec make lint\n"
    assert not (repo.root / ".git/hooks/pre-merge-commit").exists()  # neither is written

    forced = incident("init", "--git-hook", "--force")
    assert forced.exit_code == 0
    assert "updated .git/hooks/pre-commit" in forced.stdout.splitlines()
    assert "incident init --git-hook" in hook.read_text()


def test_git_hook_of_an_older_install_is_updated_without_force(repo: Repo) -> None:
    hook = repo.root / ".git/hooks/pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\n# installed by `incident init --git-hook`\nexec /old/python -m x\n")
    result = incident("init", "--git-hook")
    assert result.exit_code == 0
    assert f"INCIDENT_PYTHON={shlex.quote(sys.executable)}\n" in hook.read_text()


def test_git_hook_honours_core_hooks_path(repo: Repo) -> None:
    repo.git("config", "core.hooksPath", "githooks")
    assert incident("init", "--git-hook").exit_code == 0
    assert (repo.root / "githooks/pre-commit").is_file()
    assert not (repo.root / ".git/hooks/pre-commit").exists()
    assert os.access(repo.root / "githooks/pre-commit", os.X_OK)


def test_git_hook_quotes_an_unusual_interpreter_path(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = '/opt/on call\'s $HOME/bin/python "3"'
    monkeypatch.setattr(sys, "executable", odd)
    assert incident("init", "--git-hook").exit_code == 0
    script = (repo.root / ".git/hooks/pre-commit").read_text()
    assignment = next(line for line in script.splitlines() if line.startswith("INCIDENT_PYTHON="))
    shell = subprocess.run(
        ["sh", "-c", f'{assignment}\nprintf %s "$INCIDENT_PYTHON"'],
        capture_output=True,
        text=True,
    )
    assert shell.stdout == odd


@pytest.mark.parametrize("incidents_dir", ["a b", "ops[1]/in*", 'say "hi"', "#notes", "plain"])
def test_timelines_get_merge_union_whatever_the_incidents_dir_is_called(
    repo: Repo, incidents_dir: str
) -> None:
    """An unquoted `a b/**/timeline.md` is two words to git, which then rejects the line on
    every command, and timelines lose their union merge."""
    repo.write(".incident.yaml", f"incidents_dir: {json.dumps(incidents_dir)}\n")
    result = incident("init")
    assert result.exit_code == 0, result.stderr
    timeline = f"{incidents_dir}/2026-11-25-x/timeline.md"
    checked = subprocess.run(
        ["git", "check-attr", "-z", "merge", "--", timeline],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert checked.stderr == ""
    assert checked.stdout == f"{timeline}\0merge\0union\0"
    neighbour = subprocess.run(
        ["git", "check-attr", "merge", "--", "other/2026-11-25-x/timeline.md"],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert neighbour.stdout.endswith("merge: unspecified\n")
    assert incident("init").stdout == "already set up; nothing changed\n"
