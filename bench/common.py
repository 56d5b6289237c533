"""Helpers shared by the benchmarks: timing, and printing a figure beside its baseline."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def best_of(runs: int, func) -> float:
    """Seconds of the fastest of `runs` calls: the least disturbed by the other core's work."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def median_of(runs: int, func) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, value: float, unit: str, baseline_name: str, baseline: float, target: str = "",
           ok: bool | None = None) -> None:
    ratio = value / baseline if baseline else float("inf")
    verdict = "" if ok is None else ("  PASS" if ok else "  FAIL")
    print(f"{name}: {value:.4g} {unit}  |  baseline {baseline_name}: {baseline:.4g} {unit}  |  "
          f"ratio {ratio:.2f}{('  target ' + target) if target else ''}{verdict}")
