"""Every route needs a token unless it is declared public."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from pingan.app import PUBLIC_ROUTES
from tests.conftest import PASSWORD


def test_every_route_refuses_anonymous_callers_unless_public(client: TestClient) -> None:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    checked = 0
    for path, operations in paths.items():
        for method in operations:
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            response = client.request(method.upper(), concrete)
            if (method.upper(), path) in PUBLIC_ROUTES:
                assert response.status_code != 401, path
                continue
            assert response.status_code == 401, f"{method.upper()} {path} open to anyone"
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
