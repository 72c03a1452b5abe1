"""Keeping the rollups current from the incident history.

Two halves:

* :func:`incident_deltas` (pure): an incident, its whole history and which events are new →
  the change to the rollups. It folds the history before and after the new events with the
  lifecycle's own ``apply`` and subtracts one contribution from the other, so a triage that
  changes a category moves the incident's counts from one key to another.
* :func:`apply_events` (database): loads the incidents and histories behind some just-inserted
  events, computes the deltas and adds them to every rollup grain with one portable UPSERT per
  grain (``INSERT … ON CONFLICT DO UPDATE``, SQLite and PostgreSQL).

Hooks in ``analytics/models.py`` count every event written through a ``Session``: appended with
``session.add`` (mapper ``after_insert``) or inserted in bulk with ``session.execute(insert(…),
rows)`` (``do_orm_execute``). Only a path that inserts events on a bare ``Connection`` calls
:func:`apply_events` itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from pingan.analytics.models import (
    MEASURES,
    RollupCountyDaily,
    RollupDaily,
    RollupTownDaily,
)
from pingan.db.bulk import add_many
from pingan.incident.lifecycle import Snapshot, apply
from pingan.incident.models import Incident, IncidentEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
FINE_KEY = (
    "day",
    "city_code",
    "county_code",
    "town_code",
    "village_code",
    "category_group",
    "channel",
    "police",
)
# Each grain and the key columns it keeps (a prefix-free projection of the fine key).
GRAINS: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (cast(Table, RollupDaily.__table__), FINE_KEY),
    (cast(Table, RollupTownDaily.__table__), ("day", "city_code", "county_code", "town_code")),
    (
        cast(Table, RollupCountyDaily.__table__),
        ("day", "city_code", "county_code", "category_group"),
    ),
)
_CHUNK = 500

Key = tuple[Any, ...]


@dataclass(frozen=True)
class IncidentFacts:
    """What about an incident never changes after it is recorded."""

    id: int
    reported_at: dt.datetime
    channel: str
    city_code: str | None = None
    county_code: str | None = None
    town_code: str | None = None
    village_code: str | None = None


@dataclass(frozen=True)
class EventFacts:
    seq: int
    at: dt.datetime
    action: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Delta:
    """Add ``measures`` to the fine-grain row ``key`` (values may be negative)."""

    key: Key
    measures: tuple[int, ...]


def beijing_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def category_group(code: str | None) -> str:
    return code[:2] if code else ""


def police_flag(police: bool | None) -> int:
    return -1 if police is None else int(police)


def contribution(
    incident: IncidentFacts, snapshot: Snapshot, arrived_at: dt.datetime | None
) -> tuple[Key, tuple[int, ...]]:
    """The fine-grain key and measures one incident adds, given its current facts."""
    key = (
        beijing_day(incident.reported_at),
        incident.city_code or "",
        incident.county_code or "",
        incident.town_code or "",
        incident.village_code or "",
        category_group(snapshot.final_code),
        incident.channel,
        police_flag(snapshot.police),
    )
    called_back = snapshot.state == "called_back"
    rated = called_back and snapshot.satisfaction is not None
    arrival = (
        max(0, int((arrived_at - incident.reported_at).total_seconds()))
        if arrived_at is not None
        else None
    )
    values = {
        "received": 1,
        "diverted": int(snapshot.police is False),
        "closed": int(snapshot.state in ("closed", "called_back")),
        "called_back": int(called_back),
        "solved": int(called_back and snapshot.solved is True),
        "satisfaction_sum": int(snapshot.satisfaction or 0) if rated else 0,
        "satisfaction_count": int(rated),
        "arrival_seconds_sum": arrival or 0,
        "arrival_count": int(arrival is not None),
        "returned": snapshot.return_count,
    }
    return key, tuple(values[name] for name in MEASURES)


def _fold(events: Iterable[EventFacts]) -> tuple[Snapshot | None, dt.datetime | None]:
    snapshot: Snapshot | None = None
    arrived_at: dt.datetime | None = None
    for event in events:
        snapshot = apply(snapshot or Snapshot(), event.action, event.payload)
        if event.action == "arrive" and arrived_at is None:
            arrived_at = event.at
    return snapshot, arrived_at


def incident_deltas(
    incident: IncidentFacts, history: Sequence[EventFacts], new_seqs: set[int]
) -> list[Delta]:
    """The rollup change made by the events ``new_seqs`` of one incident (pure).

    ``history`` is the incident's history in order, new events included. The events before the
    first new one were counted already; the events after the last new one are left for a later
    call (the ORM hook sees every event of a flush in the database at once, one at a time).
    """
    if not new_seqs:
        return []
    first, last = min(new_seqs), max(new_seqs)
    ordered = sorted(history, key=lambda e: e.seq)
    before, before_arrival = _fold(e for e in ordered if e.seq < first)
    after, after_arrival = _fold(e for e in ordered if e.seq <= last)
    deltas: list[Delta] = []
    if before is not None:
        key, values = contribution(incident, before, before_arrival)
        deltas.append(Delta(key, tuple(-v for v in values)))
    if after is not None:
        key, values = contribution(incident, after, after_arrival)
        deltas.append(Delta(key, values))
    if len(deltas) == 1:  # a new incident: nothing to cancel out
        return deltas if any(deltas[0].measures) else []
    return merge_deltas(deltas)


def recorded_deltas(
    recorded: Iterable[tuple[IncidentFacts, Snapshot, dt.datetime | None]],
) -> list[Delta]:
    """The rollup change made by incidents recorded whole — their complete history written at
    once, as a batch creation does — from each one's final snapshot and first arrival (pure).

    The same as :func:`incident_deltas` with every event new, without folding the events again:
    the creation path holds the snapshot it built them from.
    """
    return merge_deltas(
        Delta(*contribution(facts, snapshot, arrived_at))
        for facts, snapshot, arrived_at in recorded
    )


def merge_deltas(deltas: Iterable[Delta]) -> list[Delta]:
    """Sum deltas that share a key; drop those that cancel out."""
    sums: dict[Key, tuple[int, ...]] = {}
    for delta in deltas:
        total = sums.get(delta.key)
        sums[delta.key] = (
            delta.measures
            if total is None
            else tuple(a + b for a, b in zip(total, delta.measures, strict=True))
        )
    return [Delta(key, values) for key, values in sums.items() if any(values)]


def project(deltas: Iterable[Delta], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Fine-grain deltas summed to a coarser grain, as rows for an UPSERT, in key order."""
    pick = itemgetter(*(FINE_KEY.index(c) for c in columns))
    projected = merge_deltas(Delta(pick(d.key), d.measures) for d in deltas)
    # A fixed order, so concurrent transactions lock rows in the same order (no deadlock).
    projected.sort(key=lambda d: d.key)
    return [
        dict(zip(columns, d.key, strict=True)) | dict(zip(MEASURES, d.measures, strict=True))
        for d in projected
    ]


def apply_deltas(connection: Connection, deltas: Sequence[Delta]) -> None:
    """Add the deltas to every grain with ``INSERT … ON CONFLICT DO UPDATE``."""
    if not deltas:
        return
    for table, columns in GRAINS:
        rows = project(deltas, columns)
        for start in range(0, len(rows), _CHUNK):
            add_many(connection, table, columns, rows[start : start + _CHUNK])


def _field(row: Any, name: str) -> Any:
    if type(row) is dict:  # the common case, checked first: an ABC check costs more
        return row[name]
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def apply_events(bind: Session | Connection, rows: Iterable[Any]) -> int:
    """Count just-inserted incident events into the rollups; returns how many were counted.

    Contract for a batch path that inserts events with Core on a bare ``Connection``. Events
    written through a ``Session`` — ``session.add`` or ``session.execute(insert(IncidentEvent…),
    rows)`` with the rows as parameters — are counted by the hooks already: never pass them here
    too, or they count twice (the recount test catches that).

    * ``rows`` are the inserted events, as mappings or objects with ``incident_id`` and ``seq``;
    * call it in the same transaction as the inserts, after them (the rows must be visible on
      this connection), so the rollups commit or roll back with the events;
    * each event is passed exactly once, in order of ``seq`` per incident across calls: the
      events of an incident before the first new one must have been counted already;
    * the incident row (reported time, channel, place codes) must exist.

    The histories of the touched incidents are read back in one query per 500 incidents, and each
    grain gets one UPSERT per 500 keys, so a batch of thousands of events costs a few statements.
    A path that records new incidents with their whole history holds their facts already: it
    counts them with :func:`recorded_deltas` and :func:`apply_deltas` instead, reading nothing.
    """
    connection = bind.connection() if isinstance(bind, Session) else bind
    new: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        new[int(_field(row, "incident_id"))].add(int(_field(row, "seq")))
    if not new:
        return 0
    counted = sum(len(seqs) for seqs in new.values())
    deltas: list[Delta] = []
    ids = sorted(new)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        incidents = {
            r.id: IncidentFacts(
                id=r.id,
                reported_at=r.reported_at,
                channel=r.channel,
                city_code=r.city_code,
                county_code=r.county_code,
                town_code=r.town_code,
                village_code=r.village_code,
            )
            for r in connection.execute(
                select(
                    Incident.id,
                    Incident.reported_at,
                    Incident.channel,
                    Incident.city_code,
                    Incident.county_code,
                    Incident.town_code,
                    Incident.village_code,
                ).where(Incident.id.in_(chunk))
            )
        }
        histories: dict[int, list[EventFacts]] = defaultdict(list)
        for r in connection.execute(
            select(
                IncidentEvent.incident_id,
                IncidentEvent.seq,
                IncidentEvent.at,
                IncidentEvent.action,
                IncidentEvent.payload,
            )
            .where(IncidentEvent.incident_id.in_(chunk))
            .order_by(IncidentEvent.incident_id, IncidentEvent.seq)
        ):
            histories[r.incident_id].append(EventFacts(r.seq, r.at, r.action, r.payload or {}))
        for incident_id in chunk:
            facts = incidents.get(incident_id)
            if facts is None:
                raise ValueError(f"incident {incident_id} not found for its events")
            deltas += incident_deltas(facts, histories[incident_id], new[incident_id])
    apply_deltas(connection, merge_deltas(deltas))
    return counted


def rebuild_rollups(connection: Connection, *, batch: int = 2000) -> int:
    """Empty the rollups and count every incident again from its history; returns the number
    of events counted. Used by the migration that created the rollups, and to repair them."""
    for table, _columns in GRAINS:
        connection.execute(table.delete())
    counted = 0
    last = 0
    while True:
        ids = list(
            connection.execute(
                select(Incident.id).where(Incident.id > last).order_by(Incident.id).limit(batch)
            ).scalars()
        )
        if not ids:
            return counted
        events = connection.execute(
            select(IncidentEvent.incident_id, IncidentEvent.seq).where(
                IncidentEvent.incident_id.in_(ids)
            )
        ).mappings()
        counted += apply_events(connection, list(events))
        last = ids[-1]
