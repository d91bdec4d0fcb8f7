"""How the benchmarks time a call: the median of repeated runs."""

from __future__ import annotations

import statistics
import time
from typing import Callable, TypeVar

T = TypeVar("T")


def timed(function: Callable[[], T], repeats: int) -> tuple[float, T]:
    """The median seconds of ``repeats`` calls of ``function`` and the last call's result."""
    times, result = [], None
    for _ in range(max(repeats, 1)):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result  # type: ignore[return-value]
