"""Likely duplicates and repeat callers are flagged with a score and the reason."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pingan.incident.duplicates import text_similarity
from tests.api.helpers import act, report

XINCHANG = "330624"


def test_similar_text_scores_higher_than_unrelated_text() -> None:
    same = text_similarity("七星路与人民路口两车相撞", "人民路七星路口有两车相撞了")
    other = text_similarity("七星路与人民路口两车相撞", "家里老人走失了")
    assert same > 0.4 > other


def test_a_second_call_about_the_same_crash_is_flagged(client: TestClient, persona) -> None:
    taker = persona("dup_taker", "call_taker", place=XINCHANG)
    first = report(
        client, taker, description="七星路与人民路口两车相撞，有人受伤", lon=120.905, lat=29.500
    )
    far = report(
        client, taker, description="七星路与人民路口两车相撞，有人受伤", lon=120.990, lat=29.560
    )  # ~10 km away: another event
    second = report(
        client, taker, description="人民路七星路口有两车相撞了，快来", lon=120.9055, lat=29.5003
    )
    found = client.get(
        f"/api/incidents/{second['number']}/duplicates", headers=taker.headers
    ).json()
    numbers = [d["number"] for d in found["duplicates"]]
    assert numbers[0] == first["number"] and far["number"] not in numbers
    assert "米" in found["duplicates"][0]["reason"] and found["duplicates"][0]["score"] > 0.6
    # Once the first is cancelled it is no longer open, so no longer a candidate.
    act(client, taker, first["number"], "cancel", reason="误报")
    again = client.get(
        f"/api/incidents/{second['number']}/duplicates", headers=taker.headers
    ).json()
    assert first["number"] not in [d["number"] for d in again["duplicates"]]


def test_a_caller_who_keeps_calling_is_a_repeat(client: TestClient, persona) -> None:
    taker = persona("rep_taker", "call_taker", place=XINCHANG)
    for n in range(3):
        last = report(
            client, taker, description=f"邻居又在吵闹，第{n + 1}次", caller_phone="13900000001"
        )
    found = client.get(f"/api/incidents/{last['number']}/duplicates", headers=taker.headers).json()
    phone = [r for r in found["repeats"] if r["kind"] == "phone"]
    assert phone and phone[0]["count"] == 3 and "30天内第3次" in phone[0]["reason"]
    assert len(phone[0]["numbers"]) == 2 and last["number"] not in phone[0]["numbers"]
