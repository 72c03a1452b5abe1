"""Ctrl-C during an import: it stops the import, never half-counts a batch, and is never lost.

Ctrl-C raises KeyboardInterrupt wherever the import is. Before a batch's commit that is harmless
(the batch is rolled back and not counted); between the commit and the count it would leave a
committed batch uncounted, and the import would report fewer incidents than it wrote. So from
:meth:`CtrlC.hold` to the end of the :meth:`CtrlC.holdable` block a Ctrl-C is only noted, and
raised once the block is done.

Python can also lose a KeyboardInterrupt: one raised while a finalizer or a weak-reference
callback runs (SQLAlchemy frees each batch's objects through such callbacks) is printed as
"Exception ignored" and dropped. A Ctrl-C is therefore also remembered, and the import asks
:meth:`CtrlC.stop_if_pressed` between batches.

A process started with Ctrl-C ignored (as a script's background job is) keeps ignoring it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any


class CtrlC:
    """``with CtrlC() as ctrl_c:`` for the length of an import (only the main thread receives
    signals: elsewhere it changes nothing and ``pressed`` stays False)."""

    def __init__(self) -> None:
        self.pressed = False
        self._held = False
        self._previous: Any = None  # the handler put back at the end; None: none was replaced

    def __enter__(self) -> CtrlC:
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if previous not in (signal.SIG_IGN, None):  # None: set outside Python, left alone
                self._previous = signal.signal(signal.SIGINT, self._note)
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _note(self, _signum: int, _frame: FrameType | None) -> None:
        self.pressed = True
        if not self._held:
            raise KeyboardInterrupt

    def stop_if_pressed(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed (and perhaps lost) since the start."""
        if self.pressed:
            raise KeyboardInterrupt

    @contextmanager
    def holdable(self) -> Iterator[CtrlC]:
        """``with ctrl_c.holdable(): …; ctrl_c.hold(); commit; count`` — a Ctrl-C after
        ``hold`` is raised at the block's end (not if the block fails: its error is raised)."""
        try:
            yield self
        finally:
            self._held = False
        self.stop_if_pressed()

    def hold(self) -> None:
        self._held = True
