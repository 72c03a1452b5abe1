"""Recording new incidents, one or thousands at a time, through one code path.

For every new incident: triage proposes category, police or not, urgency and place; the place is
settled (explicit, else read from the address inside the user's jurisdiction, else the user's
home); coordinates are converted to WGS-84 and checked; a 接警单 number is handed out; the row is
written with its first two history events (``create`` and ``triage``) chained by hash. A batch
does each of these once for all its rows (one place query, one number upsert per county, bulk
inserts), which is what lets bulk intake run near the storage limit. ``create_incident`` in
``actions.py`` is this with a batch of one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Executable, String, Table, bindparam, func, select, true, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from pingan.analytics.rollups import IncidentFacts, apply_deltas, beijing_day, recorded_deltas
from pingan.area.models import Place
from pingan.area.queries import is_within
from pingan.db.base import as_utc, utcnow
from pingan.db.bulk import insert_many
from pingan.errors import Forbidden, InvalidInput, NotFound, PinganError
from pingan.geo.coords import in_zhejiang_bbox, to_wgs84
from pingan.incident.assignment import (
    ROUTING_ACTOR,
    decide,
    decision_row,
    due_columns,
    load_directory,
    routing_event,
)
from pingan.incident.explanations import explanation_ids
from pingan.incident.history import Step, chained
from pingan.incident.lifecycle import Snapshot, apply, replay
from pingan.incident.models import (
    Incident,
    IncidentAssignment,
    IncidentEvent,
    RoutingDecision,
)
from pingan.incident.numbering import reserve_numbers
from pingan.incident.schemas import AssignmentRead, IncidentCreate
from pingan.routing.engine import Decision
from pingan.taxonomy import get_call_type
from pingan.triage import Triage
from pingan.triage.decide import triage_many
from pingan.user.scope import Actor

FUTURE_SLACK = dt.timedelta(minutes=5)
TRIAGE_ACTOR = Actor(id=None, username="triage", role="admin")
TRIAGE_ROLES = frozenset({"admin", "commander", "dispatcher", "call_taker"})


@dataclass(frozen=True)
class Planned:
    """An event that followed, in a replay of the past (who did what, when)."""

    actor: Actor
    action: str
    payload: dict[str, Any]
    at: dt.datetime


# The actions a replay of the past may carry at creation: those whose whole effect is the
# snapshot and the holders (re-triage, pause, resume, merge and reopen change due times or
# other incidents, and go through ``transition``).
PLANNABLE = frozenset(
    {
        "assign",
        "sign_for",
        "arrive",
        "progress",
        "finish",
        "close",
        "call_back",
        "return_incident",
        "escalate",
        "cancel",
    }
)

# Given the incident just triaged and routed (its snapshot, the routing decision and its due
# times), the events that followed, in time order.
Plan = Callable[[Snapshot, Decision, Mapping[str, dt.datetime | None]], Sequence[Planned]]


@dataclass(frozen=True)
class NewIncident:
    """One incident to record. ``recorded_at`` and ``then`` replay the past (the demo's year):
    when it was recorded (default now), and what followed — written in the same transaction as
    further history events, each one checked by the lifecycle like any action."""

    data: IncidentCreate
    idempotency_key: str | None = None
    recorded_at: dt.datetime | None = None
    then: Plan | None = None


@dataclass(frozen=True)
class Written:
    """What a new incident was stored as — its row (id and number included) and its assignments
    with their units' names — so that it can be answered without being read back."""

    incident: dict[str, Any]
    assignments: list[AssignmentRead]


# An incident a request already made: its id, its number, and the error that refuses the
# request instead (an Idempotency-Key reused with another request), if any.
Existing = tuple[int, str, PinganError | None]


@dataclass(frozen=True)
class Outcome:
    """What happened to one item: created, found already there, or refused (with the error)."""

    incident_id: int | None
    number: str | None
    created: bool
    error: PinganError | None = None
    written: Written | None = None  # for a new incident whose units' names were in hand


# Reads a batch makes, built once (expanding parameters) and run on the connection: building
# and caching a statement per batch cost more than running it.
_BY_SOURCE = select(Incident.id, Incident.number, Incident.external_id).where(
    Incident.channel == bindparam("channel"),
    Incident.external_id.in_(bindparam("external_ids", expanding=True)),
)


def _by_source_probed() -> Executable:
    """``_BY_SOURCE`` for PostgreSQL: one probe of the unique key (channel, external_id) per
    record number, in a LATERAL subquery the planner cannot merge into a join.

    Asked with ``external_id IN (…)``, PostgreSQL planned by the statistics of ``channel``:
    on a table never analysed it guessed a channel holds 0.5 % of the rows and read all of that
    channel's rows for each batch (by hand, EXPLAIN ANALYZE after 30,000 incidents: 30,000 rows
    read and 7.4 ms for a batch of 1,000, growing with the table; 2 to 3 ms probed, analysed or
    not, also as a generic prepared plan)."""
    wanted = (
        func.unnest(bindparam("external_ids", type_=ARRAY(String)))
        .table_valued("external_id")
        .render_derived(name="wanted")
    )
    found = (
        select(Incident.id, Incident.number, Incident.external_id)
        .where(
            Incident.channel == bindparam("channel"),
            Incident.external_id == wanted.c.external_id,
        )
        .limit(1)  # the key is unique: this keeps the subquery a probe
        .lateral("found")
    )
    return select(found.c.id, found.c.number, found.c.external_id).join_from(wanted, found, true())


_BY_SOURCE_PROBED = _by_source_probed()
_KEYED = (Incident.id, Incident.number, Incident.idempotency_key, Incident.request_hash)
# Idempotency-Keys looked up at most this many to a statement (see _by_keys).
_KEYS_AT_ONCE = 64
_IDS_BY_NUMBER = select(Incident.number, Incident.id).where(
    Incident.number.in_(bindparam("numbers", expanding=True))
)


def request_hash(data: IncidentCreate) -> str:
    """SHA-256 of a request's incident as it was validated: a retry has the same one."""
    return hashlib.sha256(data.model_dump_json().encode("utf-8")).hexdigest()


def _key_reused(item: NewIncident, number: str) -> InvalidInput:
    return InvalidInput(
        f"Idempotency-Key {item.idempotency_key} 已用于内容不同的另一次登记（{number}）："
        "重试须原样重发，新的警情请用新的键",
        field="Idempotency-Key",
    )


def find_existing(
    session: Session, actor: Actor, items: Sequence[NewIncident]
) -> dict[int, Existing]:
    """Item index → (id, number, refusal) of the incident the same request or source record
    already made. The refusal is an error when the item reuses an Idempotency-Key with a request
    that differs from the one the key first came with; else None."""
    found: dict[int, Existing] = {}
    sources: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.data.external_id:
            sources[item.data.channel].add(item.data.external_id)
    connection = session.connection()
    if sources:
        by_source: dict[tuple[str, str | None], tuple[int, str]] = {}
        lookup = _BY_SOURCE_PROBED if connection.dialect.name == "postgresql" else _BY_SOURCE
        for channel, external_ids in sources.items():  # one indexed lookup per channel
            rows = connection.execute(
                lookup, {"channel": channel, "external_ids": sorted(external_ids)}
            )
            by_source.update({(channel, r.external_id): (r.id, r.number) for r in rows})
        for index, item in enumerate(items):
            key = (item.data.channel, item.data.external_id)
            if key in by_source:
                found[index] = (*by_source[key], None)
    keys = sorted({i.idempotency_key for i in items if i.idempotency_key})
    if keys and actor.id is not None:
        by_key = {
            r.idempotency_key: r
            for start in range(0, len(keys), _KEYS_AT_ONCE)
            for r in connection.execute(_by_keys(actor.id, keys[start : start + _KEYS_AT_ONCE]))
        }
        for index, item in enumerate(items):
            row = by_key.get(item.idempotency_key)
            if row is None:
                continue
            reused = row.request_hash is not None and row.request_hash != request_hash(item.data)
            found[index] = (row.id, row.number, _key_reused(item, row.number) if reused else None)
    return found


def _by_keys(actor_id: int, keys: Sequence[str]) -> Executable:
    """The incidents ``actor_id`` made with these Idempotency-Keys: one lookup of the whole
    unique key (created_by, idempotency_key) per key, joined with UNION ALL.

    Asked as ``created_by = :actor AND idempotency_key IN (…)``, PostgreSQL chose its plan by
    the statistics of ``created_by``: where they were missing or older than the user (a new
    database, a new account since the last ANALYZE), it read the index by ``created_by`` alone
    and every one of that user's incidents with it (by hand, pg_stat_statements during ``python
    -m bench api_load``: 3.4 ms a lookup after 8,000 incidents, against 0.07 ms once analysed;
    about half of PostgreSQL's time per incident). The whole key is unique, so each lookup is
    one index probe whatever the statistics say."""
    lookups = [
        select(*_KEYED).where(Incident.created_by == actor_id, Incident.idempotency_key == key)
        for key in keys
    ]
    return lookups[0] if len(lookups) == 1 else union_all(*lookups)


def _request_keys(item: NewIncident) -> list[tuple[str, str]]:
    keys = []
    if item.data.external_id:
        keys.append(("source", f"{item.data.channel}\x00{item.data.external_id}"))
    if item.idempotency_key:
        keys.append(("key", item.idempotency_key))
    return keys


# The columns of a place that recording an incident reads (not its geometry).
_PLACE_COLUMNS = (
    Place.code,
    Place.parent_code,
    Place.level,
    Place.name,
    Place.city_code,
    Place.county_code,
    Place.town_code,
    Place.village_code,
    Place.lon,
    Place.lat,
)


_PLACES = select(*_PLACE_COLUMNS).where(Place.code.in_(bindparam("codes", expanding=True)))


def _places(session: Session, codes: set[str]) -> dict[str, Place]:
    """The places by code, as read-only rows with a place's attributes (loading them as ORM
    objects cost more than everything else a batch does with them)."""
    if not codes:
        return {}
    rows = session.connection().execute(_PLACES, {"codes": sorted(codes)})
    return {row.code: cast(Place, row) for row in rows}


def _settle_place(
    actor: Actor, data: IncidentCreate, suggestion: Triage, places: dict[str, Place]
) -> Place:
    home = places.get(actor.place_code) if actor.place_code else None
    if data.place_code:
        place = places.get(data.place_code)
        if place is None:
            raise NotFound(f"未知区划代码 {data.place_code}", field="place_code")
        if (
            home is not None
            and actor.role not in ("admin", "citizen")
            and not is_within(place, home)
        ):
            raise Forbidden(f"地点 {place.name}（{place.code}）不在您的辖区内", field="place_code")
        return place
    suggested = places.get(suggestion.place["code"]) if suggestion.place else None
    if suggested is not None and (
        home is None or actor.role == "citizen" or is_within(suggested, home)
    ):
        return suggested
    if home is not None:
        return home
    raise InvalidInput(
        "无法确定事发地：请提供区划代码 place_code 或可识别的地址", field="place_code"
    )


def _point_of(place: Place, places: dict[str, Place]) -> tuple[float | None, float | None]:
    """The place's point, else the nearest ancestor's (most villages have no point of their own)."""
    for code in (
        place.code,
        place.village_code,
        place.town_code,
        place.county_code,
        place.city_code,
    ):
        candidate = places.get(code) if code else None
        if candidate is not None and candidate.lon is not None:
            return candidate.lon, candidate.lat
    return None, None


def _coordinates(
    data: IncidentCreate, place: Place, places: dict[str, Place]
) -> tuple[float | None, float | None]:
    if data.lon is None or data.lat is None:
        return _point_of(place, places)
    lon, lat = to_wgs84(data.lon, data.lat, data.coord_system)
    if not in_zhejiang_bbox(lon, lat):
        raise InvalidInput(
            f"坐标 ({data.lon}, {data.lat}) 不在浙江省范围内（坐标系 {data.coord_system}）",
            field="lon",
        )
    return round(lon, 6), round(lat, 6)


def _triage_payload(
    actor: Actor, data: IncidentCreate, suggestion: Triage
) -> tuple[Actor, dict[str, Any]]:
    """The triage event: the model's suggestion, and the person's choice where they made one."""
    human = actor.role in TRIAGE_ROLES and (
        data.code is not None or data.police is not None or data.urgency is not None
    )
    code = (data.code if human else None) or suggestion.code
    call_type = get_call_type(code)
    police = data.police if human and data.police is not None else None
    if police is None:
        police = (
            suggestion.police if code == suggestion.code or call_type is None else call_type.police
        )
    payload = {
        "code": code,
        "suggested_code": suggestion.code,
        "police": police,
        "urgency": (data.urgency if human else None) or suggestion.urgency,
        "confidence": suggestion.confidence,
        "gov_category": suggestion.gov_category,
        "department": suggestion.department,
        "source": "human" if human else "model",
    }
    return (actor if human else TRIAGE_ACTOR), payload


@dataclass
class _Prepared:
    index: int
    item: NewIncident
    place: Place
    lon: float | None
    lat: float | None
    reported_at: dt.datetime
    suggestion: Triage
    triage_actor: Actor
    triage_payload: dict[str, Any]


@dataclass
class _Planned:
    """A prepared incident, routed and with its history, waiting for its number and id."""

    row: _Prepared
    decision: Decision
    history: list[Step]
    units: list[int]  # the units that hold it at the end of its replay
    since: dt.datetime  # since when
    columns: dict[str, Any]  # the incident row, but for its number
    snapshot: Snapshot  # its facts at the end of its history (what the rollups count)
    arrived_at: dt.datetime | None  # its first arrival on scene, if its history has one


@dataclass
class PreparedBatch:
    """A batch read and decided, ready for :func:`record_incidents`: reads only, so a caller can
    prepare it before its turn to write (the API's group commit) — nothing here needs the
    writer's lock except the final check that the requests are still new."""

    actor: Actor
    items: Sequence[NewIncident]
    now: dt.datetime
    refused: dict[int, Outcome]
    repeat_of: dict[int, int]
    planned: list[_Planned]


def create_incidents(
    session: Session,
    *,
    actor: Actor,
    items: Sequence[NewIncident],
    default_place: str | None = None,
    suggestions: Sequence[Triage] | None = None,
) -> list[Outcome]:
    """Record a batch; one outcome per item, in order. Flushes; the caller commits."""
    existing = find_existing(session, actor, items)
    batch = prepare_incidents(
        session,
        actor=actor,
        items=items,
        default_place=default_place,
        suggestions=suggestions,
        skip=existing,
    )
    return record_incidents(session, batch, existing=existing)


def triage_for_recording(
    texts: Sequence[str],
    addresses: Sequence[str | None],
    home: str | None,
    channels: Sequence[str | None],
) -> list[Triage]:
    """The triage a recorded incident gets, in one batch: addresses read against ``home``
    (:meth:`Actor.home_place`); without the evidence and alternatives a call-taker reads, which
    a recorded incident does not store. The import's triage worker calls this too."""
    return triage_many(texts, addresses, home, channels=channels, explain=False)


def triage_items(items: Sequence[IncidentCreate], home: str | None) -> list[Triage]:
    """:func:`triage_for_recording` of the incidents' texts, addresses and channels."""
    return triage_for_recording(
        [d.description for d in items],
        [d.address for d in items],
        home,
        [d.channel for d in items],
    )


def prepare_incidents(
    session: Session,
    *,
    actor: Actor,
    items: Sequence[NewIncident],
    default_place: str | None = None,
    suggestions: Sequence[Triage] | None = None,
    skip: Mapping[int, Any] | None = None,
) -> PreparedBatch:
    """Triage, place, route and replay each item (those in ``skip`` — already stored — aside)."""
    now = utcnow()
    skip = skip or {}
    refused: dict[int, Outcome] = {}
    # The same request twice in one batch: the later ones repeat the first.
    first_of: dict[tuple[str, str], int] = {}
    repeat_of: dict[int, int] = {}
    for index, item in enumerate(items):
        if index in skip:
            continue
        for key in _request_keys(item):
            if key in first_of:
                repeat_of[index] = first_of[key]
                break
        else:
            for key in _request_keys(item):
                first_of[key] = index
    todo = [i for i in range(len(items)) if i not in skip and i not in repeat_of]
    triaged = (
        [suggestions[i] for i in todo]  # given one per item
        if suggestions is not None
        else triage_items([items[i].data for i in todo], actor.home_place(default_place))
    )
    codes = {c for i in todo for c in (items[i].data.place_code,) if c}
    codes |= {t.place["code"] for t in triaged if t.place}
    if actor.place_code:
        codes.add(actor.place_code)
    places = _places(session, codes)
    ancestors = {
        code
        for place in places.values()
        if place.lon is None
        for code in (place.town_code, place.county_code, place.city_code)
        if code and code not in places
    }
    places.update(_places(session, ancestors))
    prepared: list[_Prepared] = []
    limit = now + FUTURE_SLACK
    for index, suggestion in zip(todo, triaged, strict=True):
        data = items[index].data
        try:
            place = _settle_place(actor, data, suggestion, places)
            lon, lat = _coordinates(data, place, places)
            reported_at = data.reported_at or now
            if reported_at > limit:
                raise InvalidInput("报警时间不能晚于当前时间", field="reported_at")
        except PinganError as error:
            refused[index] = Outcome(None, None, created=False, error=error)
            continue
        triage_actor, payload = _triage_payload(actor, data, suggestion)
        prepared.append(
            _Prepared(
                index, items[index], place, lon, lat, reported_at, suggestion, triage_actor, payload
            )
        )
    planned = _plan(session, actor, prepared, now)
    return PreparedBatch(actor, items, now, refused, repeat_of, planned)


def record_incidents(
    session: Session,
    batch: PreparedBatch,
    *,
    existing: Mapping[int, Existing] | None = None,
    keep_written: bool = False,
) -> list[Outcome]:
    """Write a prepared batch; one outcome per item, in order. Requests found already stored
    (``existing``, else looked up now) are answered with what they made; with ``keep_written``
    a new incident's outcome carries what it was stored as (``Outcome.written``). Flushes only."""
    if existing is None:
        existing = find_existing(session, batch.actor, batch.items)
    outcomes: list[Outcome | None] = [None] * len(batch.items)
    for index, (incident_id, number, refusal) in existing.items():
        outcomes[index] = (
            Outcome(incident_id, number, created=False)
            if refusal is None
            else Outcome(None, None, created=False, error=refusal)
        )
    for index, outcome in batch.refused.items():
        if outcomes[index] is None:
            outcomes[index] = outcome
    fresh = [p for p in batch.planned if outcomes[p.row.index] is None]
    _insert(session, fresh, batch.now, outcomes, keep_written)
    for index, first in batch.repeat_of.items():
        if outcomes[index] is not None:
            continue
        original = outcomes[first]
        assert original is not None
        item, earlier = batch.items[index], batch.items[first]
        if (
            original.number is not None
            and item.idempotency_key is not None
            and item.idempotency_key == earlier.idempotency_key
            and request_hash(item.data) != request_hash(earlier.data)
        ):  # the same key sent twice at once, with two different requests
            outcomes[index] = Outcome(None, None, False, _key_reused(item, original.number))
            continue
        outcomes[index] = Outcome(original.incident_id, original.number, False, original.error)
    return [o if o is not None else Outcome(None, None, False) for o in outcomes]


def _plan(
    session: Session, actor: Actor, prepared: list[_Prepared], now: dt.datetime
) -> list[_Planned]:
    """Route each incident and replay what followed (pure, once the units are read)."""
    if not prepared:
        return []
    directory = load_directory(session, [row.place for row in prepared])
    # One routing event per decision: incidents routed alike share its payload (and its text).
    events: dict[int, tuple[str, dict[str, Any]]] = {}
    planned = []
    for row in prepared:
        data, suggestion = row.item.data, row.suggestion
        at = row.item.recorded_at or now
        create_payload = {
            "channel": data.channel,
            "place_code": row.place.code,
            "initial_code": suggestion.code,
        }
        snapshot = replay([("create", create_payload), ("triage", row.triage_payload)])
        history: list[Step] = [
            (actor, "create", None, "received", create_payload, at),
            (row.triage_actor, "triage", "received", snapshot.state, row.triage_payload, at),
        ]
        decision = decide(
            directory, snapshot.final_code or suggestion.code, row.place, row.reported_at
        )
        if id(decision) not in events:
            events[id(decision)] = routing_event(decision)
        action, payload = events[id(decision)]
        before = snapshot.state
        snapshot = apply(snapshot, action, payload)
        history.append((ROUTING_ACTOR, action, before, snapshot.state, payload, at))
        due = due_columns(snapshot.final_code, snapshot.urgency, snapshot.police, row.reported_at)
        assigned_at = at
        arrived_at: dt.datetime | None = None
        for step in row.item.then(snapshot, decision, due) if row.item.then else ():
            if step.action not in PLANNABLE:
                raise ValueError(f"{step.action} cannot be replayed at creation (use transition)")
            before = snapshot.state
            snapshot = apply(snapshot, step.action, step.payload)  # raises if out of order
            history.append((step.actor, step.action, before, snapshot.state, step.payload, step.at))
            if step.action == "assign":
                assigned_at = step.at
            elif step.action == "arrive" and arrived_at is None:
                arrived_at = step.at
        columns = {
            "external_id": data.external_id,
            "idempotency_key": row.item.idempotency_key,
            "request_hash": request_hash(data) if row.item.idempotency_key else None,
            "channel": data.channel,
            "reported_at": row.reported_at,
            "created_at": at,
            "created_by": actor.id,
            "caller_name": data.caller_name,
            "caller_phone": data.caller_phone,
            "address": data.address,
            "description": data.description,
            "place_code": row.place.code,
            "city_code": row.place.city_code,
            "county_code": row.place.county_code,
            "town_code": row.place.town_code,
            "village_code": row.place.village_code,
            "lon": row.lon,
            "lat": row.lat,
            "state": snapshot.state,
            "initial_code": snapshot.initial_code,
            "final_code": snapshot.final_code,
            "police": snapshot.police,
            "urgency": snapshot.urgency,
            "result": snapshot.result,
            "satisfaction": snapshot.satisfaction,
            "solved": snapshot.solved,
            "return_count": snapshot.return_count,
            "updated_at": history[-1][5],
            **due,
        }
        planned.append(
            _Planned(
                row,
                decision,
                history,
                list(snapshot.unit_ids),
                assigned_at,
                columns,
                snapshot,
                arrived_at,
            )
        )
    return planned


def _insert(
    session: Session,
    planned: list[_Planned],
    now: dt.datetime,
    outcomes: list[Outcome | None],
    keep_written: bool,
) -> None:
    if not planned:
        return
    by_area: dict[tuple[str, dt.date], list[_Prepared]] = defaultdict(list)
    for plan in planned:
        row = plan.row
        area = row.place.county_code or row.place.city_code or row.place.code
        by_area[(area, beijing_day(row.item.recorded_at or now))].append(row)
    numbers: dict[int, str] = {}
    for (area, _day), rows in sorted(by_area.items()):
        when = rows[0].item.recorded_at or now
        for row, number in zip(rows, reserve_numbers(session, area, len(rows), when), strict=True):
            numbers[row.index] = number
    prepared = [plan.row for plan in planned]
    decisions = [plan.decision for plan in planned]
    incident_rows = [{"number": numbers[plan.row.index], **plan.columns} for plan in planned]
    # A plain executemany (no RETURNING: SQLite would fall back to one statement per row),
    # then the ids by the numbers just handed out.
    connection = session.connection()
    insert_many(connection, _table(Incident), incident_rows)
    number_list = [numbers[row.index] for row in prepared]
    found = connection.execute(_IDS_BY_NUMBER, {"numbers": number_list})
    id_of = {number: incident_id for number, incident_id in found}
    ids = [id_of[number] for number in number_list]
    event_rows = []
    texts: dict[int, str] = {}  # payload texts by identity: a shared routing payload once
    for plan, incident_id in zip(planned, ids, strict=True):
        event_rows += chained(incident_id, numbers[plan.row.index], plan.history, texts=texts)
    insert_many(connection, _table(IncidentEvent), event_rows)
    # The rollups, from the facts in hand: each new incident counted once, as it ends up.
    recorded = (
        (
            IncidentFacts(
                id=incident_id,
                reported_at=plan.row.reported_at,
                channel=plan.row.item.data.channel,
                city_code=plan.row.place.city_code,
                county_code=plan.row.place.county_code,
                town_code=plan.row.place.town_code,
                village_code=plan.row.place.village_code,
            ),
            plan.snapshot,
            plan.arrived_at,
        )
        for incident_id, plan in zip(ids, planned, strict=True)
    )
    apply_deltas(connection, recorded_deltas(recorded))
    # One explanation (stored once, see explanations.py) and one list of assisting units per
    # distinct decision, shared by its rows.
    distinct = list({id(d): d for d in decisions}.values())
    explained = explanation_ids(connection, [d.to_dict() for d in distinct])
    shared = {
        id(d): (explanation, [a.id for a in d.assists])
        for d, explanation in zip(distinct, explained, strict=True)
    }
    insert_many(
        connection,
        _table(RoutingDecision),
        [
            decision_row(i, d, row.item.recorded_at or now, *shared[id(d)])
            for i, d, row in zip(ids, decisions, prepared, strict=True)
        ],
    )
    assignments = []
    for incident_id, plan, stored in zip(ids, planned, incident_rows, strict=True):
        held = [
            {
                "incident_id": incident_id,
                "unit_id": unit_id,
                "role": "lead" if n == 0 else "assist",
                "active": True,
                "assigned_at": plan.since,
            }
            for n, unit_id in enumerate(plan.units)
        ]
        assignments += held
        outcomes[plan.row.index] = Outcome(
            incident_id,
            stored["number"],
            created=True,
            written=_written(incident_id, stored, held, plan.decision) if keep_written else None,
        )
    insert_many(connection, _table(IncidentAssignment), assignments)


def _written(
    incident_id: int, row: dict[str, Any], held: list[dict[str, Any]], decision: Decision
) -> Written | None:
    """The incident as stored (times in UTC, as they read back), if its units were named by its
    routing decision (else None: it is read back)."""
    names = {unit.id: unit.name for unit in (decision.lead, *decision.assists) if unit}
    if any(a["unit_id"] not in names for a in held):
        return None
    stored: dict[str, Any] = dict.fromkeys(_INCIDENT_COLUMNS)  # those not given are empty
    stored.update(
        (name, as_utc(value) if isinstance(value, dt.datetime) else value)
        for name, value in row.items()
    )
    stored["id"] = incident_id
    return Written(
        stored,
        [
            AssignmentRead(
                unit_id=a["unit_id"],
                unit_name=names[a["unit_id"]],
                role=a["role"],
                active=True,
                assigned_at=a["assigned_at"].astimezone(dt.UTC),
            )
            for a in held
        ],
    )


_INCIDENT_COLUMNS = tuple(c.name for c in cast(Table, Incident.__table__).columns)


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)
