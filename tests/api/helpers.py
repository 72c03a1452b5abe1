"""Small request helpers shared by the API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Persona


def report(client: TestClient, who: Persona, **fields: Any) -> dict[str, Any]:
    body = {"channel": "110", "description": "报警人称其电动车被盗。", **fields}
    response = client.post("/api/incidents", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def act(client: TestClient, who: Persona, number: str, action: str, **payload: Any) -> Any:
    return client.post(
        f"/api/incidents/{number}/actions/{action}", json={"payload": payload}, headers=who.headers
    )


def add_unit(client: TestClient, who: Persona, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/units", json=fields, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
