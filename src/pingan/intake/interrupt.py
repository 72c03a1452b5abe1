"""Ctrl-C held back while a batch is committed and counted.

Ctrl-C raises KeyboardInterrupt wherever the import is. Before a batch's commit that is harmless
(the batch is rolled back and not counted); between the commit and the count it would leave a
committed batch uncounted, and the import would report fewer incidents than it wrote. From
:meth:`HeldInterrupt.hold` to the end of the ``with`` block a Ctrl-C is only noted, and raised
once the block is done.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any


class HeldInterrupt:
    """``with HeldInterrupt() as held: …; held.hold(); commit; count`` — Ctrl-C after ``hold``
    is raised at the block's end. Only the main thread receives signals: elsewhere it does
    nothing."""

    def __init__(self) -> None:
        self._previous: Any = None
        self._holding = False
        self._noted = False

    def hold(self) -> None:
        if self._holding or threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.signal(signal.SIGINT, self._note)
        self._holding = True

    def _note(self, _signum: int, _frame: FrameType | None) -> None:
        self._noted = True

    def __enter__(self) -> HeldInterrupt:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if not self._holding:
            return
        signal.signal(signal.SIGINT, self._previous)
        self._holding = False
        if self._noted and kind is None:
            raise KeyboardInterrupt
