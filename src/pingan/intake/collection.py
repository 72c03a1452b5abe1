"""Python's cycle collector paused while a batch is built, and run once after it.

Left on, the collector walks a batch's many small objects (rows, payloads, events) again and
again while they are being built — about a tenth of a bulk import's time. Here it is off for
the length of the work and a young collection runs between batches (a full one every
``FULL_EVERY`` batches), so garbage with cycles is still freed batch by batch.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

FULL_EVERY = 50


@contextmanager
def collected_between_batches() -> Iterator[Callable[[], None]]:
    """Yields the function to call between batches; collection is as it was afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    done = 0

    def collect() -> None:
        nonlocal done
        done += 1
        gc.collect(2 if done % FULL_EVERY == 0 else 1)

    try:
        yield collect
    finally:
        if enabled:
            gc.enable()
