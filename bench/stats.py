"""Summaries of repeated measurements: medians and tail percentiles, never one absolute time."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Summary", "percentile", "ratio", "summarize"]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """Milliseconds (or whatever unit the samples are in) over ``n`` samples."""

    n: int
    p50: float
    p90: float
    p99: float
    min: float
    max: float

    def as_json(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def summarize(samples: Sequence[float]) -> Summary:
    return Summary(
        n=len(samples),
        p50=percentile(samples, 50),
        p90=percentile(samples, 90),
        p99=percentile(samples, 99),
        min=min(samples) if samples else math.nan,
        max=max(samples) if samples else math.nan,
    )


def ratio(ours: float, floor: float) -> float:
    """``ours / floor``, rounded for reading; NaN when the floor is not positive."""
    return round(ours / floor, 3) if floor > 0 else math.nan
