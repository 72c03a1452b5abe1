"""The screens' server side: public page shells, the citizen endpoints and their limits."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from pingan.app import create_app
from pingan.config import Settings
from pingan.web.ratelimit import TokenBucket
from pingan.web.routes import PAGES
from tests.api.helpers import report

XINCHANG = "330624"


def test_pages_are_public_shells_without_data(client: TestClient, persona) -> None:
    taker = persona("taker", "call_taker", place=XINCHANG)
    incident = report(client, taker, caller_phone="13812345678", description="秘密内容不应出现")
    for path in (*PAGES, f"/incidents/{incident['number']}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert "13812345678" not in response.text and "秘密内容" not in response.text
        assert "http://" not in response.text and "https://" not in response.text
    assert client.get("/static/web/vendor/echarts/LICENSE").status_code == 200


def test_a_page_escapes_what_is_in_its_address(client: TestClient) -> None:
    response = client.get('/incidents/"><img src=x onerror=alert(1)>')
    assert response.status_code == 200
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text


def test_a_citizen_reports_and_follows_with_number_and_code(
    settings: Settings, session_factory
) -> None:
    app = create_app(
        settings.model_copy(update={"default_place": XINCHANG}), session_factory=session_factory
    )
    with TestClient(app) as client:
        made = client.post(
            "/api/public/reports",
            json={"description": "路灯坏了一个多月", "address": "七星路口", "phone": "13900001111"},
        )
        assert made.status_code == 201, made.text
        number, code = made.json()["number"], made.json()["code"]
        assert number.startswith(XINCHANG)
        followed = client.get(f"/api/public/reports/{number}", params={"code": code})
        assert followed.status_code == 200
        body = followed.json()
        text = json.dumps(body, ensure_ascii=False)
        for private in ("13900001111", "路灯", "七星路", "lon", "public_web"):
            assert private not in text
        assert body["timeline"][0]["action_name"] == "受理"
        # The number alone, or a wrong code, gets nothing.
        assert client.get(f"/api/public/reports/{number}").status_code == 404
        assert client.get(f"/api/public/reports/{number}?code=00000000").status_code == 404
        # Outside the deployment's area is refused.
        far = client.post(
            "/api/public/reports", json={"description": "杭州的问题反映", "place_code": "330106"}
        )
        assert far.status_code == 422


def test_reports_are_rate_limited_per_client(settings: Settings, session_factory) -> None:
    app = create_app(
        settings.model_copy(update={"default_place": XINCHANG}), session_factory=session_factory
    )
    with TestClient(app) as client:
        codes = [
            client.post("/api/public/reports", json={"description": f"问题反映第{n}次"}).status_code
            for n in range(7)
        ]
    assert codes[:5] == [201] * 5 and codes[5:] == [429, 429]


def test_without_a_default_place_the_citizen_must_pick_one(client: TestClient) -> None:
    refused = client.post("/api/public/reports", json={"description": "问题反映一下"})
    assert refused.status_code == 422 and "请选择事发地区" in refused.json()["message"]
    cities = client.get("/api/public/places").json()
    assert len(cities["items"]) == 11
    made = client.post(
        "/api/public/reports", json={"description": "问题反映一下", "place_code": "330624001"}
    )
    assert made.status_code == 201


def test_a_token_bucket_refills_with_time() -> None:
    now = [0.0]
    bucket = TokenBucket(capacity=2, per_second=0.5, clock=lambda: now[0])
    assert bucket.allow("a") and bucket.allow("a") and not bucket.allow("a")
    assert bucket.allow("b")  # another client has its own bucket
    now[0] += 2.0
    assert bucket.allow("a") and not bucket.allow("a")
