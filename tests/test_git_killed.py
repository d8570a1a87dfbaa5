"""A git process killed under the tool (the OOM killer, a stray `kill`) is an error that
says so — never a missing file, never a passing hook, never a reported bug."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import Repo

from incidentflow.errors import ExitCode, IncidentError
from incidentflow.git.repo import Git, Started


@pytest.fixture
def committed(repo: Repo) -> Repo:
    repo.write("app.py", "print('hi')\n")
    repo.commit_all("app")
    return repo


def test_a_killed_object_reader_is_an_error_not_an_absent_object(committed: Repo) -> None:
    git = Git(committed.root)
    try:
        assert git.objects.read("HEAD:app.py") is not None
        pid = git.objects._pid
        assert isinstance(pid, int)
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(IncidentError, match="git cat-file ended before it answered") as err:
            git.objects.read("HEAD:app.py")
        assert err.value.code == ExitCode.USAGE
    finally:
        git.close()


def test_a_killed_git_command_is_an_error_even_unchecked(committed: Repo) -> None:
    process = subprocess.Popen(  # waits on its input: killed while it waits
        ["git", "cat-file", "--batch"],
        cwd=committed.root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    started = Started(process, "cat-file")
    process.kill()
    with pytest.raises(IncidentError, match=r"git cat-file was killed \(signal 9\)"):
        started.output(check=False)


HOOK_WITH_KILLED_READER = """
import os, signal, sys
from incidentflow.git import repo

original = repo.ObjectReader.read
def read(self, name):
    os.kill(self._pid, signal.SIGKILL)  # the reader dies under the hook
    return original(self, name)
repo.ObjectReader.read = read
from incidentflow.main import main
sys.argv = ["incident", "hook", *sys.argv[1:]]
main()
"""


def test_the_hook_fails_with_one_line_when_git_dies_under_it(committed: Repo) -> None:
    """Before, a dead reader read as "every file is absent", and a write to it as a reader
    gone away (`| head`): exit 0, the commit let through."""
    from helpers_incident import new_incident, stage_path

    incident_id = new_incident()
    committed.git("add", "-A")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(HOOK_WITH_KILLED_READER),
            stage_path(incident_id, 1),
        ],
        cwd=committed.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (
        "error: git cat-file ended before it answered (was it killed?); run the command again\n"
    )
