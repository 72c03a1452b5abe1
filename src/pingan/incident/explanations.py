"""Routing explanations, each stored once and shared by the decisions that give it.

An explanation is found by the SHA-256 of its canonical JSON (keys sorted, as orjson writes
them): a batch of decisions reads the ids of the explanations it gives in one statement, and
stores those not stored yet in one more (``INSERT … ON CONFLICT DO NOTHING``, so that two
writers storing the same one at once both go on) before reading theirs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Table, select

from pingan.db.bulk import JsonObject, insert_new
from pingan.incident.models import RoutingExplanation

_TABLE = cast(Table, RoutingExplanation.__table__)


def canonical(trace: dict[str, Any]) -> tuple[str, str]:
    """The digest and the canonical JSON text (stored as it is: no second encoding)."""
    text = orjson.dumps(trace, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(text).hexdigest(), text.decode()


def explanation_ids(connection: Connection, traces: Sequence[dict[str, Any]]) -> list[int]:
    """The id of each explanation, stored first where it is not yet."""
    encoded = [canonical(trace) for trace in traces]
    digests = [d for d, _ in encoded]
    ids = _stored(connection, set(digests))
    missing: dict[str, dict[str, Any]] = {}
    for (d, text), trace in zip(encoded, traces, strict=True):
        if d not in ids and d not in missing:  # most are there: routed as earlier ones were
            missing[d] = {"digest": d, "trace": JsonObject(trace, text)}
    if missing:
        insert_new(connection, _TABLE, ("digest",), list(missing.values()))
        ids |= _stored(connection, set(missing))
    return [ids[d] for d in digests]


def _stored(connection: Connection, digests: set[str]) -> dict[str, int]:
    if not digests:
        return {}
    found = connection.execute(
        select(_TABLE.c.digest, _TABLE.c.id).where(_TABLE.c.digest.in_(sorted(digests)))
    )
    return {d: int(i) for d, i in found}
