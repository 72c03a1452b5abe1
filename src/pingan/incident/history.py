"""The append-only history: appending events with a hash chain, verifying it, replaying it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.db.base import utcnow
from pingan.db.bulk import JsonObject
from pingan.incident.lifecycle import Snapshot, replay
from pingan.incident.models import Incident, IncidentEvent
from pingan.user.scope import Actor

GENESIS = "0" * 64
# json.dumps(..., ensure_ascii=False, sort_keys=True, separators=(",", ":")), built once: dumps
# with arguments builds a new encoder on every call.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_quote = json.encoder.encode_basestring  # how that encoder writes a string (ensure_ascii off)


def event_hash(
    *,
    number: str,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    from_state: str | None,
    to_state: str,
    payload: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 of the canonical JSON of ``[number, seq, at (UTC), actor, action, from_state,
    to_state, payload, prev_hash]``."""
    head = (number, seq, at, actor, action, from_state, to_state)
    return _digest(head, _CANONICAL.encode(payload), prev_hash)


def _digest(head: tuple[Any, ...], payload_text: str, prev_hash: str) -> str:
    """:func:`event_hash` from the payload's canonical text: a JSON array is its items' texts
    joined by commas, so the text is spliced in rather than encoded a second time."""
    number, seq, at, actor, action, from_state, to_state = head
    when = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    # The array written item by item as the canonical encoder writes it (strings quoted and
    # escaped by its own function, an int as its digits, None as null), not as a list encoded.
    before = "null" if from_state is None else _quote(from_state)
    body = (
        f"[{_quote(number)},{int(seq)},{_quote(when)},{_quote(actor)},{_quote(action)},"
        f"{before},{_quote(to_state)},{payload_text},{_quote(prev_hash)}]"
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# One event to chain: who, action, from state, to state, payload, when.
Step = tuple[Actor, str, str | None, str, dict[str, Any], dt.datetime]


def chained(
    incident_id: int,
    number: str,
    steps: Sequence[Step],
    *,
    seq: int = 1,
    prev_hash: str = GENESIS,
    texts: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """Event rows for ``steps`` in order, numbered from ``seq``, each carrying the hash of the one
    before (``prev_hash`` for the first) and its own.

    ``texts`` keeps payload texts by the payload's identity across calls, for a batch whose
    events share payload objects (a routing decision's); the payloads must not change meanwhile.
    """
    rows = []
    for offset, (who, action, from_state, to_state, payload, at) in enumerate(steps):
        # The payload is encoded once: for the hash, and as the text the bulk insert stores.
        text = texts.get(id(payload)) if texts is not None else None
        if text is None:
            text = _CANONICAL.encode(payload)
            if texts is not None:
                texts[id(payload)] = text
        head = (number, seq + offset, at, who.username, action, from_state, to_state)
        digest = _digest(head, text, prev_hash)
        rows.append(
            {
                "incident_id": incident_id,
                "seq": seq + offset,
                "at": at,
                "actor_id": who.id,
                "actor": who.username,
                "action": action,
                "from_state": from_state,
                "to_state": to_state,
                "payload": JsonObject(payload, text),
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    return rows


def append_event(
    session: Session,
    *,
    incident: Incident,
    actor: Actor,
    action: str,
    from_state: str | None,
    to_state: str,
    payload: dict[str, Any],
    at: dt.datetime | None = None,
) -> IncidentEvent:
    last = session.execute(
        select(IncidentEvent.seq, IncidentEvent.hash)
        .where(IncidentEvent.incident_id == incident.id)
        .order_by(IncidentEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    step: Step = (actor, action, from_state, to_state, payload, at or utcnow())
    (row,) = chained(incident.id, incident.number, [step], seq=seq, prev_hash=prev_hash)
    event = IncidentEvent(**row)
    session.add(event)
    session.flush()
    return event


def events_of(session: Session, incident_id: int) -> list[IncidentEvent]:
    return list(
        session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.seq)
        )
    )


def rebuild_snapshot(session: Session, incident_id: int) -> Snapshot:
    """The incident's current facts, computed from its events alone."""
    return replay((e.action, e.payload) for e in events_of(session, incident_id))


def verify_history(session: Session, incident: Incident) -> list[str]:
    """Problems in the hash chain (empty when the history is intact)."""
    problems: list[str] = []
    prev = GENESIS
    for expected_seq, event in enumerate(events_of(session, incident.id), start=1):
        if event.seq != expected_seq:
            problems.append(f"事件序号缺失：期望 {expected_seq}，实为 {event.seq}")
        if event.prev_hash != prev:
            problems.append(f"事件 {event.seq} 的前序哈希不符")
        recomputed = event_hash(
            number=incident.number,
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            from_state=event.from_state,
            to_state=event.to_state,
            payload=event.payload,
            prev_hash=event.prev_hash,
        )
        if recomputed != event.hash:
            problems.append(f"事件 {event.seq} 的内容与哈希不符（可能被改动）")
        prev = event.hash
    return problems
