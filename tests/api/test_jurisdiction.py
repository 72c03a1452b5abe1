"""A user in 新昌县 cannot read or change an incident in 路桥区: by list, by id, by number."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.helpers import act, add_unit, report

XINCHANG = "330624"
LUQIAO = "331004"


def test_a_county_user_cannot_reach_another_countys_incident(client: TestClient, persona) -> None:
    admin = persona("root_admin", "admin", place="330000")
    luqiao_town = client.get(f"/api/places?level=town&under={LUQIAO}", headers=admin.headers)
    town = luqiao_town.json()["items"][0]["code"]
    foreign = report(client, admin, place_code=town, caller_phone="13900001111")
    xinchang = persona("xc_commander", "commander", place=XINCHANG)
    mine = report(client, xinchang, description="报警人称在南明街道被人打了。")

    listed = client.get("/api/incidents?page_size=500", headers=xinchang.headers).json()
    numbers = {i["number"] for i in listed["items"]}
    assert mine["number"] in numbers and foreign["number"] not in numbers
    assert all(i["county_code"] == XINCHANG for i in listed["items"])

    for ref in (foreign["number"], str(foreign["id"])):
        assert client.get(f"/api/incidents/{ref}", headers=xinchang.headers).status_code == 404
        assert (
            client.get(f"/api/incidents/{ref}/events", headers=xinchang.headers).status_code == 404
        )
        changed = act(client, xinchang, ref, "cancel", reason="试图作废他县警情")
        assert changed.status_code == 404
    # Guessing numbers next to the foreign one finds nothing either.
    prefix, seq = foreign["number"][:-5], int(foreign["number"][-5:])
    for guess in range(max(1, seq - 3), seq + 4):
        url = f"/api/incidents/{prefix}{guess:05d}"
        assert client.get(url, headers=xinchang.headers).status_code == 404
    # Filtering by the other county returns nothing rather than leaking rows.
    other = client.get(f"/api/incidents?place={LUQIAO}", headers=xinchang.headers).json()
    assert other["total"] == 0
    # And the incident is untouched.
    again = client.get(f"/api/incidents/{foreign['number']}", headers=admin.headers).json()
    assert again["state"] == foreign["state"] == "triaged"


def test_a_user_cannot_file_an_incident_outside_their_county(client: TestClient, persona) -> None:
    xinchang = persona("xc_taker", "call_taker", place=XINCHANG)
    response = client.post(
        "/api/incidents",
        json={"channel": "110", "description": "测试", "place_code": LUQIAO},
        headers=xinchang.headers,
    )
    assert response.status_code == 403
    assert "辖区" in response.json()["message"]


def test_a_unit_handler_sees_only_incidents_assigned_to_the_unit(
    client: TestClient, persona
) -> None:
    admin = persona("admin2", "admin", place="330000")
    station = add_unit(client, admin, name="南明派出所", type="police_station", place_code=XINCHANG)
    other = add_unit(client, admin, name="城关派出所", type="police_station", place_code=XINCHANG)
    dispatcher = persona("xc_dispatch", "dispatcher", place=XINCHANG)
    handler = persona("nm_handler", "unit_handler", unit=station["id"])
    sent = report(client, dispatcher)
    not_sent = report(client, dispatcher)
    assert act(client, dispatcher, sent["number"], "triage", code="201000").status_code == 200
    assert (
        act(client, dispatcher, sent["number"], "assign", units=[station["id"]]).status_code == 200
    )
    assert act(client, dispatcher, not_sent["number"], "triage", code="201000").status_code == 200
    assert (
        act(client, dispatcher, not_sent["number"], "assign", units=[other["id"]]).status_code
        == 200
    )

    seen = client.get("/api/incidents", headers=handler.headers).json()
    assert [i["number"] for i in seen["items"]] == [sent["number"]]
    assert (
        client.get(f"/api/incidents/{not_sent['number']}", headers=handler.headers).status_code
        == 404
    )
    assert act(client, handler, sent["number"], "sign_for").status_code == 200
    # After a return (退单) the incident leaves the unit's queue.
    assert (
        act(client, handler, sent["number"], "return_incident", reason="非本所辖区").status_code
        == 200
    )
    assert client.get("/api/incidents", headers=handler.headers).json()["total"] == 0


def test_a_citizen_sees_their_own_reports_only(client: TestClient, persona) -> None:
    alice = persona("alice", "citizen", place=XINCHANG)
    bob = persona("bob", "citizen", place=XINCHANG)
    hers = report(client, alice, channel="app", place_code=XINCHANG, caller_phone="13812345678")
    assert hers["caller_phone"] == "13812345678"
    report(client, bob, channel="app", place_code=XINCHANG)
    listed = client.get("/api/incidents", headers=alice.headers).json()
    assert [i["number"] for i in listed["items"]] == [hers["number"]]
    assert client.get(f"/api/incidents/{hers['number']}", headers=bob.headers).status_code == 404


def test_roles_that_do_not_need_personal_data_see_it_masked(client: TestClient, persona) -> None:
    taker = persona("taker", "call_taker", place=XINCHANG)
    analyst = persona("analyst", "analyst", place="330600")
    made = report(client, taker, caller_name="王小明", caller_phone="13812345678")
    assert made["caller_phone"] == "13812345678"
    seen = client.get(f"/api/incidents/{made['number']}", headers=analyst.headers).json()
    assert seen["caller_phone"] == "138****5678"
    assert seen["caller_name"] == "王**"


def test_units_are_listed_within_jurisdiction_only(client: TestClient, persona) -> None:
    admin = persona("admin3", "admin", place="330000")
    add_unit(client, admin, name="新昌县市场监管局", type="market_regulation", place_code=XINCHANG)
    add_unit(client, admin, name="路桥区市场监管局", type="market_regulation", place_code=LUQIAO)
    xinchang = persona("xc_cmd2", "commander", place=XINCHANG)
    names = [u["name"] for u in client.get("/api/units", headers=xinchang.headers).json()["items"]]
    assert "新昌县市场监管局" in names and "路桥区市场监管局" not in names
