"""Spread independent per-incident work over the machine's cores when there is enough of it.

Workers are forked straight from this process, with pipes for the work and the results:
a run of `incident list` is about a second, and `multiprocessing` would spend a few
percent of it importing itself and starting its pool (queues and helper threads).
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, starting worker processes costs more than it saves.
MIN_ITEMS = 400
_NUMBER = 4  # bytes of a chunk number in the work pipe


class WorkerFailed(Exception):
    """The cause given to a worker's exception: the traceback it had in the worker."""


def map_in_processes(
    function: Callable[[T], R],
    items: Sequence[T],
    *,
    min_items: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[R]:
    """``[function(item) for item in items]``, in forked worker processes when worthwhile.

    ``function`` may be any callable (a closure: the workers are forked, so they have it
    already, with whatever it closes over); its results must pickle. Where fork is
    unavailable, or for few items, the work runs in this process. ``meanwhile``, if given,
    runs in this process while the workers work (or after the work, without them). An
    exception in a worker is raised here.
    """
    workers = min(os.cpu_count() or 1, 8)
    enough = len(items) >= (MIN_ITEMS if min_items is None else min_items)
    if not enough or workers < 2 or not hasattr(os, "fork"):
        results = [function(item) for item in items]
        if meanwhile is not None:
            meanwhile()
        return results
    return _forked(function, items, workers, meanwhile)


def _forked(
    function: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    meanwhile: Callable[[], object] | None,
) -> list[R]:
    # Small chunks, taken one at a time from a shared pipe, so that no worker is left with
    # a long last one while the others idle.
    size = max(8, len(items) // (workers * 128))
    starts = range(0, len(items), size)
    work, orders = os.pipe()
    children: dict[int, int] = {}  # pid: its results pipe, until it is waited for
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    interrupt = signal.SIG_IGN if ignored else signal.SIG_DFL
    try:
        for _ in range(workers):
            results, output = os.pipe()
            # Ctrl-C is held back over the fork: a child takes it as a plain signal (the
            # parent reports the interruption), never as an exception mid-way.
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                pid = os.fork()
            except BaseException:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                os.close(results)
                os.close(output)
                raise
            if pid == 0:  # the worker: it must never return into the caller's code
                try:
                    # A plain signal, unless this process ignores Ctrl-C (a background job
                    # of a script): then its workers ignore it too.
                    signal.signal(signal.SIGINT, interrupt)
                    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                    os.close(orders)  # so that the work pipe ends when the parent's writes do
                    os.close(results)
                    _work(function, items, starts, size, work, output)
                finally:
                    os._exit(1)  # _work ends the process itself; this is for what it missed
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(output)
            children[pid] = results
        # The chunk numbers go in after the workers started: they read as it fills.
        orders_left = b"".join(n.to_bytes(_NUMBER, "little") for n in range(len(starts)))
        while orders_left:
            orders_left = orders_left[os.write(orders, orders_left) :]
        closing, orders = orders, -1
        os.close(closing)
        if meanwhile is not None:
            meanwhile()
        done: dict[int, list[R]] = {}
        for pid in list(children):
            payload = _read_all(children[pid])
            results = children.pop(pid)
            os.close(results)
            _, status = os.waitpid(pid, 0)
            done.update(_results(payload, status))
        # A worker killed from outside (the OOM killer, a stray `kill`) sent nothing: its
        # share of the work is done here instead.
        for number in range(len(starts)):
            if number not in done:
                done[number] = [function(item) for item in items[starts[number] :][:size]]
    finally:
        os.close(work)
        if orders != -1:
            os.close(orders)
        for pid, results in children.items():  # only after an error here, or Ctrl-C
            os.close(results)
            _stop(pid)
    return [result for number in range(len(starts)) for result in done[number]]


def _work(
    function: Callable[[T], R],
    items: Sequence[T],
    starts: range,
    size: int,
    work: int,
    output: int,
) -> None:
    """A worker: evaluate the chunks it takes from ``work``; send all results at the end,
    then end the process."""
    status = 0
    try:
        done = {}
        # Reads come whole: all writes and reads are in steps of _NUMBER bytes, and pipe
        # capacity is in pages, so a pipe never holds part of a number.
        while number := os.read(work, _NUMBER):
            chosen = int.from_bytes(number, "little")
            start = starts[chosen]
            done[chosen] = [function(item) for item in items[start : start + size]]
        payload = pickle.dumps((True, done), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # sent to the parent, which raises it
        status = 1
        payload = _failure(exc)
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(output, view) :]
    finally:
        os._exit(status)  # no cleanup: that is the parent's (its buffers, its atexit)


def _failure(exc: BaseException) -> bytes:
    """The exception for the parent, pickled apart from its text: the text always arrives,
    even for an exception that does not pickle or unpickle."""
    try:
        import traceback

        text = "".join(traceback.format_exception(exc))
    except BaseException:
        text = f"{type(exc).__name__} (its message could not be shown)"
    try:
        pickled = pickle.dumps(exc)
    except BaseException:
        pickled = b""
    return pickle.dumps((False, (text, pickled)))


def _read_all(results: int) -> bytes:
    chunks = []
    while chunk := os.read(results, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _results(payload: bytes, status: int) -> dict[int, list[R]]:
    """A worker's results; or its exception, raised; or none when it died without sending
    them (its chunks are then missing)."""
    try:
        ok, found = pickle.loads(payload)
    except Exception:  # nothing sent, or cut short: the worker died
        return {}
    if ok:
        result: dict[int, list[R]] = found
        return result
    text, pickled = found
    cause = WorkerFailed(f"in the worker process:\n{text}")
    try:
        exc = pickle.loads(pickled)
    except Exception:
        raise cause from None
    raise exc from cause


def _stop(pid: int) -> None:
    """Kill a worker not waited for yet, and wait for it."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
