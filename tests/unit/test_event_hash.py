"""The hash of a history event is the documented one: SHA-256 of the canonical JSON of its
fields, however the payload is encoded along the way."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pingan.incident.history import GENESIS, chained, event_hash
from pingan.user.scope import SYSTEM

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _documented(fields: list[Any]) -> str:
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _payload(rng: random.Random) -> dict[str, Any]:
    return {
        "units": [rng.randint(1, 99) for _ in range(rng.randint(0, 3))],
        "原因": rng.choice(["辖区派出所", "不属本单位职责", 'a "quoted", comma']),
        "evidence": [{"weight": rng.random(), "text": "盗窃"}, {"kind": None}],
        "urgency": rng.randint(1, 4),
        "b": {"z": 1, "a": [True, False]},
    }


def test_chained_hashes_are_sha256_of_the_canonical_fields() -> None:
    rng = random.Random(3)
    at = dt.datetime(2026, 3, 1, 9, 30, 5, 120, tzinfo=SHANGHAI)
    steps = [
        (SYSTEM, "create", None, "received", _payload(rng), at),
        (SYSTEM, "triage", "received", "triaged", _payload(rng), at),
        (SYSTEM, "assign", "triaged", "assigned", {}, at + dt.timedelta(seconds=1)),
    ]
    rows = chained(7, "3306242026030100001", steps)
    prev = GENESIS
    for seq, ((who, action, before, after, payload, when), row) in enumerate(
        zip(steps, rows, strict=True), start=1
    ):
        utc = when.astimezone(dt.UTC).isoformat(timespec="microseconds")
        fields = ["3306242026030100001", seq, utc, who.username, action, before, after, payload]
        assert row["hash"] == _documented([*fields, prev])
        assert row["prev_hash"] == prev
        assert row["payload"] == payload
        # the text stored by the bulk insert is the payload itself
        assert json.loads(row["payload"].text) == payload
        assert row["hash"] == event_hash(
            number="3306242026030100001",
            seq=seq,
            at=when,
            actor=who.username,
            action=action,
            from_state=before,
            to_state=after,
            payload=payload,
            prev_hash=prev,
        )
        prev = row["hash"]


@given(
    number=st.text(),
    seq=st.integers(min_value=1, max_value=10**9),
    actor=st.text(),
    action=st.text(),
    before=st.none() | st.text(),
    after=st.text(),
    reason=st.text(),
)
def test_any_names_and_states_hash_as_documented(
    number: str, seq: int, actor: str, action: str, before: str | None, after: str, reason: str
) -> None:
    """Quotes, backslashes, control characters, any script: the fields are written exactly as
    the canonical JSON writes them."""
    at = dt.datetime(2026, 12, 6, 20, 15, tzinfo=SHANGHAI)
    payload = {"reason": reason, "units": [3, 1]}
    utc = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = [number, seq, utc, actor, action, before, after, payload, GENESIS]
    found = event_hash(
        number=number,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        from_state=before,
        to_state=after,
        payload=payload,
        prev_hash=GENESIS,
    )
    assert found == _documented(fields)
