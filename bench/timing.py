"""How the benchmarks measure: a call's median seconds over repeated runs, a process's memory."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
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


def memory_mb(pid: int, field: str = "VmHWM") -> float:
    """A process's memory from /proc/PID/status, in MB: its peak (VmHWM), current (VmRSS) or
    anonymous (RssAnon) resident memory."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")
