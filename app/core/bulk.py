"""Helpers for work that builds many objects at once (a year's figures across all agreements).

CPython's cyclic garbage collector runs a full collection, over every object the process holds,
whenever enough new objects have survived since the last one. Computing the overview creates
tens of thousands of small objects, none of them in reference cycles, and so used to trigger two
full collections that took longer than the computation. :func:`collector_paused` holds the
cyclic collector off for such a block; reference counting still frees everything as usual,
and the collector resumes (and catches up at its next run) when the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block (nesting is fine: only the
    outermost block turns it back on, and only if it was on before)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Ids sent in one IN list at most: PostgreSQL takes at most 65 535 parameters in a statement.
IN_CHUNK = 10_000


def in_chunks(ids: Iterable[int], size: int = IN_CHUNK) -> Iterator[list[int]]:
    """``ids`` sorted, ``size`` at a time (for IN lists that may name the whole register)."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]
