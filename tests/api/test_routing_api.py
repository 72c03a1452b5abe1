"""The routing, dispatch and time-limit views of an incident, over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from pingan.db.session import session_scope
from pingan.demo.build import build_demo
from tests.api.helpers import report

XINCHANG = "330624"


def test_an_incident_shows_why_it_went_where_who_should_go_and_by_when(
    client: TestClient, persona, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        build_demo(session, city_code="330600")
    dispatcher = persona("route_disp", "dispatcher", place=XINCHANG)
    made = report(
        client,
        dispatcher,
        description="报警人称在南明街道被人打了，头部流血",
        code="100500",
        address="新昌县南明街道",
    )
    number = made["number"]
    decisions = client.get(f"/api/incidents/{number}/routing", headers=dispatcher.headers).json()
    assert decisions[0]["lead_unit_id"] == made["assignments"][0]["unit_id"]
    assert decisions[0]["rules_version"] and "派出所" in decisions[0]["reason"]
    assert decisions[0]["trace"]["trace"]  # every unit considered, with why
    picks = client.get(f"/api/incidents/{number}/recommendations", headers=dispatcher.headers)
    body = picks.json()
    assert body["area_type"] in ("urban", "suburban", "rural")
    first = body["recommendations"][0]
    assert first["available"] and first["eta_minutes"] > 0 and first["reason"]
    assert {"eta", "capability", "workload", "total"} <= set(first["score"])
    clocks = client.get(f"/api/incidents/{number}/timers", headers=dispatcher.headers).json()
    steps = {s["step"]: s for s in clocks["steps"]}
    assert {"sign_for", "arrive", "finish"} <= set(steps)
    assert [g["stage"] for g in steps["sign_for"]["stages"]] == ["warning", "supervise", "notice"]


def test_route_preview_names_the_owner_or_says_why_not(
    client: TestClient, persona, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        build_demo(session, city_code="330600")
    dispatcher = persona("route_disp2", "dispatcher", place=XINCHANG)
    power = client.post(
        "/api/route", json={"code": "600200", "place": "330624001"}, headers=dispatcher.headers
    ).json()
    assert power["lead"]["type"] == "power_supply" and not power["unroutable"]
    nowhere = client.post(
        "/api/route", json={"code": "600200", "place": "331004"}, headers=dispatcher.headers
    ).json()
    assert nowhere["unroutable"] and nowhere["reason"]  # 路桥区 has no units in this demo
    bad = client.post(
        "/api/route", json={"code": "123", "place": "330624"}, headers=dispatcher.headers
    )
    assert bad.status_code == 422
