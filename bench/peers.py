"""What the benchmarks that hold Pingan against a peer share: where the eval data is, one core,
rates and ratios.

The eval data (``../shared/eval`` beside the repository, or ``PINGAN_EVAL_DIR``) is real
labelled text for measurement only: it is read in place, never trained on, never copied.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

EVAL_ENV = "PINGAN_EVAL_DIR"
SKIPPED = "skipped"


def eval_dir() -> Path | None:
    """The folder of labelled eval files (``PINGAN_EVAL_DIR`` when set, else ``shared/eval``
    beside the repository), or None when it is not there."""
    configured = os.environ.get(EVAL_ENV)
    folder = (
        Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "eval"
    )
    return folder if folder.is_dir() else None


def eval_file(name: str) -> Path | None:
    """One eval file by name, or None when the folder or the file is missing."""
    folder = eval_dir()
    if folder is None or not (folder / name).is_file():
        return None
    return folder / name


def skipped(name: str) -> dict[str, str]:
    return {"status": SKIPPED, "reason": f"{name} not found (set {EVAL_ENV} or ../shared/eval)"}


@contextmanager
def one_core() -> Iterator[None]:
    """Run the block on one CPU, with numeric libraries limited to one thread."""
    from threadpoolctl import threadpool_limits

    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if affinity:
        os.sched_setaffinity(0, {min(affinity)})
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        if affinity:
            os.sched_setaffinity(0, affinity)


def per_second(action: Callable[[Any], object], items: Sequence[Any], rounds: int = 1) -> float:
    """Items per second of ``action`` applied to each item, best of ``rounds``."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for item in items:
            action(item)
        best = max(best, len(items) / (time.perf_counter() - started))
    return best


def batch_per_second(
    action: Callable[[Sequence[Any]], object], items: Sequence[Any], rounds: int = 1
) -> float:
    """Items per second of ``action`` applied to the whole list at once, best of ``rounds``."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        action(items)
        best = max(best, len(items) / (time.perf_counter() - started))
    return best


def percentiles_ms(
    seconds: Sequence[float], points: Sequence[int] = (50, 95, 99)
) -> dict[str, float]:
    """Nearest-rank percentiles of durations, in milliseconds."""
    ordered = sorted(seconds)
    figures: dict[str, float] = {}
    for point in points:
        rank = max(1, -(-point * len(ordered) // 100))  # ceiling of point% of n
        figures[f"p{point}"] = round(ordered[rank - 1] * 1000, 3)
    return figures


def ratio(pingan: float | None, peer: float | None, digits: int = 3) -> float | None:
    """Pingan's figure over the peer's (above 1: Pingan higher), None when undefined."""
    if pingan is None or peer is None or peer == 0:
        return None
    return round(pingan / peer, digits)
