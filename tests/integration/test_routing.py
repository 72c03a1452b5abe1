"""Routing in the database: every code finds a unit, returns re-route, limits escalate and
survive a restart."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pingan.area.models import Place
from pingan.db.session import session_scope
from pingan.demo.build import build_demo
from pingan.incident.actions import create_incident, transition
from pingan.incident.assignment import decide, decisions_of, load_directory
from pingan.incident.history import events_of, verify_history
from pingan.incident.models import Incident
from pingan.incident.schemas import IncidentCreate
from pingan.incident.timers import RETRY_AFTER, TimeLimitEngine
from pingan.taxonomy import call_types
from pingan.unit.models import Unit
from pingan.user.scope import SYSTEM

XINCHANG = "330624"


@pytest.fixture
def shaoxing(session: Session) -> Place:
    """A fully populated county: 新昌县 with every kind of unit of the demo."""
    build_demo(session, city_code="330600")
    session.flush()
    village = session.scalar(
        select(Place).where(Place.county_code == XINCHANG, Place.level == "village").limit(1)
    )
    assert village is not None
    return village


def test_every_code_of_the_table_routes_to_a_unit(session: Session, shaoxing: Place) -> None:
    directory = load_directory(session, [shaoxing])
    now = dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC)
    for code, call_type in call_types().items():
        decision = decide(directory, code, shaoxing, now)
        assert decision.lead is not None and not decision.unroutable, (code, decision.reason)
        assert decision.rule and decision.rules_version
        if not call_type.police:
            assert "派出所" not in decision.lead.name or code == "606500", (code, decision.lead)


def test_a_non_police_matter_goes_to_the_department_with_the_reason(
    session: Session, shaoxing: Place
) -> None:
    incident, _ = create_incident(
        session,
        actor=SYSTEM,
        data=IncidentCreate(
            channel="110",
            description="停电了，问什么时候来电",
            place_code=shaoxing.code,
            code="600200",
        ),
    )
    assert incident.state == "assigned"
    decision = decisions_of(session, incident)[0]
    assert decision.lead_unit_id is not None and not decision.unroutable
    assert "供电" in decision.reason and decision.rules_version
    assert decision.trace["lead"]["type"] == "power_supply"


def test_a_returned_incident_gets_a_new_suggestion_without_the_unit_that_returned_it(
    session: Session, shaoxing: Place
) -> None:
    incident, _ = create_incident(
        session,
        actor=SYSTEM,
        data=IncidentCreate(
            channel="110", description="邻居吵架", place_code=shaoxing.code, code="200200"
        ),
    )
    first = decisions_of(session, incident)[0].lead_unit_id
    transition(
        session,
        actor=SYSTEM,
        incident=incident,
        action="return_incident",
        payload={"reason": "不属本所辖区"},
    )
    assert incident.state == "returned"
    latest = decisions_of(session, incident)[0]
    assert latest.lead_unit_id != first
    # The only station covering the place returned it: the suggestion says so, for a person.
    assert latest.unroutable and "派出所" in latest.reason
    event = events_of(session, incident.id)[-1]
    assert event.action == "return_incident" and event.payload["suggestion"]["lead"] is None
    other = session.scalar(
        select(Unit.id).where(
            Unit.county_code == XINCHANG, Unit.type == "police_station", Unit.id != first
        )
    )
    transition(
        session, actor=SYSTEM, incident=incident, action="assign", payload={"units": [other]}
    )
    assert incident.state == "assigned" and verify_history(session, incident) == []


def _fight_three_minutes_ago(session: Session, place: Place) -> Incident:
    """A fight reported three minutes ago: its sign-for limit is already past."""
    incident, _ = create_incident(
        session,
        actor=SYSTEM,
        data=IncidentCreate(
            channel="110",
            description="有人打架",
            place_code=place.code,
            code="200100",
            urgency=2,
            reported_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3),
        ),
    )
    return incident


def test_limits_escalate_once_each_and_survive_a_restart(
    session_factory: sessionmaker[Session], shaoxing: Place
) -> None:
    with session_scope(session_factory) as session:
        incident = _fight_three_minutes_ago(session, shaoxing)
        incident_id = incident.id
        sign_for_due = incident.sign_for_due
    assert sign_for_due is not None and sign_for_due < dt.datetime.now(dt.UTC)

    engine = TimeLimitEngine(session_factory)
    assert engine.rebuild() >= 1
    first = engine.fire(sign_for_due + dt.timedelta(seconds=1))
    assert {(f.step, f.stage) for f in first if f.incident_id == incident_id} >= {
        ("sign_for", "warning"),
        ("sign_for", "supervise"),
    }
    # A restart: a new engine rebuilds from the database and does not repeat what was written.
    restarted = TimeLimitEngine(session_factory)
    restarted.rebuild()
    again = restarted.fire(sign_for_due + dt.timedelta(seconds=1))
    assert not [
        f
        for f in again
        if f.incident_id == incident_id
        and f.step == "sign_for"
        and f.stage in ("warning", "supervise")
    ]
    later = restarted.fire(sign_for_due + dt.timedelta(hours=1))
    assert ("sign_for", "notice") in {
        (f.step, f.stage) for f in later if f.incident_id == incident_id
    }
    with session_scope(session_factory) as session:
        escalations = [
            (e.payload["step"], e.payload["stage"])
            for e in events_of(session, incident_id)
            if e.action == "escalate"
        ]
        assert len(escalations) == len(set(escalations))  # each stage written once
        assert ("sign_for", "notice") in escalations
        # Signing for it ends the sign-for clock: no more sign-for stages are pending.
        incident = session.get(Incident, incident_id)
        assert incident is not None
        transition(session, actor=SYSTEM, incident=incident, action="sign_for", payload={})
    restarted.refresh()
    assert not [
        f
        for f in restarted.fire(sign_for_due + dt.timedelta(days=1))
        if f.incident_id == incident_id and f.step == "sign_for"
    ]


def test_a_change_committed_after_the_engine_looked_is_still_watched(
    session_factory: sessionmaker[Session], shaoxing: Place
) -> None:
    engine = TimeLimitEngine(session_factory)
    engine.rebuild()
    looked = engine.watermark
    assert looked is not None
    with session_scope(session_factory) as session:
        incident = _fight_three_minutes_ago(session, shaoxing)
        # Its time was taken before the engine looked and its transaction committed after (a
        # group commit takes its time before it writes).
        incident.updated_at = looked - dt.timedelta(seconds=2)
        incident_id, sign_for_due = incident.id, incident.sign_for_due
    assert sign_for_due is not None

    assert engine.refresh() >= 1
    # Read again at the next look, unchanged, it is not loaded a second time.
    assert engine.refresh() == 0
    fired = engine.fire(sign_for_due + dt.timedelta(seconds=1))
    assert ("sign_for", "supervise") in {
        (f.step, f.stage) for f in fired if f.incident_id == incident_id
    }


def test_a_stage_whose_writing_failed_is_tried_again_and_its_step_goes_on(
    session_factory: sessionmaker[Session], shaoxing: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(session_factory) as session:
        incident = _fight_three_minutes_ago(session, shaoxing)
        incident_id, sign_for_due = incident.id, incident.sign_for_due
    assert sign_for_due is not None
    engine = TimeLimitEngine(session_factory)
    engine.rebuild()
    real = engine._escalate
    broken = {"times": 1}

    def busy_once(session: Session, item: Any) -> Any:
        if item.incident_id == incident_id and broken["times"]:
            broken["times"] -= 1
            raise OperationalError("UPDATE incident", {}, Exception("database is locked"))
        return real(session, item)

    monkeypatch.setattr(engine, "_escalate", busy_once)
    now = sign_for_due + dt.timedelta(seconds=1)
    first = engine.fire(now)
    assert not [f for f in first if f.incident_id == incident_id and f.step == "sign_for"]
    later = engine.fire(now + RETRY_AFTER)
    assert {("sign_for", "warning"), ("sign_for", "supervise")} <= {
        (f.step, f.stage) for f in later if f.incident_id == incident_id
    }


def test_a_pause_moves_the_limits_later(session: Session, shaoxing: Place) -> None:
    incident, _ = create_incident(
        session,
        actor=SYSTEM,
        data=IncidentCreate(
            channel="12345", description="小区路灯坏了", place_code=shaoxing.code, code="609900"
        ),
    )
    finish_before = incident.finish_due
    assert finish_before is not None
    transition(
        session,
        actor=SYSTEM,
        incident=incident,
        action="pause",
        payload={"reason": "等待群众补充材料"},
    )
    assert incident.paused_at is not None
    incident.paused_at = incident.paused_at - dt.timedelta(hours=5)  # as if paused five hours ago
    transition(session, actor=SYSTEM, incident=incident, action="resume", payload={})
    assert incident.paused_at is None
    assert incident.finish_due is not None and incident.finish_due - finish_before >= dt.timedelta(
        hours=5
    )
