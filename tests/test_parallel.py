"""Worker processes for list and check --all: the same answers as in-process, and failures
that surface instead of hanging or leaving processes behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import incidentflow.speed.parallel
from incidentflow.speed.parallel import WorkerFailed, map_in_processes


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incidentflow.speed.parallel.os, "cpu_count", lambda: 2)


def no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def square(n: int) -> int:
    return n * n


def pid(_: object) -> int:
    return os.getpid()


def fail_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError(f"item {n} is bad")
    return n


PARENT = os.getpid()


def killed_on_seven(n: int) -> int:
    """Item 7 gets its worker killed, as the OOM killer or a stray `kill` would."""
    if n == 7 and os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return n * n


class Unpicklable:
    def __reduce__(self) -> str:
        raise TypeError("cannot pickle this")


def unpicklable_error(n: int) -> int:
    raise RuntimeError(Unpicklable())


@pytest.mark.parametrize("count", [1, 17, 400, 2049])
def test_results_come_back_in_order(count: int) -> None:
    assert map_in_processes(square, list(range(count)), min_items=1) == [
        n * n for n in range(count)
    ]
    assert no_children_left()


def test_the_work_is_done_in_other_processes() -> None:
    assert map_in_processes(pid, [1, 2], min_items=10) == [os.getpid()] * 2
    pids = map_in_processes(pid, list(range(400)), min_items=1)
    assert len(pids) == 400
    assert os.getpid() not in pids


@pytest.mark.parametrize("min_items", [1, 100])
def test_meanwhile_runs_once_in_this_process_alongside_the_work(min_items: int) -> None:
    ran: list[int] = []
    pids = map_in_processes(
        pid, list(range(40)), min_items=min_items, meanwhile=lambda: ran.append(os.getpid())
    )
    assert len(pids) == 40
    assert ran == [os.getpid()]


def test_an_exception_in_a_worker_is_raised_here() -> None:
    with pytest.raises(ValueError, match="item 7 is bad") as raised:
        map_in_processes(fail_on_seven, list(range(100)), min_items=1)
    assert "fail_on_seven" in str(raised.value.__cause__)  # the worker's traceback
    assert no_children_left()


def test_an_exception_that_does_not_pickle_is_still_reported() -> None:
    with pytest.raises(WorkerFailed, match="RuntimeError"):
        map_in_processes(unpicklable_error, list(range(100)), min_items=1)
    assert no_children_left()


def test_the_share_of_a_worker_killed_midway_is_done_here() -> None:
    assert map_in_processes(killed_on_seven, list(range(100)), min_items=1) == [
        n * n for n in range(100)
    ]
    assert no_children_left()


def test_an_exception_meanwhile_stops_the_workers() -> None:
    def broken() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        map_in_processes(square, list(range(100_000)), min_items=1, meanwhile=broken)
    assert no_children_left()


def test_the_share_of_a_worker_that_dies_while_sending_is_done_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent, write = os.getpid(), os.write

    def cut_short(fd: int, data: bytes) -> int:
        if os.getpid() != parent and len(data) > 1000:  # a worker sending its results
            write(fd, bytes(data[: len(data) // 2]))
            os._exit(0)
        return write(fd, data)

    monkeypatch.setattr(incidentflow.speed.parallel.os, "write", cut_short)
    assert map_in_processes(square, list(range(1000)), min_items=1) == [n * n for n in range(1000)]
    assert no_children_left()


class TwoArguments(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} and {second}")  # pickles, but cannot be unpickled


def fail_oddly(n: int) -> int:
    if n == 7:
        raise TwoArguments("one", "two")
    return n


def test_an_exception_that_does_not_unpickle_keeps_the_worker_traceback() -> None:
    with pytest.raises(WorkerFailed, match="TwoArguments: one and two"):
        map_in_processes(fail_oddly, list(range(100)), min_items=1)
    assert no_children_left()


ESCAPE = """
import os, sys
sys.path.insert(0, {tests!r})
from incidentflow.speed.parallel import map_in_processes
import test_parallel

class Bad(Exception):
    def __reduce__(self): raise TypeError("does not pickle")
    def __repr__(self): raise RuntimeError("no repr")
    def __str__(self): raise RuntimeError("no str")

def fail(n):
    if n == 5:
        raise Bad()
    return n

test_parallel.fail = fail
os.environ["PARENT"] = str(os.getpid())
try:
    map_in_processes(test_parallel.fail, list(range(100)), min_items=1)
except BaseException as exc:
    print("raised", type(exc).__name__, flush=True)
print("after the call in", "parent" if os.getpid() == int(os.environ["PARENT"]) else "child", flush=True)
"""


def test_a_worker_never_returns_into_the_callers_code(tmp_path: Path) -> None:
    script = tmp_path / "escape.py"
    script.write_text(ESCAPE.format(tests=str(Path(__file__).parent)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env)
    assert result.stdout.splitlines() == ["raised WorkerFailed", "after the call in parent"]


IGNORING_PARENT = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from incidentflow.speed.parallel import map_in_processes
import test_parallel

def item(n):
    if n == 50:  # Ctrl-C at the terminal reaches the whole process group
        os.killpg(os.getpgrp(), signal.SIGINT)
    return os.getpid()

test_parallel.item = item
signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `cmd &` in a script runs it
pids = map_in_processes(test_parallel.item, list(range(2000)), min_items=1)
print(len(pids), os.getpid() in pids, flush=True)
"""


def test_workers_of_a_parent_that_ignores_ctrl_c_ignore_it_too(tmp_path: Path) -> None:
    """Before, the workers took SIGINT as a plain signal and died of it: `check --all` in a
    script's background job said "a worker process ended" and exited 70."""
    script = tmp_path / "ignoring.py"
    script.write_text(IGNORING_PARENT.format(tests=str(Path(__file__).parent)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        start_new_session=True,  # its own process group: the SIGINT stays in there
        timeout=60,
    )
    # Every item done, by the workers (had one died, its share would be done by the parent).
    assert result.stdout.split() == ["2000", "False"], result.stderr
