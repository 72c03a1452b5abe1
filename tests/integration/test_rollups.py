"""The rollups always equal a recount from the incident table, whatever happened to incidents."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from pingan.analytics.models import MEASURES
from pingan.analytics.rollups import apply_events, rebuild_rollups
from pingan.area.models import Place
from pingan.db.base import utcnow
from pingan.incident.actions import create_incident, transition
from pingan.incident.history import GENESIS, event_hash
from pingan.incident.lifecycle import allowed_actions
from pingan.incident.models import Incident, IncidentEvent
from pingan.incident.schemas import IncidentCreate
from pingan.unit.actions import create_unit
from pingan.unit.schemas import UnitCreate
from pingan.user.scope import SYSTEM

pytestmark = pytest.mark.db
XINCHANG = "330624"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CODES = ("100100", "200200", "300100", "500300", "600600", "600200", "600300")
# The actions the random walk takes (the lifecycle may grow others).
WALKED = frozenset(
    {
        "triage",
        "assign",
        "sign_for",
        "arrive",
        "progress",
        "finish",
        "close",
        "call_back",
        "return_incident",
        "reopen",
        "merge",
        "cancel",
    }
)
KEY = (
    "day",
    "city_code",
    "county_code",
    "town_code",
    "village_code",
    "category_group",
    "channel",
    "police",
)

TOWN_KEY = KEY[:4]
COUNTY_KEY = (*KEY[:3], "category_group")


def recount(
    session: Session, exclude: frozenset[int] = frozenset()
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """What the fine rollup should hold, counted straight from incidents (and arrival events)."""
    arrivals = dict(
        session.execute(
            select(IncidentEvent.incident_id, IncidentEvent.at)
            .where(IncidentEvent.action == "arrive")
            .order_by(IncidentEvent.incident_id, IncidentEvent.seq.desc())
        ).all()
    )
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for i in session.scalars(select(Incident)):
        if i.id in exclude:
            continue
        key = (
            i.reported_at.astimezone(SHANGHAI).date(),
            i.city_code or "",
            i.county_code or "",
            i.town_code or "",
            i.village_code or "",
            (i.final_code or "")[:2],
            i.channel,
            -1 if i.police is None else int(i.police),
        )
        called_back = i.state == "called_back"
        arrived = arrivals.get(i.id)
        row = {
            "received": 1,
            "diverted": int(i.police is False),
            "closed": int(i.state in ("closed", "called_back")),
            "called_back": int(called_back),
            "solved": int(called_back and bool(i.solved)),
            "satisfaction_sum": (i.satisfaction or 0) if called_back else 0,
            "satisfaction_count": int(called_back and i.satisfaction is not None),
            "arrival_seconds_sum": int((arrived - i.reported_at).total_seconds()) if arrived else 0,
            "arrival_count": int(arrived is not None),
            "returned": i.return_count,
        }
        for index, name in enumerate(MEASURES):
            totals[key][index] += row[name]
    return {k: tuple(v) for k, v in totals.items()}


def stored(
    session: Session, table: str, key: tuple[str, ...]
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    columns = ", ".join((*key, *MEASURES))
    result = {}
    for row in session.execute(text(f"SELECT {columns} FROM {table}")):
        values = tuple(int(v) for v in row[len(key) :])
        if any(values):
            day = row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(row[0])
            result[(day, *row[1 : len(key)])] = values
    return result


def coarsen(
    fine: dict[tuple[Any, ...], tuple[int, ...]], columns: tuple[str, ...]
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    positions = [KEY.index(c) for c in columns]
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for key, values in fine.items():
        for index, value in enumerate(values):
            totals[tuple(key[p] for p in positions)][index] += value
    return {k: tuple(v) for k, v in totals.items() if any(v)}


def add(
    left: dict[tuple[Any, ...], tuple[int, ...]], right: dict[tuple[Any, ...], tuple[int, ...]]
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    keys = set(left) | set(right)
    zero = (0,) * len(MEASURES)
    summed = {
        k: tuple(a + b for a, b in zip(left.get(k, zero), right.get(k, zero), strict=True))
        for k in keys
    }
    return {k: v for k, v in summed.items() if any(v)}


class Baseline:
    """What the database held before the test (other tests may have committed rows)."""

    def __init__(self, session: Session) -> None:
        self.ids = frozenset(session.scalars(select(Incident.id)))
        self.fine = stored(session, "rollup_daily", KEY)


def assert_rollups_match(session: Session, baseline: Baseline) -> None:
    """The rollups moved by exactly what a recount of this test's incidents gives."""
    session.flush()
    expected = add(baseline.fine, recount(session, exclude=baseline.ids))
    assert stored(session, "rollup_daily", KEY) == expected
    fine = stored(session, "rollup_daily", KEY)
    assert stored(session, "rollup_town_daily", TOWN_KEY) == coarsen(fine, TOWN_KEY)
    assert stored(session, "rollup_county_daily", COUNTY_KEY) == coarsen(fine, COUNTY_KEY)


def _payload(action: str, rng: random.Random, unit_id: int, numbers: list[str]) -> dict[str, Any]:
    if action == "triage":
        code = rng.choice(CODES)
        return {"code": code, "police": not code.startswith("60"), "urgency": rng.randint(1, 4)}
    if action == "assign":
        return {"units": [unit_id]}
    if action == "finish":
        return {"result": "已处置"}
    if action == "call_back":
        return {"satisfaction": rng.randint(1, 5), "solved": rng.random() < 0.7}
    if action == "progress":
        return {"note": "持续跟进"}
    if action == "merge":
        return {"into": numbers[0]}
    if action in ("return_incident", "reopen", "cancel"):
        return {"reason": "测试"}
    return {}


def test_rollups_equal_a_recount_after_a_random_history(session: Session) -> None:
    baseline = Baseline(session)
    rng = random.Random(20261123)
    places = list(
        session.scalars(
            select(Place)
            .where(Place.county_code == XINCHANG, Place.level.in_(("town", "village")))
            .order_by(Place.code)
            .limit(40)
        )
    )
    unit = create_unit(
        session,
        data=UnitCreate(name="南明派出所", type="police_station", place_code=XINCHANG),
    )
    now = utcnow()
    numbers: list[str] = []
    for n in range(30):
        when = now - dt.timedelta(hours=rng.uniform(0, 80))
        if n % 7 == 0:
            when = now - dt.timedelta(days=365, hours=rng.uniform(0, 24))
        incident, _ = create_incident(
            session,
            actor=SYSTEM,
            data=IncidentCreate(
                channel=rng.choice(("110", "12345", "grid", "app")),
                description=rng.choice(("电动车被盗", "邻居吵架", "工地夜间噪音扰民", "钥匙丢了")),
                place_code=rng.choice(places).code,
                reported_at=when,
            ),
        )
        for _step in range(rng.randint(0, 12)):
            choices = [
                a
                for a in allowed_actions(incident.state)
                if a in WALKED and (a != "merge" or numbers)
            ]
            if not choices:
                break
            action = rng.choice(choices)
            if action == "merge":
                targets = session.scalars(
                    select(Incident.number).where(
                        Incident.number.in_(numbers),
                        Incident.state.not_in(("merged", "cancelled")),
                    )
                ).all()
                if not targets:
                    continue
                numbers.insert(0, targets[0])
            transition(
                session,
                actor=SYSTEM,
                incident=incident,
                action=action,
                payload=_payload(action, rng, unit.id, numbers),
            )
        numbers.append(incident.number)
        if n % 10 == 9:
            assert_rollups_match(session, baseline)
    assert_rollups_match(session, baseline)
    states = set(session.scalars(select(Incident.state)))
    assert len(states) >= 4  # the walk really went through the lifecycle
    # Rebuilding from scratch gives exactly a recount of every incident.
    rebuild_rollups(session.connection())
    assert stored(session, "rollup_daily", KEY) == recount(session)


def _core_event(
    number: str, incident_id: int, seq: int, prev: str, action: str, payload: dict[str, Any]
) -> dict[str, Any]:
    at = utcnow()
    to_state = "received" if action == "create" else "triaged"
    row = {
        "incident_id": incident_id,
        "seq": seq,
        "at": at,
        "actor_id": None,
        "actor": "bulk",
        "action": action,
        "from_state": None if action == "create" else "received",
        "to_state": to_state,
        "payload": payload,
        "prev_hash": prev,
    }
    row["hash"] = event_hash(
        number=number,
        seq=seq,
        at=at,
        actor="bulk",
        action=action,
        from_state=row["from_state"],
        to_state=to_state,
        payload=payload,
        prev_hash=prev,
    )
    return row


def test_a_batch_inserted_on_a_bare_connection_is_counted_by_apply_events(session: Session) -> None:
    baseline = Baseline(session)
    town = session.scalar(
        select(Place).where(Place.county_code == XINCHANG, Place.level == "town").limit(1)
    )
    assert town is not None
    now = utcnow()
    events = []
    for n in range(12):
        number = f"BULK{n:05d}"
        code = CODES[n % len(CODES)]
        incident_id = session.execute(
            insert(Incident)
            .values(
                number=number,
                channel="12345",
                reported_at=now - dt.timedelta(minutes=n),
                created_at=now,
                description="批量导入",
                place_code=town.code,
                city_code=town.city_code,
                county_code=town.county_code,
                town_code=town.code,
                state="triaged",
                initial_code=code,
                final_code=code,
                police=not code.startswith("60"),
                return_count=0,
                updated_at=now,
            )
            .returning(Incident.id)
        ).scalar_one()
        create = _core_event(number, incident_id, 1, GENESIS, "create", {"initial_code": code})
        triage = _core_event(
            number,
            incident_id,
            2,
            create["hash"],
            "triage",
            {"code": code, "police": not code.startswith("60")},
        )
        events += [create, triage]
    connection = session.connection()
    connection.execute(insert(IncidentEvent), events)
    # A bare connection is not hooked: nothing counted yet.
    assert stored(session, "rollup_daily", KEY) == baseline.fine
    assert apply_events(connection, events) == 24
    assert_rollups_match(session, baseline)
    added = recount(session, exclude=baseline.ids)
    assert sum(v[MEASURES.index("received")] for v in added.values()) == 12
    # The 60xxxx (社会联动) ones: n % 7 in 4, 5, 6.
    assert sum(v[MEASURES.index("diverted")] for v in added.values()) == 4


def test_a_batch_inserted_through_the_session_is_counted_once(session: Session) -> None:
    baseline = Baseline(session)
    town = session.scalar(
        select(Place).where(Place.county_code == XINCHANG, Place.level == "town").limit(1)
    )
    assert town is not None
    now = utcnow()
    incident_id = session.execute(
        insert(Incident)
        .values(
            number="BULK99999",
            channel="110",
            reported_at=now,
            created_at=now,
            description="批量导入",
            place_code=town.code,
            city_code=town.city_code,
            county_code=town.county_code,
            town_code=town.code,
            state="received",
            initial_code="100100",
            final_code="100100",
            return_count=0,
            updated_at=now,
        )
        .returning(Incident.id)
    ).scalar_one()
    session.execute(
        insert(IncidentEvent.__table__),  # type: ignore[arg-type]
        [_core_event("BULK99999", incident_id, 1, GENESIS, "create", {"initial_code": "100100"})],
    )
    assert_rollups_match(session, baseline)
