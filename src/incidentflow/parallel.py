"""Spread independent per-incident work over the machine's cores when there is enough of it.

Workers are forked straight from this process, with pipes for the work and the results:
a run of `incident list` is about a second, and `multiprocessing` would spend a few
percent of it importing itself and starting its pool (queues and helper threads).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, starting worker processes costs more than it saves.
MIN_ITEMS = 400
_NUMBER = 4  # bytes of a chunk number in the work pipe


class WorkerFailed(Exception):
    """A worker process ended without sending its results."""


def map_in_processes(
    function: Callable[[T], R],
    items: Sequence[T],
    *,
    min_items: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[R]:
    """``[function(item) for item in items]``, in forked worker processes when worthwhile.

    ``function`` must be a module-level function whose results pickle. Where fork is
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
    children: list[tuple[int, int]] = []
    try:
        for _ in range(workers):
            results, output = os.pipe()
            try:
                pid = os.fork()
            except BaseException:
                os.close(results)
                os.close(output)
                raise
            if pid == 0:
                os.close(orders)  # so that the work pipe ends when this process's writes do
                os.close(results)
                _work(function, items, starts, size, work, output)  # never returns
            os.close(output)
            children.append((pid, results))
        # The chunk numbers go in after the workers started: they read as it fills.
        orders_left = b"".join(n.to_bytes(_NUMBER, "little") for n in range(len(starts)))
        while orders_left:
            orders_left = orders_left[os.write(orders, orders_left) :]
        os.close(orders)
        orders = -1
        if meanwhile is not None:
            meanwhile()
        done: dict[int, list[R]] = {}
        while children:
            pid, results = children.pop(0)
            try:
                done.update(_collect(pid, results))
            except BaseException:
                _stop(pid)
                raise
    finally:
        os.close(work)
        if orders != -1:
            os.close(orders)
        for pid, results in children:  # only after an error here, or Ctrl-C
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
    """A worker: evaluate the chunks it takes from ``work``; send all results at the end."""
    import pickle

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
    import pickle
    import traceback

    text = "".join(traceback.format_exception(exc))
    try:
        return pickle.dumps((False, (exc, text)))
    except Exception:  # an exception that does not pickle
        return pickle.dumps((False, (WorkerFailed(f"{exc!r}"), text)))


def _collect(pid: int, results: int) -> dict[int, list[R]]:
    import pickle

    try:
        chunks = []
        while chunk := os.read(results, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(results)
    _, status = os.waitpid(pid, 0)
    try:
        ok, found = pickle.loads(b"".join(chunks))
    except Exception:  # nothing sent, or cut short: the worker died
        raise WorkerFailed(
            f"a worker process ended without its results (status {status})"
        ) from None
    if not ok:
        exc, text = found
        raise exc from WorkerFailed(f"in the worker process:\n{text}")
    result: dict[int, list[R]] = found
    return result


def _stop(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
