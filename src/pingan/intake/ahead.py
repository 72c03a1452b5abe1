"""Triage the next batch in worker processes while this process writes the current one.

Triage needs no database and is pure CPU, so on a machine with a spare core it runs a batch ahead
in a worker process. The worker runs ``creation.triage_for_recording``, the very function
``create_incidents`` uses, with the same shipped model and the same default place, and its
suggestions are handed to ``create_incidents`` as if it had computed them itself: the stored
incidents are identical, only sooner. The model and gazetteer are loaded here first and the
workers are forked from this process where the platform allows and no other thread runs (they
start at once, sharing the loaded model; they never touch the database connections they
inherit), else spawned.

A worker that dies (the OOM killer, a SIGKILL) makes the waiting batch fail at once with
``BrokenProcessPool``; nothing here can wait for it for ever. That is why the workers are ours
rather than a ``ProcessPoolExecutor``'s: killed partway through sending an answer (one of more
than 16 KB goes in two writes, its length then the rest; a batch's triage is larger), a pool's
worker left the pool reading the rest of it for ever (its manager thread keeps the answers pipe
open for writing, so it never sees the end). Each worker here has a pipe of its own each way
and this process keeps only its ends of them: a worker gone leaves no writer of its answers, so
a half-sent answer ends in end-of-file, and no reader of its requests, so sending to it fails
instead of waiting. Requests go out through a thread per worker, so that queuing a batch never
waits for a worker that is still busy with the one before.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from types import TracebackType
from typing import Any

from pingan.incident.creation import triage_for_recording
from pingan.incident.schemas import IncidentCreate
from pingan.lifeline import follow_parent
from pingan.triage import Triage
from pingan.triage.decide import warm_up

GONE = "研判进程意外退出"
# A stopping worker that does not end within this many seconds is terminated.
_STOP_SECONDS = 10.0

Request = tuple[list[str], list[str | None], str | None, list[str]]


def default_workers() -> int:
    """One triage worker when the machine has a core to spare, else none."""
    return 1 if (os.cpu_count() or 1) >= 2 else 0


def _serve(requests: Connection, answers: Connection, load: bool) -> None:
    """A worker: answer each request in order until told to stop (None) or left alone.

    It leaves Ctrl-C to the importing process, which stops it (else each worker would print its
    own traceback), and ends once that process is gone (killed outright, it cannot stop it); a
    spawned one loads the model first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    follow_parent("pingan-triage-parent")
    if load:
        warm_up()
    while True:
        try:
            request: Request | None = requests.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            answer: tuple[bool, Any] = (True, triage_for_recording(*request))
        except Exception as exc:
            answer = (False, exc)
        try:
            answers.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError):
            answers.send((False, RuntimeError(repr(answer[1]))))


class Answer:
    """The triage of one submitted batch, when its worker has answered."""

    def __init__(self, worker: _Worker) -> None:
        self._worker = worker
        self._done = False
        self._value: Any = None
        self._ok = True

    def settle(self, ok: bool, value: Any) -> None:
        self._ok, self._value, self._done = ok, value, True

    @property
    def done(self) -> bool:
        return self._done

    def result(self) -> list[Triage]:
        """The batch's triage; raises what the worker raised, or ``BrokenProcessPool`` when it
        died first."""
        self._worker.wait_for(self)
        if not self._ok:
            raise self._value
        triaged: list[Triage] = self._value
        return triaged


class _Worker:
    """One worker process, its two pipes and the thread sending it requests."""

    def __init__(self, context: BaseContext, load: bool) -> None:
        request_reader, request_writer = context.Pipe(duplex=False)
        answer_reader, answer_writer = context.Pipe(duplex=False)
        self.process = context.Process(  # type: ignore[attr-defined]
            target=_serve,
            args=(request_reader, answer_writer, load),
            name="pingan-triage",
            daemon=True,
        )
        self.process.start()
        # Only this process's own ends stay open here (see the module docstring).
        request_reader.close()
        answer_writer.close()
        self._requests = request_writer
        self._answers = answer_reader
        self._outbox: queue.SimpleQueue[Request | None] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._waiting: deque[Answer] = deque()  # submitted, not answered yet, in order
        self._broken = False

    def start_sending(self) -> None:
        self._sender = threading.Thread(
            target=self._send_all, name="pingan-triage-sender", daemon=True
        )
        self._sender.start()

    def _send_all(self) -> None:
        try:
            while True:
                request = self._outbox.get()
                self._requests.send(request)
                if request is None:
                    return
        except OSError:  # the worker is gone: waiting for its answer says so
            return
        finally:
            self._requests.close()

    def submit(self, request: Request) -> Answer:
        if self._broken:
            raise BrokenProcessPool(GONE)
        answer = Answer(self)
        self._waiting.append(answer)
        self._outbox.put(request)
        return answer

    def wait_for(self, wanted: Answer) -> None:
        """Read answers, oldest first, until ``wanted`` has one."""
        while not wanted.done:
            if self._broken:
                raise BrokenProcessPool(GONE)
            ready = wait([self._answers, self.process.sentinel])
            try:
                if self._answers not in ready:
                    raise EOFError
                ok, value = self._answers.recv()
            except (EOFError, OSError) as exc:
                self._broken = True
                raise BrokenProcessPool(GONE) from exc
            self._waiting.popleft().settle(ok, value)

    def stop(self) -> None:
        """End the worker: told to stop when it owes nothing, else terminated (its answers are
        no longer wanted); waited for either way."""
        if self._waiting or self._broken or self._sender is None:
            self.process.terminate()
        else:
            self._outbox.put(None)
        self.process.join(_STOP_SECONDS)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self._outbox.put(None)  # lets the sender end if the worker went first
        if self._sender is not None:
            self._sender.join(_STOP_SECONDS)
        self._answers.close()


class TriageAhead:
    """``workers`` triage processes (none: ``submit`` gives None; triage runs inline), sent
    batches in turn."""

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._pool: list[_Worker] = []
        self._turn = 0
        if self.workers:
            # Forking a process that runs other threads could copy a lock one of them holds.
            fork = (
                "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
            )
            if fork:
                warm_up()
            context = multiprocessing.get_context("fork" if fork else "spawn")
            self._pool = [_Worker(context, load=not fork) for _ in range(self.workers)]
            for worker in self._pool:  # threads only once every worker is forked
                worker.start_sending()

    def submit(self, items: Sequence[IncidentCreate], default_place: str | None) -> Answer | None:
        if not self._pool or not items:
            return None
        worker = self._pool[self._turn % len(self._pool)]
        self._turn += 1
        return worker.submit(
            (
                [item.description for item in items],
                [item.address for item in items],
                default_place,
                [item.channel for item in items],
            )
        )

    def close(self) -> None:
        pool, self._pool = self._pool, []
        for worker in pool:
            worker.stop()

    def __enter__(self) -> TriageAhead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
