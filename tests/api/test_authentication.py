"""Every route needs a token unless it is declared public."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import jwt
from fastapi.testclient import TestClient
from starlette.routing import Mount

from pingan.app import PUBLIC_ROUTES
from tests.conftest import PASSWORD, SECRET


def _all_routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _all_routes(included.routes)
        else:
            yield route


def test_every_route_refuses_anonymous_callers_unless_public(client: TestClient) -> None:
    checked = 0
    for route in _all_routes(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route, Mount):
            assert route.path.startswith("/static/"), f"unexpected mount {route.path}"
            continue
        for method in sorted(route.methods - {"HEAD"}):
            concrete = re.sub(r"\{[^}]+\}", "1", route.path)
            response = client.request(method, concrete)
            if (method, route.path) in PUBLIC_ROUTES:
                assert response.status_code != 401, route.path
                continue
            assert response.status_code == 401, f"{method} {route.path} is open to anyone"
            assert response.headers.get("www-authenticate") == "Bearer"
            checked += 1
    assert checked >= 15


def test_a_forged_or_garbage_token_is_refused(client: TestClient) -> None:
    for token in ("garbage", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.x"):
        response = client.get("/api/incidents", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert "令牌" in response.json()["message"]


def test_sign_in_with_a_wrong_password_fails_and_the_right_one_works(
    client: TestClient, persona
) -> None:
    persona("lin_xc", "commander", place="330624")
    bad = client.post("/api/auth/token", data={"username": "lin_xc", "password": "nope-nope"})
    assert bad.status_code == 401
    good = client.post("/api/auth/token", data={"username": "lin_xc", "password": PASSWORD})
    assert good.status_code == 200
    me = client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {good.json()['access_token']}"}
    )
    assert me.json()["username"] == "lin_xc" and me.json()["place_code"] == "330624"


def test_passwords_are_stored_hashed_with_argon2(session, persona) -> None:
    from pingan.user.queries import get_user_by_username

    persona("hash_check", "analyst", place="330600")
    user = get_user_by_username(session, "hash_check")
    assert user is not None
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")


def test_a_token_used_before_is_refused_once_it_has_expired(client: TestClient, persona) -> None:
    """Checked signatures are remembered, but only until the token's own expiry."""
    lin = persona("lin_exp", "commander", place="330624")
    expires = int(time.time()) + 3
    token = jwt.encode({"sub": str(lin.actor.id), "exp": expires}, SECRET, algorithm="HS256")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/users/me", headers=headers).status_code == 200
    time.sleep(max(0.0, expires - time.time()) + 0.1)
    response = client.get("/api/users/me", headers=headers)
    assert response.status_code == 401
    assert "令牌" in response.json()["message"]


def test_a_remembered_token_with_its_signature_changed_is_refused(
    client: TestClient, persona
) -> None:
    lin = persona("lin_sig", "commander", place="330624")
    assert client.get("/api/users/me", headers=lin.headers).status_code == 200
    token = lin.headers["Authorization"].removeprefix("Bearer ")
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    response = client.get("/api/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
