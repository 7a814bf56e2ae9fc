"""Small statistics shared by the benchmarks: medians with their spread, and a least-squares line."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def spread(samples: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": len(samples)}


def cell(summary: dict[str, float], digits: int = 2, scale: float = 1.0) -> str:
    """`median (min-max)`, or the median alone when there was one run."""
    median = f"{summary['median'] * scale:.{digits}f}"
    if summary["runs"] < 2:
        return median
    return f"{median} ({summary['min'] * scale:.{digits}f}-{summary['max'] * scale:.{digits}f})"


def least_squares(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Slope and intercept of the line that fits the points best."""
    slope, intercept = statistics.linear_regression(xs, ys)
    return slope, intercept
