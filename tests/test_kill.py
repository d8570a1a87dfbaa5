"""SIGKILL at random moments never leaves a file half-written.

Each test prepares a repository, computes the "after" state with one uninterrupted run in an
identical copy, then starts `python -m incidentflow …` in fresh copies many times, kills it
after a random delay, and checks that every file is byte-identical to "before" or to "after".
A hidden temporary file (`.<name>.<random>.tmp`) may be left behind by a killed write; it is
the only extra file allowed.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Repo, incident
from test_hardening import (
    META,
    TIMELINE,
    TRIAGE,
    finish,
    open_incident,
    snapshot,
    triage_done,
)

TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{6,}\.tmp$")
# The draft marker records the wall-clock second of the run; nothing else differs between runs.
DRAFT_STAMP = re.compile(rb"(<!-- ai-draft model=echo at=)\S+( -->)")

Files = dict[str, bytes | str]


def no_stamp(files: Files) -> Files:
    return {
        name: DRAFT_STAMP.sub(rb"\1<time>\2", data) if isinstance(data, bytes) else data
        for name, data in files.items()
    }


def start(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "incidentflow", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def torn_files(files: Files, before: Files, after: Files) -> list[str]:
    """Names of files that are neither as before nor as after (temporary leftovers aside)."""
    torn = []
    for name in sorted(set(files) | set(before) | set(after)):
        if name not in before and name not in after and TEMPORARY.match(name.rsplit("/", 1)[-1]):
            continue
        if files.get(name) not in (before.get(name), after.get(name)):
            torn.append(name)
    return torn


def kill_at_random(
    template: Path,
    args: list[str],
    *,
    work: Path,
    kills: int,
    env: dict[str, str] | None = None,
    normalize: Callable[[Files], Files] = lambda files: files,
) -> Counter[str]:
    """Run the kill loop for one command; fail the test on the first torn file."""
    environment = {**os.environ, **(env or {})}
    before = normalize(snapshot(template))

    references = []
    durations = []
    for name in ("after", "after-again"):
        copy = work / name
        shutil.copytree(template, copy, symlinks=True)
        began = time.monotonic()
        proc = start(args, copy, environment)
        _, err = proc.communicate(timeout=60)
        durations.append(time.monotonic() - began)
        assert proc.returncode == 0, err.decode()
        references.append(normalize(snapshot(copy)))
    after = references[0]
    assert references[1] == after, "the command is not deterministic; the test cannot judge"
    assert after != before, "the command changed nothing"
    longest = max(durations)

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    for attempt in range(kills):
        copy = work / f"kill-{attempt}"
        shutil.copytree(template, copy, symlinks=True)
        proc = start(args, copy, environment)
        delay = rng.uniform(0.0, 1.1 * longest)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        files = normalize(snapshot(copy))
        torn = torn_files(files, before, after)
        assert torn == [], (
            f"killed after {delay * 1000:.0f} ms (seed {seed}): {torn} are neither as before "
            "nor as after"
        )
        if proc.returncode == -signal.SIGKILL:
            state = "after" if files == after else "before" if files == before else "mixed"
            outcomes[f"killed, {state}"] += 1
        else:
            outcomes["finished"] += 1
        shutil.rmtree(copy)
    killed = sum(count for outcome, count in outcomes.items() if outcome.startswith("killed"))
    assert killed >= 1, f"no run was killed before it finished: {dict(outcomes)}"
    return outcomes


@pytest.fixture
def work(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


def test_kill_during_log_with_a_milestone(repo: Repo, work: Path) -> None:
    open_incident()
    # A long timeline makes the write itself take a while, so kills land inside it too.
    entries = "".join(
        f"- 2026-11-25T10:{n // 60 % 60:02d}:{n % 60:02d}+00:00 — probe {n} still failing (Ana)\n"
        for n in range(60_000)
    )
    repo.write(TIMELINE, repo.read(TIMELINE) + entries)
    args = [
        "log",
        "rolled back web to v41",
        "--milestone",
        "contained",
        "--at",
        "2026-11-25T10:40:00Z",
        "--author",
        "Bo",
    ]
    outcomes = kill_at_random(repo.root, args, work=work, kills=9)
    assert sum(outcomes.values()) == 9
    assert (repo.root / TIMELINE).exists() and (repo.root / META).exists()


def test_kill_during_next(repo: Repo, work: Path) -> None:
    open_incident()
    triage_done(repo)
    outcomes = kill_at_random(repo.root, ["next"], work=work, kills=8)
    assert sum(outcomes.values()) == 8


def test_kill_during_init(repo: Repo, work: Path) -> None:
    repo.write(
        ".pre-commit-config.yaml",
        "# our hooks\nrepos:\n  - repo: local   # keep\n    hooks:\n      - id: x\n"
        "        name: x\n        entry: 'true'\n        language: system\n",
    )
    repo.write(".gitattributes", "*.png binary\n")
    outcomes = kill_at_random(repo.root, ["init"], work=work, kills=8)
    assert sum(outcomes.values()) == 8


def test_kill_during_changelog_insertion(repo: Repo, work: Path) -> None:
    open_incident()
    finish(repo)
    old_fixes = "".join(f"- Fixed the checkout rounding bug number {n}.\n" for n in range(50_000))
    repo.write(
        "CHANGELOG.md",
        "# Changelog\n\nAll notable changes.\n\n## [1.0.0] - 2026-01-01\n\n### Fixed\n\n"
        f"{old_fixes}\n[1.0.0]: https://example.com/v1.0.0\n",
    )
    assert incident("changelog", "--check").exit_code == 1
    outcomes = kill_at_random(repo.root, ["changelog"], work=work, kills=8)
    assert sum(outcomes.values()) == 8


def test_kill_during_draft(repo: Repo, work: Path, tmp_path: Path) -> None:
    open_incident()
    llm_home = tmp_path / "llm"
    llm_home.mkdir()
    outcomes = kill_at_random(
        repo.root,
        ["draft", "-m", "echo"],
        work=work,
        kills=7,
        env={"LLM_USER_PATH": str(llm_home)},
        normalize=no_stamp,
    )
    assert sum(outcomes.values()) == 7
    assert (repo.root / TRIAGE).exists()
