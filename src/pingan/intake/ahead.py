"""Triage the next batch in worker processes while this process writes the current one.

Triage needs no database and is pure CPU, so on a machine with a spare core it runs a batch ahead
in a worker process. The worker runs ``creation.triage_for_recording``, the very function
``create_incidents`` uses, with the same shipped model and the same default place, and its
suggestions are handed to ``create_incidents`` as if it had computed them itself: the stored
incidents are identical, only sooner. The model and gazetteer are loaded here first and the
workers are forked from this process where the platform allows and no other thread runs (they
start at once, sharing the loaded model; they never touch the database connections they
inherit), else spawned.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType

from pingan.incident.creation import triage_for_recording
from pingan.incident.schemas import IncidentCreate
from pingan.lifeline import follow_parent
from pingan.triage import Triage
from pingan.triage.decide import warm_up


def _start_worker(load: bool) -> None:
    """A worker leaves Ctrl-C to the importing process, which stops it with the pool (else each
    worker would print its own traceback), and ends once that process is gone (killed outright,
    it cannot stop the pool); a spawned one loads the model first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    follow_parent("pingan-triage-parent")
    if load:
        warm_up()


def default_workers() -> int:
    """One triage worker when the machine has a core to spare, else none."""
    return 1 if (os.cpu_count() or 1) >= 2 else 0


class TriageAhead:
    """A pool of ``workers`` triage processes (none: ``submit`` gives None; triage runs inline)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._pool: ProcessPoolExecutor | None = None
        if self.workers:
            # Forking a process that runs other threads could copy a lock one of them holds.
            fork = (
                "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
            )
            if fork:
                warm_up()
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
                initializer=_start_worker,
                initargs=(not fork,),
            )

    def submit(
        self, items: Sequence[IncidentCreate], default_place: str | None
    ) -> Future[list[Triage]] | None:
        if self._pool is None or not items:
            return None
        return self._pool.submit(
            triage_for_recording,
            [item.description for item in items],
            [item.address for item in items],
            default_place,
            [item.channel for item in items],
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> TriageAhead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
