"""Fixtures: real git repositories in temporary directories, independent of machine config."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from incidentflow.cli import cli
from incidentflow.main import main

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ana Oncall",
    "GIT_AUTHOR_EMAIL": "ana@example.com",
    "GIT_COMMITTER_NAME": "Ana Oncall",
    "GIT_COMMITTER_EMAIL": "ana@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin author/committer and hide the machine's git config from every test."""
    home = tmp_path_factory.mktemp("home")
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n\ttemplateDir =\n[commit]\n\tgpgsign = false\n"
        "[tag]\n\tgpgsign = false\n"
    )
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "INCIDENTFLOW_DEBUG"):
        monkeypatch.delenv(key, raising=False)


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in ``root`` and return stdout; fail the test on error."""
    proc = subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


@dataclass
class Repo:
    """A temporary git working tree; the current directory while the test runs."""

    root: Path

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        return git(self.root, *args, env=env)

    def write(self, relpath: str, text: str) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def read(self, relpath: str) -> str:
        return (self.root / relpath).read_text(encoding="utf-8")

    def commit_all(self, message: str = "commit", *, date: str | None = None) -> str:
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", message, env=env)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Repo]:
    """An empty git repository (no commits), as the current directory."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    monkeypatch.chdir(root)
    yield Repo(root)


def incident(*args: str) -> Result:
    """Run `incident ARGS` in-process, with stdout and stderr kept apart."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


HookRunner = Callable[..., Outcome]


@pytest.fixture
def hook(capsys: pytest.CaptureFixture[str]) -> HookRunner:
    """Run `incident hook ARGS` in-process through the console script's entry point."""

    def run(*args: str) -> Outcome:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(["hook", *args])
        out, err = capsys.readouterr()
        code = exited.value.code
        assert isinstance(code, int)
        return Outcome(code, out, err)

    return run
