"""Writes to incidents: create, and every lifecycle action. Each change appends one event."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pingan.db.base import utcnow
from pingan.errors import Conflict, InvalidInput
from pingan.incident.assignment import DUE_COLUMNS, due_columns, reroute
from pingan.incident.creation import NewIncident, create_incidents
from pingan.incident.history import append_event
from pingan.incident.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    MissingField,
    Snapshot,
    apply,
)
from pingan.incident.models import Incident, IncidentAssignment
from pingan.incident.queries import get_incident_or_raise
from pingan.incident.schemas import IncidentCreate, check_code
from pingan.routing.timelimits import extend_for_pause
from pingan.triage import Triage
from pingan.unit.models import Unit
from pingan.user.scope import CAN_CREATE_INCIDENTS, Actor, require_role

COMMAND = frozenset({"admin", "commander", "dispatcher"})
ACTION_ROLES: dict[str, frozenset[str]] = {
    "triage": COMMAND | {"call_taker"},
    "assign": COMMAND,
    "sign_for": COMMAND | {"unit_handler"},
    "arrive": COMMAND | {"unit_handler"},
    "progress": COMMAND | {"unit_handler"},
    "finish": COMMAND | {"unit_handler"},
    "close": COMMAND | {"unit_handler"},
    "return_incident": COMMAND | {"unit_handler"},
    "call_back": COMMAND | {"call_taker"},
    "reopen": COMMAND,
    "merge": COMMAND | {"call_taker"},
    "cancel": COMMAND | {"call_taker"},
    "unroutable": frozenset({"admin"}),
    "escalate": frozenset({"admin"}),  # the time-limit engine
    "pause": COMMAND | {"unit_handler"},
    "resume": COMMAND | {"unit_handler"},
}
MAX_NOTE = 1000


def create_incident(
    session: Session,
    *,
    actor: Actor,
    data: IncidentCreate,
    idempotency_key: str | None = None,
    default_place: str | None = None,
    suggestion: Triage | None = None,
) -> tuple[Incident, bool]:
    """Record a new incident. Returns ``(incident, created)``; see ``creation.py``.

    ``suggestion`` is triage's answer when the caller already has it (the API triages before it
    touches the database, so the write lock is not held while the model runs).

    A retried request (same ``idempotency_key`` from the same user) or the same source record
    (``channel`` + ``external_id``) is never recorded twice: the repeat returns the incident made
    the first time, with ``created`` false, even when the two race each other.

    Triage runs on every new incident: its suggestion is kept as the initial category beside the
    final one (the human's, when given), so accuracy in production can be measured from the data.
    """
    require_role(actor, CAN_CREATE_INCIDENTS, "登记警情")
    item = NewIncident(data, idempotency_key)
    try:
        with session.begin_nested():
            (outcome,) = create_incidents(
                session,
                actor=actor,
                items=[item],
                default_place=default_place,
                suggestions=None if suggestion is None else [suggestion],
            )
    except IntegrityError:
        # Lost a race with the same request: the other one's incident is the answer.
        (outcome,) = create_incidents(
            session, actor=actor, items=[item], default_place=default_place
        )
        if outcome.created:
            raise
    if outcome.error is not None:
        raise outcome.error
    assert outcome.incident_id is not None
    incident = session.get(Incident, outcome.incident_id)
    assert incident is not None
    return incident, outcome.created


def _clean_payload(
    session: Session, actor: Actor, incident: Incident, action: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """Check and normalise what an action carries; the error names the field."""
    clean = dict(payload)
    for key in ("reason", "note", "result"):
        if key in clean:
            text = str(clean[key]).strip()
            if len(text) > MAX_NOTE:
                raise InvalidInput(f"{key} 超过 {MAX_NOTE} 字", field=key)
            clean[key] = text
    if action == "triage":
        if "code" in clean:
            try:
                check_code(str(clean["code"]))
            except ValueError as exc:
                raise InvalidInput(str(exc), field="code") from exc
        if "urgency" in clean and clean["urgency"] not in (1, 2, 3, 4):
            raise InvalidInput("urgency 须为 1–4", field="urgency")
        if "police" in clean and not isinstance(clean["police"], bool):
            raise InvalidInput("police 须为 true 或 false", field="police")
    if action == "assign":
        units = clean.get("units")
        if not isinstance(units, list) or not units or not all(isinstance(u, int) for u in units):
            raise InvalidInput("units 须为单位编号列表，第一个为主办单位", field="units")
        found = set(
            session.scalars(select(Unit.id).where(Unit.id.in_(units), Unit.active.is_(True)))
        )
        missing = [u for u in units if u not in found]
        if missing:
            raise InvalidInput(f"单位不存在或已停用：{missing}", field="units")
        clean["units"] = list(dict.fromkeys(units))
    if action == "call_back":
        satisfaction = clean.get("satisfaction")
        if (
            not isinstance(satisfaction, int)
            or isinstance(satisfaction, bool)
            or not 1 <= satisfaction <= 5
        ):
            raise InvalidInput("satisfaction 须为 1–5 的整数", field="satisfaction")
        if not isinstance(clean.get("solved"), bool):
            raise InvalidInput("solved 须为 true 或 false（问题是否真正解决）", field="solved")
    if action == "merge":
        target = get_incident_or_raise(session, actor, str(clean.get("into", "")))
        if target.id == incident.id:
            raise InvalidInput("不能合并到自身", field="into")
        if target.state in ("merged", "cancelled"):
            raise Conflict(
                f"目标警情 {target.number} 已{target.state}，不能作为合并目标", field="into"
            )
        clean["into"] = target.number
    return clean


def transition(
    session: Session, *, actor: Actor, incident: Incident, action: str, payload: dict[str, Any]
) -> Incident:
    """Perform a lifecycle action; raises ``Conflict`` naming the allowed actions if illegal."""
    if action not in TRANSITIONS:
        raise Conflict(str(IllegalTransition(action, incident.state)), allowed=_allowed(incident))
    require_role(actor, ACTION_ROLES[action], f"执行 {action}")
    snapshot = _snapshot_of(incident)
    from_state = incident.state
    try:
        clean = _clean_payload(session, actor, incident, action, payload)
        snapshot = apply(snapshot, action, clean)
    except IllegalTransition as exc:
        raise Conflict(str(exc), allowed=exc.allowed, state=exc.state) from exc
    except MissingField as exc:
        raise InvalidInput(str(exc), fields=exc.missing) from exc
    now = utcnow()
    if action == "assign":
        _replace_assignments(session, incident, clean["units"], now)
    elif action == "return_incident" or (action == "triage" and from_state == "assigned"):
        returned_by = _deactivate_assignments(session, incident)
        if action == "return_incident":
            # Back to the dispatcher, with a new suggestion that leaves out who returned it.
            suggestion = reroute(session, incident, exclude=returned_by, at=now)
            clean["suggestion"] = {
                "lead": suggestion.lead.to_dict() if suggestion.lead else None,
                "reason": suggestion.reason,
            }
    if action == "triage":
        _refresh_due_times(incident, snapshot)
    elif action == "pause":
        incident.paused_at = now
    elif action == "resume":
        _resume(incident, now)
    _store_snapshot(incident, snapshot, now)
    append_event(
        session,
        incident=incident,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=snapshot.state,
        payload=clean,
        at=now,
    )
    return incident


def _refresh_due_times(incident: Incident, snapshot: Snapshot) -> None:
    """A new category or urgency brings the time limits of its policy (from receipt)."""
    for column, due in due_columns(
        snapshot.final_code, snapshot.urgency, snapshot.police, incident.reported_at
    ).items():
        setattr(incident, column, due)


def _resume(incident: Incident, now: dt.datetime) -> None:
    """Waiting for the citizen stopped the clocks: limits not yet passed move later."""
    if incident.paused_at is None:
        return
    paused_seconds = (now - incident.paused_at).total_seconds()
    for column in DUE_COLUMNS.values():
        due = getattr(incident, column)
        if due is not None:
            setattr(
                incident,
                column,
                extend_for_pause(due, paused_seconds, paused_at=incident.paused_at),
            )
    incident.paused_at = None


def _allowed(incident: Incident) -> list[str]:
    return IllegalTransition("", incident.state).allowed


def _snapshot_of(incident: Incident) -> Snapshot:
    return Snapshot(
        state=incident.state,
        initial_code=incident.initial_code,
        final_code=incident.final_code,
        police=incident.police,
        urgency=incident.urgency,
        unit_ids=[],
        result=incident.result,
        satisfaction=incident.satisfaction,
        solved=incident.solved,
        merged_into=incident.merged_into,
        return_count=incident.return_count,
    )


SNAPSHOT_COLUMNS = tuple(k for k in asdict(Snapshot()) if k != "unit_ids")


def _store_snapshot(incident: Incident, snapshot: Snapshot, now: dt.datetime) -> None:
    for name in SNAPSHOT_COLUMNS:
        setattr(incident, name, getattr(snapshot, name))
    incident.updated_at = now


def _replace_assignments(
    session: Session, incident: Incident, units: list[int], now: dt.datetime
) -> None:
    _deactivate_assignments(session, incident)
    for index, unit_id in enumerate(units):
        session.add(
            IncidentAssignment(
                incident_id=incident.id,
                unit_id=unit_id,
                role="lead" if index == 0 else "assist",
                active=True,
                assigned_at=now,
            )
        )
    session.flush()


def _deactivate_assignments(session: Session, incident: Incident) -> list[int]:
    """End the incident's current assignments; returns the units that had it."""
    units = list(
        session.scalars(
            select(IncidentAssignment.unit_id).where(
                IncidentAssignment.incident_id == incident.id, IncidentAssignment.active.is_(True)
            )
        )
    )
    session.execute(
        update(IncidentAssignment)
        .where(IncidentAssignment.incident_id == incident.id, IncidentAssignment.active.is_(True))
        .values(active=False)
    )
    return units
