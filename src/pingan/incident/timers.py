"""The time-limit engine: every open incident's limits watched, escalated 提醒 → 督办 → 通报.

It keeps a timer wheel in memory and rebuilds it from the database at start (due times are
columns of the incident; stages already escalated are ``escalate`` events in its history), so a
restart loses no limit. The wheel holds the next stage of each step of each open incident; a
stage handled puts its step's next one in. While running it picks up changed incidents by
``updated_at`` about once a second and fires due stages about five times a second; each stage
becomes an ``escalate`` event in the incident's history, written once (it is re-checked inside
the writing transaction).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, String, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from pingan.db.base import utcnow
from pingan.db.session import session_scope
from pingan.errors import PinganError
from pingan.incident.actions import transition
from pingan.incident.assignment import DUE_COLUMNS
from pingan.incident.lifecycle import FINAL_STATES
from pingan.incident.models import Incident, IncidentEvent
from pingan.routing.timelimits import Fired, TimerWheel, stages
from pingan.user.scope import Actor

log = logging.getLogger(__name__)
ENGINE_ACTOR = Actor(id=None, username="time-limits", role="admin")
STAGE_NAMES = {"warning": "提醒", "supervise": "督办", "notice": "通报"}
STEP_NAMES = {"sign_for": "签收", "arrive": "到场", "finish": "处置", "call_back": "回访"}
# The state from which a step counts as done.
DONE_STATES = {
    "sign_for": {"signed_for", "on_scene", "handled", "closed"} | FINAL_STATES,
    "arrive": {"on_scene", "handled", "closed"} | FINAL_STATES,
    "finish": {"handled", "closed"} | FINAL_STATES,
    "call_back": set(FINAL_STATES),
}


class Timed(Protocol):
    """What the engine reads of an incident (an ``Incident``, or a row of ``_TIMED_COLUMNS``)."""

    id: int
    updated_at: dt.datetime
    state: str
    paused_at: dt.datetime | None
    reported_at: dt.datetime
    sign_for_due: dt.datetime | None
    arrive_due: dt.datetime | None
    finish_due: dt.datetime | None
    call_back_due: dt.datetime | None


# Read as plain rows: loading every changed incident as an ORM object each second cost the API
# workers more than the rest of the engine.
_TIMED_COLUMNS = (
    Incident.id,
    Incident.updated_at,
    Incident.state,
    Incident.paused_at,
    Incident.reported_at,
    Incident.sign_for_due,
    Incident.arrive_due,
    Incident.finish_due,
    Incident.call_back_due,
)


def _timed(session: Session, condition: ColumnElement[bool]) -> list[Timed]:
    """The incidents meeting ``condition``, as rows of ``_TIMED_COLUMNS``."""
    rows = session.execute(select(*_TIMED_COLUMNS).where(condition))
    return [cast(Timed, row) for row in rows]


def _stamps(session: Session, since: dt.datetime) -> dict[int, object]:
    """Each incident changed since ``since``, with its ``updated_at`` as the driver gives it.

    At a few hundred changes a second the engine's window holds thousands of incidents, nearly
    all read unchanged the time before: only their ids and stamps are read again, left as SQLite
    stores them (turning each into a datetime, and reading every column the engine uses, held
    worker 0's requests up for about a tenth of a second each time).
    """
    stamp = type_coerce(Incident.updated_at, String)
    rows = session.execute(select(Incident.id, stamp).where(Incident.updated_at >= since))
    return {incident_id: stamp for incident_id, stamp in rows}


def pending(incident: Timed, fired: set[tuple[str, str]]) -> list[tuple[str, str, dt.datetime]]:
    """The (step, stage, moment) still to come for an incident; none while it is paused."""
    if incident.paused_at is not None or incident.state in FINAL_STATES:
        return []
    moments = []
    for step, column in DUE_COLUMNS.items():
        due = getattr(incident, column)
        if due is None or incident.state in DONE_STATES[step]:
            continue
        start = min(incident.reported_at, due)
        for stage, at in stages(due, start).items():
            if (step, stage) not in fired:
                moments.append((step, stage, at))
    return moments


def next_stages(incident: Timed, fired: set[tuple[str, str]]) -> list[tuple[str, str, dt.datetime]]:
    """The first of each step's stages still to come (a step's stages come in order: 提醒,
    督办, 通报). Only these are watched; the next one is watched once this one has fired."""
    first: dict[str, tuple[str, str, dt.datetime]] = {}
    for step, stage, at in pending(incident, fired):
        first.setdefault(step, (step, stage, at))
    return list(first.values())


def escalation_payload(step: str, stage: str, due: dt.datetime | None) -> dict[str, Any]:
    return {
        "step": step,
        "stage": stage,
        "due": due.isoformat() if due else None,
        "note": f"{STEP_NAMES[step]}时限{STAGE_NAMES[stage]}",
    }


def missed(
    reported_at: dt.datetime,
    due: Mapping[str, dt.datetime | None],
    done_at: Mapping[str, dt.datetime],
    until: dt.datetime,
) -> list[tuple[dt.datetime, str, str, dt.datetime]]:
    """The (moment, step, stage, due) this engine fires for an incident whose steps were done at
    ``done_at`` (step → time; missing: not done by ``until``) — for replaying the past. ``due``
    holds the incident's due columns (``sign_for_due`` …)."""
    fired = []
    for step, column in DUE_COLUMNS.items():
        limit = due.get(column)
        if limit is None:
            continue
        deadline = min(done_at.get(step, until), until)
        for stage, at in stages(limit, min(reported_at, limit)).items():
            if at < deadline:
                fired.append((at, step, stage, limit))
    return sorted(fired)


def fired_stages(session: Session, incident_ids: Iterable[int]) -> dict[int, set[tuple[str, str]]]:
    ids = list(incident_ids)
    result: dict[int, set[tuple[str, str]]] = {i: set() for i in ids}
    for start in range(0, len(ids), 5000):
        rows = session.execute(
            select(IncidentEvent.incident_id, IncidentEvent.payload).where(
                IncidentEvent.incident_id.in_(ids[start : start + 5000]),
                IncidentEvent.action == "escalate",
            )
        )
        for incident_id, payload in rows:
            result[incident_id].add((str(payload.get("step")), str(payload.get("stage"))))
    return result


# A change is picked up even when its transaction committed this long after the time it
# recorded: a group commit takes its time before it writes, and a writer may wait for the lock.
COMMIT_LAG = dt.timedelta(seconds=10)
# A stage whose writing failed (the database busy or gone) is tried again this much later.
RETRY_AFTER = dt.timedelta(seconds=5)


class TimeLimitEngine:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self.wheel = TimerWheel()
        self.watermark: dt.datetime | None = None
        # The incidents changed within the last look's window, each with its change's stamp.
        self._loaded: dict[int, object] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _load(self, incidents: Sequence[Timed], fired: Mapping[int, set[tuple[str, str]]]) -> None:
        """Watch the incidents' next stages (done once the reading transaction has ended, so
        that it is open no longer than the reading: on SQLite a checkpoint waits for readers)."""
        for incident in incidents:
            self.wheel.cancel(incident.id)
            for step, stage, at in next_stages(incident, fired[incident.id]):
                self.wheel.add(incident.id, step, stage, at)

    def rebuild(self) -> int:
        """Load every open incident's limits from the database (at start, or after a restart)."""
        self.wheel = TimerWheel()
        started = utcnow()
        with session_scope(self.factory, read_only=True) as session:
            open_incidents = _timed(session, Incident.state.not_in(FINAL_STATES))
            fired = fired_stages(session, [i.id for i in open_incidents])
        self._load(open_incidents, fired)
        self._loaded = {}  # the first look loads the last COMMIT_LAG's changes once more
        self.watermark = started
        return len(open_incidents)

    def refresh(self) -> int:
        """Pick up incidents created or changed since the last look, and changes that committed
        after it with an earlier time (the last ``COMMIT_LAG`` is read again; a change already
        read is not loaded twice). Returns how many were loaded."""
        since = (
            self.watermark - COMMIT_LAG
            if self.watermark is not None
            else dt.datetime.min.replace(tzinfo=dt.UTC)
        )
        started = utcnow()
        # Read-only: a session of its own would begin as a writer (SQLite's BEGIN IMMEDIATE)
        # and hold every writer up each second for as long as the reading took.
        with session_scope(self.factory, read_only=True) as session:
            seen = _stamps(session, since)
            ids = [i for i, stamp in seen.items() if self._loaded.get(i) != stamp]
            changed = [
                incident
                for start in range(0, len(ids), 500)
                for incident in _timed(session, Incident.id.in_(ids[start : start + 500]))
            ]
            fired = fired_stages(session, [i.id for i in changed])
        self._load(changed, fired)
        # What is older than the window is never read again; a change read by the second
        # statement, newer than its stamp, is loaded once more next time: harmless.
        self._loaded = seen
        self.watermark = started
        return len(changed)

    def fire(self, now: dt.datetime | None = None) -> list[Fired]:
        """Escalate every stage that is due; returns what was written."""
        now = now or utcnow()
        written = []
        failed = []
        # A stage handled puts its step's next one in the wheel, which may be due already.
        while due := self.wheel.due(now):
            for item in due:
                try:
                    with session_scope(self.factory) as session:
                        done, following = self._escalate(session, item)
                except PinganError as exc:  # the incident moved on meanwhile: nothing to do
                    log.info("escalation of %s skipped: %s", item.incident_id, exc.message)
                    continue
                except Exception:  # the database, for a moment: the stage is tried again
                    log.exception("escalation of %s failed", item.incident_id)
                    failed.append(item)
                    continue
                if done:
                    written.append(item)
                for step, stage, at in following:
                    self.wheel.add(item.incident_id, step, stage, at)
        for item in failed:  # its step's later stages are only watched once it has been handled
            self.wheel.add(item.incident_id, item.step, item.stage, now + RETRY_AFTER)
        return written

    def _escalate(
        self, session: Session, item: Fired
    ) -> tuple[bool, list[tuple[str, str, dt.datetime]]]:
        """Write ``item``'s stage if it is still to come; returns whether it was written and
        the next stage of its step still to come (none when the incident is gone)."""
        incident = session.get(Incident, item.incident_id, with_for_update=True)
        if incident is None:
            return False, []
        fired = fired_stages(session, [incident.id])[incident.id]
        done = (item.step, item.stage) in {(s, g) for s, g, _ in pending(incident, fired)}
        if done:
            due = getattr(incident, DUE_COLUMNS[item.step])
            transition(
                session,
                actor=ENGINE_ACTOR,
                incident=incident,
                action="escalate",
                payload=escalation_payload(item.step, item.stage, due),
            )
            fired.add((item.step, item.stage))
        return done, [n for n in next_stages(incident, fired) if n[0] == item.step]

    def run(self, tick: float = 0.2, poll: float = 1.0) -> None:
        """Loop until ``stop()``: refresh about every ``poll`` seconds, fire every ``tick``."""
        last_poll = 0.0
        clock = 0.0
        while not self._stop.is_set():
            try:
                if clock - last_poll >= poll:
                    self.refresh()
                    last_poll = clock
                self.fire()
            except Exception:  # keep the engine alive; the next tick retries
                log.exception("time-limit engine tick failed")
            self._stop.wait(tick)
            clock += tick

    def start(self) -> None:
        def boot() -> None:
            self.rebuild()
            self.run()

        self._thread = threading.Thread(target=boot, name="pingan-time-limits", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
