"""Ctrl-C during a batch's commit and count is raised only once the batch is counted."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pingan.intake.interrupt import held_interrupt


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # delivered by now


def test_a_ctrl_c_after_hold_is_raised_when_the_block_is_done() -> None:
    counted = False
    with pytest.raises(KeyboardInterrupt), held_interrupt() as held:
        held.hold()
        _ctrl_c()
        counted = True  # the count after the commit is not cut short
    assert counted
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_a_ctrl_c_before_hold_stops_at_once() -> None:
    reached = False
    with pytest.raises(KeyboardInterrupt), held_interrupt():
        _ctrl_c()
        reached = True
    assert not reached
