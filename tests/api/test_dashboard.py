"""The dashboard panels: figures that follow incidents, scoped to the user's jurisdiction."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from pingan.db.session import session_scope
from pingan.incident.creation import NewIncident, create_incidents
from pingan.incident.schemas import IncidentCreate
from pingan.user.scope import Actor
from tests.api.helpers import act, add_unit, report

XINCHANG = "330624"
SHENGZHOU = "330683"
SHAOXING = "330600"
NANMING = "330624001"


def test_key_figures_follow_an_incident_from_report_to_call_back(
    client: TestClient, persona
) -> None:
    admin = persona("adm", "admin", place="330000")
    unit = add_unit(client, admin, name="南明派出所", type="police_station", place_code=XINCHANG)
    commander = persona("chief", "commander", place=XINCHANG)
    handler = persona("hand", "unit_handler", unit=unit["id"])
    before = client.get("/api/dashboard/figures", headers=commander.headers).json()
    incident = report(client, commander, code="100100", address="南明街道七星路88号")
    number = incident["number"]
    after = client.get("/api/dashboard/figures", headers=commander.headers).json()
    assert after["received"] == before["received"] + 1
    assert after["open"] == before["open"] + 1
    assert act(client, commander, number, "assign", units=[unit["id"]]).status_code == 200
    for action, payload in (("sign_for", {}), ("arrive", {}), ("finish", {"result": "已处置"})):
        assert act(client, handler, number, action, **payload).status_code == 200
    assert act(client, handler, number, "close").status_code == 200
    assert (
        act(client, commander, number, "call_back", satisfaction=4, solved=True).status_code == 200
    )
    done = client.get("/api/dashboard/figures", headers=commander.headers).json()
    assert done["open"] == before["open"]
    assert done["closed"] == before["closed"] + 1 and done["solved"] == before["solved"] + 1
    assert done["satisfaction"] is not None and done["arrival_minutes"] is not None
    assert done["place"]["code"] == XINCHANG


def test_panels_are_scoped_to_the_jurisdiction(client: TestClient, persona) -> None:
    xinchang = persona("xc", "commander", place=XINCHANG)
    shengzhou = persona("sz", "commander", place=SHENGZHOU)
    city = persona("sx", "commander", place=SHAOXING)
    report(client, xinchang, description="邻居吵架，双方推搡")
    counted = client.get("/api/dashboard/figures", headers=shengzhou.headers).json()
    assert counted["received"] == 0
    # A place outside the jurisdiction is not found; a place inside is a drill-down.
    outside = client.get(f"/api/dashboard/figures?place={XINCHANG}", headers=shengzhou.headers)
    assert outside.status_code == 404
    inside = client.get(f"/api/dashboard/figures?place={XINCHANG}", headers=city.headers)
    assert inside.status_code == 200 and inside.json()["received"] == 1
    # Drill-down: the city lists its counties, the county its towns.
    counties = client.get("/api/dashboard/places", headers=city.headers).json()
    assert counties["level"] == "county"
    by_code = {item["code"]: item for item in counties["items"]}
    assert by_code[XINCHANG]["received"] == 1 and by_code[SHENGZHOU]["received"] == 0
    towns = client.get(f"/api/dashboard/places?place={XINCHANG}", headers=city.headers).json()
    # The incident named no town: it is counted for the county, apart from its towns.
    assert towns["level"] == "town" and sum(t["received"] for t in towns["items"]) == 0
    assert towns["unlocated"]["received"] == 1


def test_unit_handlers_and_citizens_have_no_dashboard(client: TestClient, persona) -> None:
    admin = persona("adm", "admin", place="330000")
    unit = add_unit(client, admin, name="城管", type="urban_management", place_code=XINCHANG)
    handler = persona("hand", "unit_handler", unit=unit["id"])
    citizen = persona("cit", "citizen")
    for who in (handler, citizen):
        assert client.get("/api/dashboard/figures", headers=who.headers).status_code == 403
        assert client.get("/api/dashboard/feed", headers=who.headers).status_code == 403


def test_map_points_carry_no_personal_data(client: TestClient, persona) -> None:
    taker = persona("taker", "call_taker", place=XINCHANG)
    commander = persona("chief", "commander", place=XINCHANG)
    report(
        client,
        taker,
        description="张三称电动车被盗",
        caller_name="张三",
        caller_phone="13812345678",
        address="南明街道七星路88号",
    )
    body = client.get("/api/dashboard/points", headers=commander.headers).json()
    assert len(body["items"]) == 1
    text = json.dumps(body, ensure_ascii=False)
    for private in ("张三", "13812345678", "七星路", "电动车被盗"):
        assert private not in text
    point = body["items"][0]
    assert point["state_name"] and point["lon"] and point["category"]


def test_trends_density_categories_and_incident_free_villages(client: TestClient, persona) -> None:
    commander = persona("chief", "commander", place=XINCHANG)
    free_before = client.get(
        f"/api/dashboard/incident-free?place={NANMING}", headers=commander.headers
    ).json()
    assert free_before["villages"] > 0 and free_before["free"] == free_before["villages"]
    village = free_before["items"][0]
    report(client, commander, place_code=village["code"], description="村里有人打架")
    free_after = client.get(
        f"/api/dashboard/incident-free?place={NANMING}", headers=commander.headers
    ).json()
    assert free_after["free"] == free_before["free"] - 1
    assert village["code"] not in {v["code"] for v in free_after["items"]}
    trend = client.get("/api/dashboard/trends?days=30", headers=commander.headers).json()
    assert len(trend["days"]) == 30 and trend["received"][-1] == 1
    assert len(trend["received_last_year"]) == 30
    heat = client.get("/api/dashboard/density", headers=commander.headers).json()
    # Most villages have no coordinates of their own: their count sits on their town's point.
    assert heat["level"] == "village" and heat["points"][0]["code"] in (village["code"], NANMING)
    assert heat["points"][0]["n"] == 1
    groups = client.get("/api/dashboard/categories", headers=commander.headers).json()
    assert sum(item["n"] for item in groups["items"]) == 1


def test_resources_and_boundaries(client: TestClient, persona) -> None:
    admin = persona("adm", "admin", place="330000")
    unit = add_unit(client, admin, name="南明派出所", type="police_station", place_code=XINCHANG)
    for name, status in (("巡逻车1号", "available"), ("巡逻车2号", "dispatched")):
        response = client.post(
            "/api/resources",
            json={"unit_id": unit["id"], "kind": "patrol_car", "name": name, "status": status},
            headers=admin.headers,
        )
        assert response.status_code == 201, response.text
    commander = persona("chief", "commander", place=XINCHANG)
    body = client.get("/api/dashboard/resources", headers=commander.headers).json()
    assert body["total"] == 2 and body["by_status"]["available"] == 1
    assert body["kinds"][0]["name"] == "巡逻车"
    shapes = client.get("/api/dashboard/boundaries", headers=commander.headers).json()
    assert [f["properties"]["code"] for f in shapes["geojson"]["features"]] == [XINCHANG]
    province = client.get("/api/dashboard/boundaries", headers=admin.headers).json()
    assert len(province["geojson"]["features"]) == 11


def test_the_live_feed_streams_new_incidents_in_scope(client: TestClient, persona) -> None:
    commander = persona("chief", "commander", place=XINCHANG)
    other = persona("other", "commander", place=SHENGZHOU)
    incident = report(client, commander, description="路口两车追尾")
    report(client, other, description="嵊州的警情")
    with client.stream(
        "GET", "/api/dashboard/feed?after=0&seconds=1.5", headers=commander.headers
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    messages = [
        json.loads(line.removeprefix("data: "))
        for line in body.splitlines()
        if line.startswith("data: ") and '"number"' in line
    ]
    assert messages and {m["number"] for m in messages} == {incident["number"]}
    assert messages[0]["action"] == "create" and messages[0]["state_name"] == "已接报"


def test_the_feed_leaves_out_history_written_now_about_the_past(
    client: TestClient, persona, session_factory: sessionmaker[Session]
) -> None:
    """History replayed now about last year (the demo's year being built) is not news."""
    commander = persona("chief", "commander", place=XINCHANG)
    last_year = dt.datetime(2025, 3, 1, 0, 0, tzinfo=dt.UTC)
    with session_scope(session_factory) as session:
        (old,) = create_incidents(
            session,
            actor=Actor(id=None, username="replay", role="admin", place_code=XINCHANG),
            items=[
                NewIncident(
                    IncidentCreate(
                        channel="110", description="去年的旧警情", reported_at=last_year
                    ),
                    recorded_at=last_year,
                )
            ],
        )
    assert old.created
    fresh = report(client, commander, description="刚刚发生的追尾")
    with client.stream(
        "GET", "/api/dashboard/feed?after=0&seconds=1.5", headers=commander.headers
    ) as response:
        body = "".join(response.iter_text())
    numbers = {
        json.loads(line.removeprefix("data: "))["number"]
        for line in body.splitlines()
        if line.startswith("data: ") and '"number"' in line
    }
    assert numbers == {fresh["number"]}
