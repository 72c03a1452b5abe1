"""The history is append-only, tamper-evident, and the current state can be rebuilt from it."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from pingan.errors import Conflict, InvalidInput
from pingan.incident.actions import create_incident, transition
from pingan.incident.history import events_of, rebuild_snapshot, verify_history
from pingan.incident.lifecycle import TRANSITIONS, allowed_actions
from pingan.incident.models import Incident, IncidentAssignment
from pingan.incident.schemas import IncidentCreate
from pingan.unit.actions import create_unit
from pingan.unit.schemas import UnitCreate
from pingan.user.scope import SYSTEM

PAYLOADS = {
    "triage": lambda rng: {
        "code": rng.choice(["100100", "200200", "600600"]),
        "urgency": rng.randint(1, 4),
    },
    "progress": lambda rng: {"note": "已联系当事人"},
    "finish": lambda rng: {"result": rng.choice(["已调解", "已处理", "现场无异常"])},
    "call_back": lambda rng: {"satisfaction": rng.randint(1, 5), "solved": rng.random() < 0.8},
    "return_incident": lambda rng: {"reason": "不属本单位职责"},
    "reopen": lambda rng: {"reason": "群众不满意"},
    "cancel": lambda rng: {"reason": "误拨"},
}


def _random_history(
    session: Session, rng: random.Random, units: list[int], count: int
) -> list[Incident]:
    incidents = []
    for n in range(count):
        incident, _ = create_incident(
            session,
            actor=SYSTEM,
            data=IncidentCreate(channel="110", description=f"第{n}起", place_code="330624"),
        )
        for _ in range(rng.randint(0, 14)):
            allowed = [a for a in allowed_actions(incident.state) if a not in ("merge", "cancel")]
            # Mostly legal moves, sometimes any move at all (an illegal one must change nothing).
            if not allowed or rng.random() < 0.15:
                action = rng.choice(sorted(TRANSITIONS))
            else:
                action = rng.choice(allowed)
            if action == "merge":
                continue
            payload = (
                {"units": rng.sample(units, rng.randint(1, 2))}
                if action == "assign"
                else (PAYLOADS[action](rng) if action in PAYLOADS else {})
            )
            try:
                transition(session, actor=SYSTEM, incident=incident, action=action, payload=payload)
            except (Conflict, InvalidInput):
                continue
        incidents.append(incident)
    return incidents


def test_the_stored_state_equals_the_state_rebuilt_from_events(session: Session) -> None:
    rng = random.Random(7)
    units = [
        create_unit(
            session, data=UnitCreate(name=f"单位{i}", type="police_station", place_code="330624")
        ).id
        for i in range(3)
    ]
    incidents = _random_history(session, rng, units, 40)
    session.commit()
    states = set()
    for incident in incidents:
        session.refresh(incident)
        rebuilt = rebuild_snapshot(session, incident.id)
        states.add(rebuilt.state)
        for name in (
            "state",
            "initial_code",
            "final_code",
            "urgency",
            "result",
            "satisfaction",
            "solved",
            "return_count",
        ):
            assert getattr(rebuilt, name) == getattr(incident, name), (incident.number, name)
        active = sorted(
            session.scalars(
                select(IncidentAssignment.unit_id).where(
                    IncidentAssignment.incident_id == incident.id,
                    IncidentAssignment.active.is_(True),
                )
            )
        )
        assert sorted(rebuilt.unit_ids) == active
        assert verify_history(session, incident) == []
    assert len(states) >= 5  # the walk really covered the machine


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE incident_event SET payload = '{}'",
        "DELETE FROM incident_event",
    ],
)
def test_the_database_refuses_to_alter_history(session: Session, statement: str) -> None:
    create_incident(
        session,
        actor=SYSTEM,
        data=IncidentCreate(channel="110", description="测试", place_code="330624"),
    )
    session.flush()
    with pytest.raises(DatabaseError, match="append-only"), session.begin_nested():
        session.execute(text(statement))


def test_an_edit_behind_the_databases_back_breaks_the_chain(session: Session, backend: str) -> None:
    incident, _ = create_incident(
        session,
        actor=SYSTEM,
        data=IncidentCreate(channel="110", description="测试", place_code="330624"),
    )
    transition(
        session, actor=SYSTEM, incident=incident, action="triage", payload={"code": "100100"}
    )
    session.flush()
    assert verify_history(session, incident) == []
    last = len(events_of(session, incident.id))
    # Someone with the database's keys drops the guard and rewrites the last payload.
    if backend == "sqlite":
        session.execute(text("DROP TRIGGER incident_event_no_update"))
    else:
        session.execute(
            text("ALTER TABLE incident_event DISABLE TRIGGER incident_event_append_only")
        )
    session.execute(
        text("UPDATE incident_event SET payload = :p WHERE incident_id = :i AND seq = :s"),
        {"p": '{"code": "200200"}', "i": incident.id, "s": last},
    )
    session.expire_all()
    problems = verify_history(session, incident)
    assert any(f"事件 {last}" in p for p in problems)
    assert not any(f"事件 {last - 1}" in p for p in problems)  # earlier events are still good
    assert len(events_of(session, incident.id)) == last


def test_an_incident_at_a_village_without_a_point_gets_its_towns(session: Session) -> None:
    from pingan.area.models import Place

    village = session.scalar(
        select(Place).where(
            Place.county_code == "330624", Place.level == "village", Place.lon.is_(None)
        )
    )
    assert village is not None and village.town_code
    town = session.get(Place, village.town_code)
    assert town is not None and town.lon is not None
    incident, _ = create_incident(
        session,
        actor=SYSTEM,
        data=IncidentCreate(channel="110", description="村口有人吵架", place_code=village.code),
    )
    assert (incident.lon, incident.lat) == (town.lon, town.lat)
    assert incident.village_code == village.code
