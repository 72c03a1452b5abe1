"""A year of the demo city (or province) through the real pipeline.

The simulator (``simulate.py``) says who called, when, from where and what they said, and the
tempo of the people who handled it. Each day's calls then go through ``create_incidents`` like
any import — triage reads the text and the address (scoped to the county's 110 centre), routing
picks the units, time limits are set — and what followed is replayed as history events at their
own times: the routed unit signs for it, arrives, finishes, the case is closed and the caller
called back, and wherever a step came late the time-limit engine's 提醒/督办/通报 are written
when they fell due. Every event passes the lifecycle's checks; nothing is written in a final
state without the history that leads there. A call whose routing found no unit stays with the
dispatcher, as it would.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import threading
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from pingan.area.models import Place
from pingan.db.base import utcnow
from pingan.db.session import session_scope
from pingan.demo.simulate import Area, SimCall, id_prefix, simulate, simulate_days
from pingan.demo.texts import TextBank
from pingan.incident.assignment import DUE_COLUMNS, UnitDirectory, load_directory
from pingan.incident.creation import NewIncident, Planned, create_incidents
from pingan.incident.lifecycle import TRANSITIONS, Snapshot
from pingan.incident.models import Incident
from pingan.incident.schemas import SHANGHAI, IncidentCreate
from pingan.incident.timers import DONE_STATES, ENGINE_ACTOR, escalation_payload, missed
from pingan.intake.ahead import Answer, TriageAhead
from pingan.intake.collection import collected_between_batches
from pingan.routing.engine import Decision, UnitRef
from pingan.triage.decide import warm_up
from pingan.user.scope import Actor

RESULTS = {
    "police": (
        "民警到场处置完毕，已告知当事人相关规定",
        "经现场调解双方达成一致",
        "已查明情况并处置",
    ),
    "other": ("已转交责任单位办理完毕", "工作人员已现场处理，问题已解决", "已答复诉求人并处理"),
}


@dataclass
class YearSummary:
    calls: int = 0
    created: int = 0
    refused: int = 0
    refused_reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _populations() -> dict[str, float]:
    path = resources.files("pingan.data").joinpath("places", "county_population.csv")
    with path.open(encoding="utf-8") as handle:
        return {row["code"]: float(row["population_2020"]) for row in csv.DictReader(handle)}


def areas_of(session: Session, code: str) -> list[Area]:
    """The villages and communities under ``code`` (a city, or the province), each weighed by
    its county's census population shared among the county's villages."""
    places = list(
        session.scalars(
            select(Place).where(
                Place.level.in_(("city", "county", "town", "village")),
                Place.code.like(f"{code.rstrip('0')}%"),
            )
        )
    )
    by_code = {p.code: p for p in places}
    villages = [p for p in places if p.level == "village"]
    per_county: dict[str, int] = defaultdict(int)
    for village in villages:
        per_county[village.county_code or ""] += 1
    population = _populations()
    mean = sum(population.values()) / max(1, len(villages)) if code == "330000" else 0.0
    fallback = mean or (sum(population.get(c, 0.0) for c in per_county) / max(1, len(villages)))
    areas = []
    for village in villages:
        county = by_code.get(village.county_code or "")
        town = by_code.get(village.town_code or "")
        city = by_code.get(village.city_code or "")
        if county is None or town is None:
            continue
        people = population.get(county.code)
        share = people / per_county[county.code] if people else fallback
        point = next((p for p in (village, town, county) if p.lon is not None), village)
        areas.append(
            Area(
                code=village.code,
                name=village.name,
                town=town.name,
                county=county.name,
                population=share,
                lon=point.lon,
                lat=point.lat,
                city=city.name if city else "",
            )
        )
    return areas


def _towns_directory(session: Session, code: str) -> UnitDirectory:
    """The units covering the towns under ``code`` (the dispatcher's choices, see
    :func:`_dispatchers_choice`)."""
    towns = session.scalars(
        select(Place).where(Place.level == "town", Place.code.like(f"{code.rstrip('0')}%"))
    )
    return load_directory(session, towns)


def _dispatchers_choice(directory: UnitDirectory, police: bool | None, town: str) -> UnitRef | None:
    """Whom the dispatcher gives a call that routing could not place (or that came back): the
    police station or the town government of the caller's town."""
    units = directory.units_for("police_station" if police else "town_government", town)
    return units[0] if units else None


def _county_actor(county_code: str) -> Actor:
    return Actor(
        id=None,
        username=f"110-{county_code}",
        role="call_taker",
        place_code=county_code,
        place_level="county",
    )


ON_TIME = 0.88  # share of steps that would have come late which people finish within the limit


def _paced(
    call: SimCall,
    steps: list[tuple[dt.timedelta | None, str]],
    due: Mapping[str, dt.datetime | None],
    start: dt.datetime,
) -> list[dt.datetime | None]:
    """The steps' times: the simulated tempo, except that people see the countdown — a step that
    would come after its limit is, most of the time, done before it."""
    rnd = random.Random(zlib.crc32(call.external_id.encode()))
    times: list[dt.datetime | None] = []
    previous = start
    for after, action in steps:
        if after is None:
            times.append(None)
            continue
        at = max(call.reported_at + after, previous + dt.timedelta(seconds=30))
        limit = due.get(DUE_COLUMNS.get(action, ""))
        if limit is not None and at > limit > previous and rnd.random() < ON_TIME:
            at = previous + (limit - previous) * rnd.uniform(0.35, 0.97)
        times.append(at)
        previous = at
    return times


def _plan(
    call: SimCall, call_taker: Actor, until: dt.datetime, directory: UnitDirectory
) -> Callable[..., list[Planned]]:
    """What followed the call: the dispatcher's choice where routing found no unit, its handling
    tempo applied to the unit that holds it, and the time-limit escalations of late steps."""

    def plan(
        snapshot: Snapshot, decision: Decision, due: Mapping[str, dt.datetime | None]
    ) -> list[Planned]:
        events: list[Planned] = []
        dispatcher = Actor(id=None, username="调度员", role="dispatcher")
        lead = decision.lead if snapshot.state == "assigned" else None
        if lead is None:
            town = call.area_code[:9]
            lead = _dispatchers_choice(directory, snapshot.police, town)
            if lead is None:
                return _escalations(call, {}, due, until, [])
            chosen = call.reported_at + dt.timedelta(minutes=3)
            if chosen > until:
                return _escalations(call, {}, due, until, [])
            reason = f"调度员人工分派：按报警地址交{lead.name}"
            events.append(
                Planned(dispatcher, "assign", {"units": [lead.id], "reason": reason}, chosen)
            )
        handling = call.handling
        town = call.area_code[:9]
        other = _dispatchers_choice(directory, snapshot.police, town)
        if handling.returned_first and handling.return_after is not None and other is not None:
            # The first unit sends it back (not theirs); the dispatcher gives it to the town's.
            back = max(_recorded(call, until), call.reported_at + handling.return_after)
            if other.id != lead.id and back + dt.timedelta(minutes=5) <= until:
                first = _handler(lead)
                reason = "经核实不属本单位职责或辖区，退回调度重新分派"
                events.append(Planned(first, "return_incident", {"reason": reason}, back))
                note = f"调度员重新分派：交{other.name}"
                again = back + dt.timedelta(minutes=5)
                events.append(
                    Planned(dispatcher, "assign", {"units": [other.id], "reason": note}, again)
                )
                lead = other
        handler = _handler(lead)
        result = RESULTS["police" if snapshot.police else "other"][len(call.text) % 3]
        steps: list[tuple[dt.timedelta | None, Actor, str, dict[str, object]]] = [
            (handling.sign_after, handler, "sign_for", {}),
            (handling.arrive_after if snapshot.police else None, handler, "arrive", {}),
            (handling.finish_after, handler, "finish", {"result": result}),
            (handling.close_after, handler, "close", {}),
            (
                handling.call_back_after,
                call_taker,
                "call_back",
                {"satisfaction": handling.satisfaction or 5, "solved": bool(handling.solved)},
            ),
        ]
        if not snapshot.police:
            steps.pop(1)  # no attendance for a ticket
        begun = events[-1].at if events else _recorded(call, until)  # after the dispatcher
        times = _paced(call, [(after, action) for after, _, action, _ in steps], due, begun)
        done_at: dict[str, dt.datetime] = {}
        for (_, who, action, payload), at in zip(steps, times, strict=True):
            if at is None or at > until:
                break  # not done by the end of the period; neither is anything after it
            events.append(Planned(who, action, dict(payload), at))
            for step in _done_steps(action):
                done_at.setdefault(step, at)
        return _escalations(call, done_at, due, until, events)

    return plan


def _handler(unit: UnitRef) -> Actor:
    return Actor(id=None, username=f"{unit.name}值班", role="unit_handler", unit_id=unit.id)


def _done_steps(action: str) -> list[str]:
    """The time-limit steps that count as done once ``action`` is (the engine's own rule)."""
    state = TRANSITIONS[action].target
    return [step for step, states in DONE_STATES.items() if state in states]


def _escalations(
    call: SimCall,
    done_at: dict[str, dt.datetime],
    due: Mapping[str, dt.datetime | None],
    until: dt.datetime,
    events: list[Planned],
) -> list[Planned]:
    fired = [
        Planned(ENGINE_ACTOR, "escalate", escalation_payload(step, stage, limit), at)
        for at, step, stage, limit in missed(call.reported_at, due, done_at, until)
        if at >= _recorded(call, until)
    ]
    return sorted(events + fired, key=lambda e: (e.at, e.action != "escalate"))


def _recorded(call: SimCall, until: dt.datetime) -> dt.datetime:
    """When the call-taker saved it: moments after the call came in."""
    return min(call.reported_at + dt.timedelta(seconds=20), until)


def _items(
    calls: Sequence[SimCall], until: dt.datetime, actor: Actor, directory: UnitDirectory
) -> list[NewIncident]:
    return [
        NewIncident(
            IncidentCreate(
                channel=call.channel,
                description=call.text,
                address=call.address or None,
                reported_at=call.reported_at,
                lon=call.lon,
                lat=call.lat,
                caller_name=call.caller_name,
                caller_phone=call.caller_phone,
                external_id=call.external_id,
            ),
            recorded_at=_recorded(call, until),
            then=_plan(call, actor, until, directory),
        )
        for call in calls
    ]


def _days(
    areas: Sequence[Area], dates: Sequence[dt.date], scale: float, seed: int, until: dt.datetime
) -> Iterator[dict[str, list[SimCall]]]:
    """Each date's calls (up to ``until``) by county code, duplicates left out."""
    county_of = {a.code: a.code[:6] for a in areas}
    end = dt.datetime.combine(
        until.astimezone(SHANGHAI).date() + dt.timedelta(days=1), dt.time(), SHANGHAI
    )
    texts = TextBank.from_corpus()
    for calls in simulate_days(areas, dates, end=end, seed=seed, scale=scale, texts=texts):
        by_county: dict[str, list[SimCall]] = defaultdict(list)
        for call in calls:
            if call.reported_at <= until and call.duplicate_of is None:
                by_county[county_of[call.area_code]].append(call)
        yield by_county


# Does a day already hold simulated calls? (Each day is written in one transaction.)
_ANY_CALL_BETWEEN = (
    select(Incident.id)
    .where(
        Incident.reported_at >= bindparam("begin"),
        Incident.reported_at < bindparam("end"),
        Incident.external_id.like(bindparam("pattern")),
    )
    .limit(1)
)


def built_days(session: Session, dates: Sequence[dt.date], prefix: str = "") -> set[dt.date]:
    """The dates (Beijing days) whose simulated calls are already stored (those of the areas
    with this record-number ``prefix``: a city's days do not count for the province)."""
    connection = session.connection()
    pattern = f"SIM-{prefix}-%" if prefix else "SIM-%"
    found = set()
    for day in dates:
        begin = dt.datetime.combine(day, dt.time(), SHANGHAI)
        end = begin + dt.timedelta(days=1)
        found_one = connection.execute(
            _ANY_CALL_BETWEEN, {"begin": begin, "end": end, "pattern": pattern}
        ).first()
        if found_one:
            found.add(day)
    return found


def build_year(
    factory: sessionmaker[Session],
    code: str = "330600",
    *,
    days: int = 365,
    scale: float = 1.0,
    seed: int = 2026,
    until: dt.datetime | None = None,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
) -> YearSummary:
    """Simulate ``days`` days ending at ``until`` (default now) for the city or province
    ``code`` at ``scale`` × its real volume, through the pipeline, the newest day first (so the
    screens have today and the last weeks as soon as they can). ``progress(1)`` is called after
    each day is written. Days already built are skipped — except the newest of them, which is
    gone through again for the calls since (a call already stored, by its record number, is not
    added twice) — so a second run adds only what is missing, and an interrupted one resumes."""
    until = until or utcnow()
    warm_up()
    last_day = until.astimezone(SHANGHAI).date()
    window = [last_day - dt.timedelta(days=n) for n in range(days)]  # newest first
    with session_scope(factory, read_only=True) as session:
        areas = areas_of(session, code)
        directory = _towns_directory(session, code)
        done = built_days(session, window, id_prefix(areas))
    if done:
        done.discard(max(done))
    dates = [day for day in window if day not in done]
    if progress and done:
        progress(len(done))
    summary = YearSummary()
    Day = dict[str, list[NewIncident]]
    pending: list[tuple[Day, dict[str, Answer | None]]] = []

    def write(day: Day, triaged: dict[str, Answer | None]) -> None:
        with session_scope(factory) as session:
            for county, items in sorted(day.items()):
                future = triaged.get(county)
                outcomes = create_incidents(
                    session,
                    actor=_county_actor(county),
                    items=items,
                    suggestions=future.result() if future is not None else None,
                )
                summary.calls += len(items)
                for outcome in outcomes:
                    if outcome.error is not None:
                        summary.refused += 1
                        summary.refused_reasons[outcome.error.message[:40]] += 1
                    elif outcome.created:
                        summary.created += 1
        if progress:
            progress(1)

    with TriageAhead(workers) as ahead, collected_between_batches() as collect:
        for calls in _days(areas, dates, scale, seed, until):
            collect()
            day = {
                county: _items(found, until, _county_actor(county), directory)
                for county, found in calls.items()
            }
            triaged = {
                county: ahead.submit([item.data for item in items], county)
                for county, items in day.items()
            }
            pending.append((day, triaged))
            if len(pending) > ahead.workers:
                write(*pending.pop(0))
        while pending:
            write(*pending.pop(0))
    return summary


def live_calls(
    factory: sessionmaker[Session],
    code: str,
    stop: threading.Event,
    *,
    per_minute: float = 12.0,
    seed: int = 7,
) -> int:
    """Keep new calls arriving until ``stop`` is set: simulated calls of the area (what is said,
    where), received now, ``per_minute`` of them a minute, through the same pipeline. Returns how
    many were recorded."""
    with session_scope(factory, read_only=True) as session:
        areas = areas_of(session, code)
        directory = _towns_directory(session, code)
    bank = TextBank.from_corpus()
    started = utcnow().astimezone(SHANGHAI)
    day = started.date()
    recorded = 0
    while not stop.is_set():
        for calls in simulate(areas, day, 1, seed=seed, texts=bank):
            for call in calls:
                if stop.wait(60.0 / per_minute):
                    return recorded
                now = utcnow()
                fresh = replace(
                    call,
                    reported_at=now,
                    external_id=f"LIVE-{started:%Y%m%d%H%M%S}-{call.external_id}",
                )
                county = fresh.area_code[:6]
                with session_scope(factory) as session:
                    (outcome,) = create_incidents(
                        session,
                        actor=_county_actor(county),
                        items=_items([fresh], now, _county_actor(county), directory),
                    )
                recorded += int(outcome.created)
        day += dt.timedelta(days=1)
    return recorded
