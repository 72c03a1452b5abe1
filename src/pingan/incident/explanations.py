"""Routing explanations, each stored once and shared by the decisions that give it.

An explanation is found by the SHA-256 of its canonical JSON (keys sorted, as orjson writes
them): a batch of decisions stores the explanations not stored yet (``INSERT … ON CONFLICT
DO NOTHING``, so that two writers storing the same one at once both go on) and reads back the
id of each, two statements for the whole batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from pingan.incident.models import RoutingExplanation

_TABLE = cast(Table, RoutingExplanation.__table__)


def digest(trace: dict[str, Any]) -> str:
    """The SHA-256 of the explanation's canonical JSON."""
    text = orjson.dumps(trace, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(text).hexdigest()


def explanation_ids(connection: Connection, traces: Sequence[dict[str, Any]]) -> list[int]:
    """The id of each explanation, stored first where it is not yet."""
    digests = [digest(trace) for trace in traces]
    new = {d: {"digest": d, "trace": t} for d, t in zip(digests, traces, strict=True)}
    if not new:
        return []
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    storing = dialect.insert(_TABLE).on_conflict_do_nothing(index_elements=["digest"])
    connection.execute(storing, list(new.values()))
    found = connection.execute(
        select(_TABLE.c.digest, _TABLE.c.id).where(_TABLE.c.digest.in_(list(new)))
    )
    ids = {d: int(i) for d, i in found}
    return [ids[d] for d in digests]
