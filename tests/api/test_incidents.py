"""Recording incidents, moving them through their lifecycle, and refusing bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.helpers import act, add_unit, report
from tests.conftest import count_rows

XINCHANG = "330624"


def test_a_recorded_incident_gets_a_county_date_sequence_number(
    client: TestClient, persona
) -> None:
    taker = persona("taker1", "call_taker", place=XINCHANG)
    first = report(client, taker, address="南明街道七星路88号")
    second = report(client, taker)
    assert first["number"].startswith(XINCHANG) and len(first["number"]) == 6 + 8 + 5
    assert int(second["number"][-5:]) == int(first["number"][-5:]) + 1
    # Triage ran on arrival: the incident is triaged and placed from its address.
    assert first["state"] == "triaged" and first["state_name"] == "已研判"
    assert first["county_code"] == XINCHANG and first["town_code"] == "330624001"
    assert second["place_code"] == XINCHANG  # no address: the call-taker's county
    assert first["lon"] is not None  # the county's point when no coordinates were given


def test_the_full_loop_is_recorded_event_by_event(client: TestClient, persona) -> None:
    admin = persona("adm", "admin", place="330000")
    unit = add_unit(client, admin, name="南明派出所", type="police_station", place_code=XINCHANG)
    dispatcher = persona("disp", "dispatcher", place=XINCHANG)
    handler = persona("hand", "unit_handler", unit=unit["id"])
    incident = report(client, dispatcher, code="201000")
    number = incident["number"]
    # Routed on arrival: the only police station covering 新昌县 leads.
    assert incident["state"] == "assigned"
    assert [(a["unit_id"], a["role"]) for a in incident["assignments"]] == [(unit["id"], "lead")]
    assert incident["sign_for_due"] is not None  # the clock runs from receipt
    # The dispatcher recategorises it, which sends it back for routing, and assigns it again.
    assert (
        act(client, dispatcher, number, "triage", code="100100", police=True, urgency=2).status_code
        == 200
    )
    assert act(client, dispatcher, number, "assign", units=[unit["id"]]).status_code == 200
    for action, payload in (
        ("sign_for", {}),
        ("arrive", {}),
        ("finish", {"result": "已立案侦查"}),
        ("close", {}),
    ):
        response = act(client, handler, number, action, **payload)
        assert response.status_code == 200, response.text
    done = act(client, dispatcher, number, "call_back", satisfaction=2, solved=False).json()
    assert done["state"] == "called_back" and done["solved"] is False and done["satisfaction"] == 2
    # The model's first suggestion is kept beside the final category.
    assert done["initial_code"] == incident["initial_code"] and done["final_code"] == "100100"
    reopened = act(client, dispatcher, number, "reopen", reason="群众反映未解决").json()
    assert reopened["state"] == "assigned"
    events = client.get(f"/api/incidents/{number}/events", headers=dispatcher.headers).json()
    assert [e["action"] for e in events] == [
        "create",
        "triage",
        "assign",
        "triage",
        "assign",
        "sign_for",
        "arrive",
        "finish",
        "close",
        "call_back",
        "reopen",
    ]
    assert [e["seq"] for e in events] == list(range(1, 12))
    assert events[1]["payload"]["source"] == "human"  # the dispatcher gave a code on creation
    assert events[2]["actor"] == "routing" and events[2]["payload"]["rules_version"]
    assert events[5]["actor"] == "hand"
    verified = client.get(f"/api/incidents/{number}/verify", headers=dispatcher.headers).json()
    assert verified["intact"] is True


def test_an_illegal_transition_is_409_and_names_what_is_allowed(
    client: TestClient, persona, session: Session
) -> None:
    taker = persona("disp2", "dispatcher", place=XINCHANG)
    incident = report(client, taker)
    events_before = count_rows(session, "incident_event")
    response = act(client, taker, incident["number"], "close")
    assert response.status_code == 409
    body = response.json()
    assert "triage" in body["message"] and "cancel" in body["message"]
    assert set(body["allowed"]) == {"triage", "assign", "merge", "cancel"}
    unknown = act(client, taker, incident["number"], "teleport")
    assert unknown.status_code == 409
    assert count_rows(session, "incident_event") == events_before


def test_bad_input_is_refused_with_the_field_named_and_nothing_written(
    client: TestClient, persona, session: Session
) -> None:
    taker = persona("taker3", "call_taker", place=XINCHANG)
    before = count_rows(session, "incident")
    # The field named, and what is wrong with it said in Chinese (not pydantic's English).
    cases = [
        ({"channel": "110", "description": "x" * 4001}, "description：最多 4000 个字"),
        ({"channel": "110", "description": "盗窃", "code": "123456"}, "code"),
        ({"channel": "fax", "description": "盗窃"}, "channel：未知渠道 fax"),
        ({"channel": "110", "description": "盗窃", "lon": 116.4, "lat": 39.9}, "lon"),
        ({"channel": "110", "description": "盗窃", "lon": 500, "lat": 30}, "lon：不能大于 180"),
        ({"channel": "110", "description": "盗窃", "lon": 120.9}, "经度"),
        ({"channel": "110", "description": "盗窃", "place_code": "999999"}, "999999"),
        ({"channel": "110", "description": "   "}, "description"),
        ({"channel": "110", "description": "盗窃", "urgency": 9}, "urgency：不能大于 4"),
        ({"description": "盗窃"}, "channel：必填"),
        ({"channel": "110", "description": "盗窃", "urgency": "高"}, "urgency：应为整数"),
        ({"channel": "110", "description": "盗\u0000窃"}, "description：含有空字符"),
    ]
    for body, mentioned in cases:
        response = client.post("/api/incidents", json=body, headers=taker.headers)
        assert 400 <= response.status_code < 500, (body, response.text)
        assert mentioned in response.text, (body, response.text)
        assert "Input should" not in response.text and "Field required" not in response.text
    malformed = client.post(
        "/api/incidents",
        content=b'{"channel": "110", "description": ',
        headers={**taker.headers, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 422 and "JSON" in malformed.text
    assert count_rows(session, "incident") == before


def test_coordinates_in_gcj02_are_stored_as_wgs84(client: TestClient, persona) -> None:
    taker = persona("taker4", "call_taker", place=XINCHANG)
    made = report(client, taker, lon=120.9086, lat=29.5030, coord_system="gcj02")
    # GCJ-02 is offset a few hundred metres from WGS-84 in Zhejiang.
    assert 0.001 < abs(made["lon"] - 120.9086) < 0.01
    assert 0.001 < abs(made["lat"] - 29.5030) < 0.01


def test_the_same_source_record_is_never_recorded_twice(client: TestClient, persona) -> None:
    taker = persona("taker5", "call_taker", place=XINCHANG)
    body = {"channel": "12345", "description": "小区噪音扰民", "external_id": "ZJ12345-0001"}
    first = client.post("/api/incidents", json=body, headers=taker.headers)
    again = client.post("/api/incidents", json=body, headers=taker.headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"]


def test_merging_a_duplicate_points_to_the_original(client: TestClient, persona) -> None:
    taker = persona("taker6", "call_taker", place=XINCHANG)
    original = report(client, taker, description="七星路两车相撞")
    duplicate = report(client, taker, description="七星路有车祸")
    merged = act(client, taker, duplicate["number"], "merge", into=original["number"]).json()
    assert merged["state"] == "merged" and merged["merged_into"] == original["number"]
    assert act(client, taker, duplicate["number"], "triage").status_code == 409


def test_listing_filters_and_pages(client: TestClient, persona) -> None:
    taker = persona("taker7", "call_taker", place=XINCHANG)
    for n in range(5):
        report(client, taker, description=f"第{n}起 电动车被盗", channel="110")
    report(client, taker, description="路灯不亮", channel="12345")
    page = client.get("/api/incidents?channel=110&page_size=2&page=2", headers=taker.headers).json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["page"] == 2
    found = client.get("/api/incidents?q=路灯", headers=taker.headers).json()
    assert [i["description"] for i in found["items"]] == ["路灯不亮"]
    # A user's text is a bound parameter: SQL in it is just text that matches nothing.
    sneaky = client.get("/api/incidents?q=%27%20OR%201%3D1%20--", headers=taker.headers).json()
    assert sneaky["total"] == 0
    percent = client.get("/api/incidents?q=%25", headers=taker.headers).json()
    assert percent["total"] == 0


def test_a_retried_request_with_the_same_idempotency_key_creates_nothing_new(
    client: TestClient, persona, session: Session
) -> None:
    taker = persona("taker8", "call_taker", place=XINCHANG)
    body = {"channel": "110", "description": "报警人称被盗"}
    headers = {**taker.headers, "Idempotency-Key": "req-7f3a"}
    first = client.post("/api/incidents", json=body, headers=headers)
    before = count_rows(session, "incident_event")
    retry = client.post("/api/incidents", json=body, headers=headers)
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json()["number"] == first.json()["number"]
    assert count_rows(session, "incident_event") == before
    other = client.post(
        "/api/incidents", json=body, headers={**taker.headers, "Idempotency-Key": "req-8"}
    )
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]


def test_a_key_reused_with_another_request_is_refused_and_nothing_is_lost(
    client: TestClient, persona, session: Session
) -> None:
    """A client that sends a new incident under a key it already used gets a 422 naming the
    key, rather than a 200 with the first incident (which would drop the new one unseen)."""
    taker = persona("taker_key", "call_taker", place=XINCHANG)
    headers = {**taker.headers, "Idempotency-Key": "client-bug-1"}
    first = client.post(
        "/api/incidents", json={"channel": "110", "description": "电动车被盗"}, headers=headers
    )
    assert first.status_code == 201
    before = count_rows(session, "incident")
    other = client.post(
        "/api/incidents", json={"channel": "110", "description": "两车追尾"}, headers=headers
    )
    assert other.status_code == 422, other.text
    assert "client-bug-1" in other.json()["message"]
    assert first.json()["number"] in other.json()["message"]
    assert count_rows(session, "incident") == before
    retry = client.post(
        "/api/incidents", json={"channel": "110", "description": "电动车被盗"}, headers=headers
    )
    assert retry.status_code == 200 and retry.json()["number"] == first.json()["number"]


def test_the_answer_to_a_post_is_what_reading_it_back_and_retrying_give(
    client: TestClient, persona
) -> None:
    """The 201 is built from what was written; it must match the stored incident exactly —
    times, coordinates, due times, assignments — as a later read and a retry return it."""
    admin = persona("adm2", "admin", place="330000")
    unit = add_unit(client, admin, name="七星派出所", type="police_station", place_code=XINCHANG)
    dispatcher = persona("disp2", "dispatcher", place=XINCHANG)
    body = {
        "channel": "110",
        "description": "有人在七星路打架，一人受伤",
        "address": "南明街道七星路88号",
        "reported_at": "2026-11-01T09:30:12.345678+08:00",  # not UTC, with microseconds
        "caller_phone": "13812345678",
        "code": "201000",
        "lon": 120.9071234,
        "lat": 29.5012345,
    }
    headers = {**dispatcher.headers, "Idempotency-Key": "same-answer"}
    first = client.post("/api/incidents", json=body, headers=headers)
    assert first.status_code == 201, first.text
    answer = first.json()
    assert answer["assignments"] and answer["assignments"][0]["unit_id"] == unit["id"]
    again = client.get(f"/api/incidents/{answer['number']}", headers=dispatcher.headers)
    retry = client.post("/api/incidents", json=body, headers=headers)
    assert retry.status_code == 200
    assert again.json() == answer
    assert retry.json() == answer
    # A call-taker's copy masks the phone the same way either way.
    taker = persona("taker10", "call_taker", place=XINCHANG)
    masked = client.post(
        "/api/incidents", json=body, headers={**taker.headers, "Idempotency-Key": "masked"}
    )
    read = client.get(f"/api/incidents/{masked.json()['number']}", headers=taker.headers)
    assert masked.json() == read.json()


def test_nul_in_any_input_is_bad_input_on_every_database(
    client: TestClient, persona, backend: str
) -> None:
    """PostgreSQL cannot store NUL: a 422 naming the problem, never a 500, wherever it comes."""
    admin = persona("admin_nul", "admin", place="330000")
    taker = persona("taker_nul", "call_taker", place=XINCHANG)
    unit = client.post(
        "/api/units",
        json={"name": "新昌县\u0000派出所", "type": "police_station", "place_code": XINCHANG},
        headers=admin.headers,
    )
    assert unit.status_code == 422 and "name：含有空字符" in unit.text
    made = report(client, taker)
    note = client.post(
        f"/api/incidents/{made['number']}/actions/progress",
        json={"payload": {"note": "备注\u0000"}},
        headers=taker.headers,
    )
    assert note.status_code == 422 and "含有空字符" in note.text
    # A query parameter no model reads reaches the database as it is: SQLite finds nothing,
    # PostgreSQL refuses it, and that is answered as bad input.
    search = client.get("/api/places/search", params={"name": "新昌\x00"}, headers=taker.headers)
    if backend == "postgresql":
        assert search.status_code == 422 and "含有空字符" in search.text
    else:
        assert search.status_code == 200 and search.json() == []


def test_a_database_that_cannot_write_answers_503_and_the_retry_goes_in_once(
    client: TestClient, persona, session: Session, backend: str
) -> None:
    """The database refuses writes (here SQLite's query_only, as a read-only or full disk
    would): the caller gets a 503 saying to retry with the same key, with Retry-After, and no
    SQL; once it can write again the retry records the incident, once."""
    if backend != "sqlite":
        pytest.skip("query_only is SQLite's")
    taker = persona("taker_503", "call_taker", place=XINCHANG)
    headers = {**taker.headers, "Idempotency-Key": "during-outage"}
    body = {"channel": "110", "description": "报警人称电动车被盗，嫌疑人往南跑了"}
    before = count_rows(session, "incident")
    session.connection().exec_driver_sql("PRAGMA query_only = ON")
    try:
        refused = client.post("/api/incidents", json=body, headers=headers)
    finally:
        session.connection().exec_driver_sql("PRAGMA query_only = OFF")

    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"].isdigit()
    assert refused.json()["error"] == "DatabaseUnavailable"
    assert "Idempotency-Key" in refused.json()["message"]
    assert "INSERT" not in refused.text and "电动车" not in refused.text
    assert count_rows(session, "incident") == before
    retry = client.post("/api/incidents", json=body, headers=headers)
    again = client.post("/api/incidents", json=body, headers=headers)
    assert retry.status_code == 201 and again.status_code == 200
    assert count_rows(session, "incident") == before + 1
