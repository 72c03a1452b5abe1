"""Ctrl-C during an import: raised at once, except during a batch's commit and count, where it
waits until the batch is counted; and never lost, not even where Python drops it."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pingan.intake.interrupt import CtrlC

pytestmark = pytest.mark.usefixtures("terminal_ctrl_c")


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # delivered by now


def test_a_ctrl_c_after_hold_is_raised_when_the_block_is_done() -> None:
    counted = False
    with pytest.raises(KeyboardInterrupt), CtrlC() as ctrl_c, ctrl_c.holdable():
        ctrl_c.hold()
        _ctrl_c()
        counted = True  # the count after the commit is not cut short
    assert counted
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_a_ctrl_c_before_hold_stops_at_once() -> None:
    reached = False
    with pytest.raises(KeyboardInterrupt), CtrlC() as ctrl_c, ctrl_c.holdable():
        _ctrl_c()
        reached = True
    assert not reached


class _PressedWhileFreed:
    """An object whose finalizer is running when Ctrl-C arrives, as SQLAlchemy's run when a
    batch's objects are freed: Python prints the KeyboardInterrupt and drops it."""

    def __del__(self) -> None:
        _ctrl_c()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the drop
def test_a_ctrl_c_python_drops_still_stops_the_import_at_the_next_batch() -> None:
    with CtrlC() as ctrl_c:
        _PressedWhileFreed()  # freed at once: Ctrl-C lands in its finalizer
        assert ctrl_c.pressed
        with pytest.raises(KeyboardInterrupt):
            ctrl_c.stop_if_pressed()  # what the import asks between batches


def test_an_import_started_with_ctrl_c_ignored_keeps_ignoring_it() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a script's background job starts
    with CtrlC() as ctrl_c:
        _ctrl_c()
        ctrl_c.stop_if_pressed()
        assert not ctrl_c.pressed
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
