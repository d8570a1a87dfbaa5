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
    function: Callable[[T], R], items: Sequence[T], *, min_items: int | None = None
) -> list[R]:
    """``[function(item) for item in items]``, in forked worker processes when worthwhile.

    ``function`` must be a module-level function whose arguments and results pickle. Where
    fork is unavailable, or for few items, the work runs in this process.
    """
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < (MIN_ITEMS if min_items is None else min_items) or workers < 2:
        return [function(item) for item in items]
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return [function(item) for item in items]
    chunk = max(1, len(items) // (workers * 8))
    with context.Pool(workers) as pool:
        return pool.map(function, items, chunksize=chunk)
