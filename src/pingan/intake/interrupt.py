"""Ctrl-C held back while a batch is committed and counted.

Ctrl-C raises KeyboardInterrupt wherever the import is. Before a batch's commit that is harmless
(the batch is rolled back and not counted); between the commit and the count it would leave a
committed batch uncounted, and the import would report fewer incidents than it wrote. From
:meth:`Holder.hold` to the end of the ``with`` block a Ctrl-C is only noted, and raised
once the block is done.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class Holder:
    """Holds Ctrl-C back once :meth:`hold` is called (only the main thread receives signals:
    elsewhere it does nothing)."""

    def __init__(self) -> None:
        self._previous: Any = None
        self._holding = False
        self.noted = False

    def hold(self) -> None:
        if self._holding or threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.signal(signal.SIGINT, self._note)
        self._holding = True

    def release(self) -> None:
        if self._holding:
            signal.signal(signal.SIGINT, self._previous)
            self._holding = False

    def _note(self, _signum: int, _frame: FrameType | None) -> None:
        self.noted = True


@contextmanager
def held_interrupt() -> Iterator[Holder]:
    """``with held_interrupt() as held: …; held.hold(); commit; count`` — a Ctrl-C after
    ``hold`` is raised at the block's end (not if the block fails: its error is raised)."""
    holder = Holder()
    try:
        yield holder
    finally:
        holder.release()
    if holder.noted:
        raise KeyboardInterrupt
