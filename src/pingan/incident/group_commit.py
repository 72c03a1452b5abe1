"""Group commit for incidents posted to the API: whoever arrives while a write is under way is
written together in the next transaction.

Each request hands its incident to one writer thread per process and waits. The writer takes
everything waiting, triages it together (``python -m bench triage``: texts in a batch cost about
half of what each alone does), prepares it with the batch creation path in a read-only
transaction (``prepare_incidents``: places, routing, history), records it in one write
transaction (``record_incidents``: one number reservation per county, bulk inserts, the rollups
from the rows in hand), commits, and only then answers each request — a new incident from the
row it was written with (``Outcome.written``), one already there read back outside the write
transaction — so a 201 still means "on disk", and a request's outcome (created,
already there, refused with its reason) is exactly what it would have been alone. Under load
this turns a dozen small transactions into one; with one request at a time it costs nothing.

A transaction costs about as much as several incidents whatever its size (its statements, its
commit, the triage models' and the routing's set-up), so under load the writer waits a moment
(``gather_seconds``, 3 ms by default, ``PINGAN_GROUP_COMMIT_WAIT_MS``) for as many requests as
the largest of its last groups held: the clients it has just answered send again within that
moment. Without it a group holds about half a worker's clients, the others being on their way
back (``python -m bench api_load``, ``incidents_per_transaction``). With one request at a time
the last groups held one, and nothing waits.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pingan.db.session import session_scope
from pingan.incident.creation import (
    NewIncident,
    Outcome,
    create_incidents,
    prepare_incidents,
    record_incidents,
    triage_items,
)
from pingan.incident.models import Incident
from pingan.incident.queries import assignments_of, incident_read
from pingan.incident.schemas import AssignmentRead, IncidentCreate, IncidentRead
from pingan.triage import Triage
from pingan.user.scope import CAN_CREATE_INCIDENTS, Actor, require_role

MAX_BATCH = 256
WAIT_SECONDS = 60.0
GATHER_SECONDS = 0.003
# How many of the last groups' sizes say how many requests to wait for.
REMEMBERED_GROUPS = 16
_INCIDENTS = select(*cast(Table, Incident.__table__).columns).where(
    Incident.id.in_(bindparam("ids", expanding=True))
)


@dataclass
class _Request:
    actor: Actor
    item: NewIncident
    answer: Future[tuple[IncidentRead, bool]] = field(default_factory=Future)


class GroupCommit:
    """One writer thread for a process's incident intake (started on first use)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        default_place: str | None,
        *,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        self._factory = factory
        self._default_place = default_place
        self._gather_seconds = gather_seconds
        self._sizes: deque[int] = deque(maxlen=REMEMBERED_GROUPS)
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def create(
        self, actor: Actor, data: IncidentCreate, idempotency_key: str | None = None
    ) -> tuple[IncidentRead, bool]:
        """Triage and record one incident (in the next group); returns ``(read, created)`` once
        committed. Awaits the commit instead of holding a thread."""
        require_role(actor, CAN_CREATE_INCIDENTS, "登记警情")
        request = _Request(actor, NewIncident(data, idempotency_key))
        self._ensure_started()
        self._queue.put(request)
        return await asyncio.wait_for(asyncio.wrap_future(request.answer), WAIT_SECONDS)

    def stop(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join()
                self._thread = None

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pingan-group-commit", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            self._write(self._gathered(first))

    def _gathered(self, first: _Request) -> list[_Request]:
        """``first`` and what is waiting; under load, also what arrives within the gathering
        moment, until the group is as large as the largest of the last ones."""
        batch = [first]
        expected = max(self._sizes, default=1)
        deadline = time.monotonic() + self._gather_seconds
        while len(batch) < MAX_BATCH:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                left = deadline - time.monotonic()
                if len(batch) >= expected or left <= 0:
                    break
                try:
                    more = self._queue.get(timeout=left)
                except queue.Empty:
                    break
            if more is None:
                self._queue.put(None)  # stop after this batch
                break
            batch.append(more)
        self._sizes.append(len(batch))
        return batch

    def _write(self, batch: list[_Request]) -> None:
        try:
            answers = self._record(batch, one_by_one=False)
        except IntegrityError:
            # A request raced the same key in another process: each in its own savepoint.
            try:
                answers = self._record(batch, one_by_one=True)
            except Exception as exc:
                answers = [exc] * len(batch)
        except Exception as exc:
            answers = [exc] * len(batch)
        for request, answer in zip(batch, answers, strict=True):
            if isinstance(answer, BaseException):
                request.answer.set_exception(answer)
            else:
                request.answer.set_result(answer)

    def _record(
        self, batch: Sequence[_Request], *, one_by_one: bool
    ) -> list[tuple[IncidentRead, bool] | BaseException]:
        outcomes: dict[int, Outcome] = {}
        by_actor: dict[Actor, list[int]] = defaultdict(list)
        for index, request in enumerate(batch):
            by_actor[request.actor].append(index)
        if one_by_one:
            with session_scope(self._factory) as session:
                for actor, indexes in by_actor.items():
                    for index in indexes:
                        outcomes[index] = self._create_one(session, actor, batch[index])
        else:
            # Read and decide first (places, routing, history), then take the writer's turn
            # only to check the requests are new and write them.
            suggestions = self._triage(batch)
            with session_scope(self._factory, read_only=True) as session:
                prepared = {
                    actor: prepare_incidents(
                        session,
                        actor=actor,
                        items=[batch[i].item for i in indexes],
                        default_place=self._default_place,
                        suggestions=[suggestions[i] for i in indexes],
                    )
                    for actor, indexes in by_actor.items()
                }
            with session_scope(self._factory) as session:
                for actor, indexes in by_actor.items():
                    written = record_incidents(session, prepared[actor], keep_written=True)
                    outcomes.update(zip(indexes, written, strict=True))
        # Committed. A new incident is answered from what was written; the others (found
        # already there) are read afterwards, without holding up the next writer.
        ids = [
            o.incident_id
            for o in outcomes.values()
            if o.incident_id is not None and o.written is None
        ]
        incidents: dict[int, Any] = {}
        assignments: dict[int, list[AssignmentRead]] = {}
        if ids:
            with session_scope(self._factory, read_only=True) as session:
                found = session.connection().execute(_INCIDENTS, {"ids": sorted(set(ids))})
                incidents = {row.id: row for row in found}
                assignments = assignments_of(session, ids)
        answers: list[tuple[IncidentRead, bool] | BaseException] = []
        for index, request in enumerate(batch):
            outcome = outcomes[index]
            if outcome.error is not None:
                answers.append(outcome.error)
                continue
            assert outcome.incident_id is not None
            if outcome.written is not None:
                stored = SimpleNamespace(**outcome.written.incident)
                held = outcome.written.assignments
            else:
                stored = incidents[outcome.incident_id]
                held = assignments.get(outcome.incident_id, [])
            answers.append((incident_read(stored, request.actor, held), outcome.created))
        return answers

    def _triage(self, batch: Sequence[_Request]) -> list[Triage]:
        """Every request's triage, one batch per home place across users (several call-takers of
        a county post at once; ``prepare_incidents`` alone would triage per user), with the
        default place ``prepare_incidents`` would use."""
        by_home: dict[str | None, list[int]] = defaultdict(list)
        for index, request in enumerate(batch):
            by_home[request.actor.home_place(self._default_place)].append(index)
        found: dict[int, Triage] = {}
        for home, indexes in by_home.items():
            triaged = triage_items([batch[i].item.data for i in indexes], home)
            found.update(zip(indexes, triaged, strict=True))
        return [found[i] for i in range(len(batch))]

    def _create_one(self, session: Session, actor: Actor, request: _Request) -> Outcome:
        def create() -> Outcome:
            (outcome,) = create_incidents(
                session, actor=actor, items=[request.item], default_place=self._default_place
            )
            return outcome

        try:
            with session.begin_nested():
                return create()
        except IntegrityError:
            # Lost a race with the same request in another process: its incident is the answer.
            found = create()
            if found.created:
                raise
            return found
