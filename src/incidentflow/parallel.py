"""Spread independent per-incident work over the machine's cores when there is enough of it."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, starting worker processes costs more than it saves.
MIN_ITEMS = 400


def map_in_processes(
    function: Callable[[T], R],
    items: Sequence[T],
    *,
    min_items: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[R]:
    """``[function(item) for item in items]``, in forked worker processes when worthwhile.

    ``function`` must be a module-level function whose arguments and results pickle. Where
    fork is unavailable, or for few items, the work runs in this process. ``meanwhile``, if
    given, runs in this process while the workers work (or after the work, without them).
    """
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < (MIN_ITEMS if min_items is None else min_items) or workers < 2:
        return _serially(function, items, meanwhile)
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return _serially(function, items, meanwhile)
    # Small chunks, so that no worker is left with a long last one while the others idle.
    chunk = max(16, len(items) // (workers * 32))
    with context.Pool(workers) as pool:
        pending = pool.map_async(function, items, chunksize=chunk)
        if meanwhile is not None:
            meanwhile()
        return pending.get()


def _serially(
    function: Callable[[T], R], items: Sequence[T], meanwhile: Callable[[], object] | None
) -> list[R]:
    results = [function(item) for item in items]
    if meanwhile is not None:
        meanwhile()
    return results
