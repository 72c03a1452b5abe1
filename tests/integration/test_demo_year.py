"""The demo's simulated days go through the real pipeline: triaged, routed, handled, escalated
where late, every history intact, the rollups equal to a recount, and a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pingan.demo.build import build_demo
from pingan.demo.year import build_year, built_days
from pingan.incident.history import verify_history
from pingan.incident.lifecycle import replay
from pingan.incident.models import Incident, IncidentAssignment, IncidentEvent
from pingan.incident.schemas import SHANGHAI
from tests.integration.test_rollups import Baseline, assert_rollups_match

UNTIL = dt.datetime(2026, 7, 15, 9, 30, tzinfo=dt.UTC)


def test_simulated_days_pass_through_the_pipeline(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    build_demo(session, city_code="330600")
    session.commit()
    baseline = Baseline(session)

    summary = build_year(session_factory, "330600", days=3, scale=0.02, until=UNTIL)

    assert summary.created > 60
    assert summary.refused == 0
    made = list(session.scalars(select(Incident).where(Incident.external_id.like("SIM-%"))))
    assert len(made) == summary.created
    # Triage and routing ran on each one: a category, a place inside 绍兴, a routing decision.
    assert all(i.initial_code and i.city_code == "330600" for i in made)
    states = Counter(i.state for i in made)
    assert any(i.return_count for i in made)  # some were sent back and given to another unit
    assert states["called_back"] > 0 and states["signed_for"] + states["assigned"] > 0
    # Nothing happened after the end of the period, and every history is intact and replays to
    # the stored state.
    latest = session.scalar(
        select(func.max(IncidentEvent.at)).where(
            IncidentEvent.incident_id.in_([i.id for i in made])
        )
    )
    assert latest is not None and latest <= UNTIL
    for incident in made[:40]:
        assert verify_history(session, incident) == []
        events = session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident.id)
            .order_by(IncidentEvent.seq)
        ).all()
        assert replay((e.action, e.payload) for e in events).state == incident.state
        assert [e.at for e in events] == sorted(e.at for e in events)
    # The unit that handled it holds it.
    held = session.scalar(
        select(func.count())
        .select_from(IncidentAssignment)
        .where(
            IncidentAssignment.incident_id.in_(
                [i.id for i in made if i.state in ("signed_for", "called_back")]
            ),
            IncidentAssignment.active.is_(True),
        )
    )
    assert held and held >= states["signed_for"] + states["called_back"]
    # Late steps were escalated by the time limits, and only late ones.
    escalations = session.scalars(
        select(IncidentEvent.payload).where(
            IncidentEvent.action == "escalate",
            IncidentEvent.incident_id.in_([i.id for i in made]),
        )
    ).all()
    assert escalations and {p["stage"] for p in escalations} <= {"warning", "supervise", "notice"}
    assert_rollups_match(session, baseline)

    again = build_year(session_factory, "330600", days=3, scale=0.02, until=UNTIL)
    assert again.created == 0


def test_the_newest_days_come_first_and_an_interrupted_build_resumes(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """`make demo` serves once the latest weeks are built and fills in the rest of the year
    afterwards: the two runs together cover every day, and no call is stored twice."""
    build_demo(session, city_code="330600")
    session.commit()
    newest = UNTIL.astimezone(SHANGHAI).date()
    window = [newest - dt.timedelta(days=n) for n in range(4)]

    first = build_year(session_factory, "330600", days=1, scale=0.02, until=UNTIL)
    stored = session.scalars(select(Incident.reported_at).where(Incident.external_id.like("SIM-%")))
    assert first.created > 10
    assert {at.astimezone(SHANGHAI).date() for at in stored} == {newest}

    rest = build_year(session_factory, "330600", days=4, scale=0.02, until=UNTIL)
    assert rest.created > 2 * first.created and rest.refused == 0
    days = Counter(
        at.astimezone(SHANGHAI).date()
        for at in session.scalars(
            select(Incident.reported_at).where(Incident.external_id.like("SIM-%"))
        )
    )
    assert set(days) == set(window)
    assert sum(days.values()) == first.created + rest.created
    assert built_days(session, window, "330600") == set(window)
    assert built_days(session, window, "330000") == set()  # the province's own calls: none yet
    assert build_year(session_factory, "330600", days=4, scale=0.02, until=UNTIL).created == 0
