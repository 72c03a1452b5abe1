"""Writes to incidents: create, and every lifecycle action. Each change appends one event."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pingan.area.models import Place
from pingan.area.queries import get_place_or_raise, is_within
from pingan.db.base import utcnow
from pingan.errors import Conflict, InvalidInput
from pingan.geo.coords import in_zhejiang_bbox, to_wgs84
from pingan.incident.history import append_event
from pingan.incident.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    MissingField,
    Snapshot,
    apply,
)
from pingan.incident.models import Incident, IncidentAssignment
from pingan.incident.numbering import next_number
from pingan.incident.queries import get_incident_or_raise
from pingan.incident.schemas import IncidentCreate, check_code
from pingan.taxonomy import get_call_type
from pingan.triage import Triage, triage
from pingan.unit.models import Unit
from pingan.user.queries import require_within_jurisdiction
from pingan.user.scope import CAN_CREATE_INCIDENTS, Actor, require_role

_FUTURE_SLACK = dt.timedelta(minutes=5)
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
}
MAX_NOTE = 1000


def _resolve_place(
    session: Session, actor: Actor, data: IncidentCreate, suggested: str | None
) -> Place | None:
    """The explicit place; else the place triage read from the address (if it lies in the
    user's jurisdiction); else the user's home place."""
    if data.place_code:
        return require_within_jurisdiction(session, actor, data.place_code)
    if suggested:
        place = session.get(Place, suggested)
        home = session.get(Place, actor.place_code) if actor.place_code else None
        if place is not None and (
            home is None or actor.role == "citizen" or is_within(place, home)
        ):
            return place
    return get_place_or_raise(session, actor.place_code) if actor.place_code else None


def suggest(data: IncidentCreate, default_place: str | None) -> Triage:
    """What triage proposes for the text and address (the model's initial suggestion)."""
    return triage(data.description, data.address, default_place)


def _existing(
    session: Session, actor: Actor, data: IncidentCreate, idempotency_key: str | None
) -> Incident | None:
    """The incident this same request (or source record) already created, if any."""
    if idempotency_key and actor.id is not None:
        found = session.scalar(
            select(Incident).where(
                Incident.created_by == actor.id, Incident.idempotency_key == idempotency_key
            )
        )
        if found is not None:
            return found
    if data.external_id:
        return session.scalar(
            select(Incident).where(
                Incident.channel == data.channel, Incident.external_id == data.external_id
            )
        )
    return None


def create_incident(
    session: Session,
    *,
    actor: Actor,
    data: IncidentCreate,
    idempotency_key: str | None = None,
    default_place: str | None = None,
) -> tuple[Incident, bool]:
    """Record a new incident (state ``received``). Returns ``(incident, created)``.

    A retried request (same ``idempotency_key`` from the same user) or the same source record
    (``channel`` + ``external_id``) is never recorded twice: the repeat returns the incident made
    the first time, with ``created`` false, even when the two race each other.

    Triage runs on every new incident: its suggestion is kept as the initial category beside the
    final one (the human's, when given), so accuracy in production can be measured from the data.
    """
    require_role(actor, CAN_CREATE_INCIDENTS, "登记警情")
    existing = _existing(session, actor, data, idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            suggestion = suggest(data, actor.place_code or default_place)
            return _insert_incident(session, actor, data, idempotency_key, suggestion), True
    except IntegrityError:
        existing = _existing(session, actor, data, idempotency_key)
        if existing is None:
            raise
        return existing, False


def _insert_incident(
    session: Session,
    actor: Actor,
    data: IncidentCreate,
    idempotency_key: str | None,
    suggestion: Triage,
) -> Incident:
    suggested_place = suggestion.place["code"] if suggestion.place else None
    place = _resolve_place(session, actor, data, suggested_place)
    lon, lat = data.lon, data.lat
    if lon is not None and lat is not None:
        lon, lat = to_wgs84(lon, lat, data.coord_system)
        if not in_zhejiang_bbox(lon, lat):
            raise InvalidInput(
                f"坐标 ({data.lon}, {data.lat}) 不在浙江省范围内（坐标系 {data.coord_system}）",
                field="lon",
            )
        lon, lat = round(lon, 6), round(lat, 6)
    elif place is not None:
        lon, lat = place.lon, place.lat
    if place is None:
        raise InvalidInput("须提供事发地区划代码 place_code", field="place_code")
    now = utcnow()
    reported_at = data.reported_at or now
    if reported_at > now.replace(microsecond=0) + _FUTURE_SLACK:
        raise InvalidInput("报警时间不能晚于当前时间", field="reported_at")
    area = place.county_code or place.city_code or place.code
    incident = Incident(
        number=next_number(session, area_code=area, when=now),
        external_id=data.external_id,
        idempotency_key=idempotency_key,
        channel=data.channel,
        reported_at=reported_at,
        created_at=now,
        created_by=actor.id,
        caller_name=data.caller_name,
        caller_phone=data.caller_phone,
        address=data.address,
        description=data.description,
        place_code=place.code,
        city_code=place.city_code,
        county_code=place.county_code,
        town_code=place.town_code if place.level != "town" else place.code,
        village_code=place.village_code,
        lon=lon,
        lat=lat,
        state="received",
        initial_code=suggestion.code,
        final_code=suggestion.code,
        police=suggestion.police,
        urgency=suggestion.urgency,
        updated_at=now,
    )
    session.add(incident)
    session.flush()
    append_event(
        session,
        incident=incident,
        actor=actor,
        action="create",
        from_state=None,
        to_state="received",
        payload={
            "channel": data.channel,
            "place_code": place.code,
            "initial_code": suggestion.code,
        },
        at=now,
    )
    _record_triage(session, actor, incident, data, suggestion)
    return incident


TRIAGE_ACTOR = Actor(id=None, username="triage", role="admin")


def _record_triage(
    session: Session, actor: Actor, incident: Incident, data: IncidentCreate, suggestion: Triage
) -> None:
    """The triage event: the model's suggestion, and the person's choice where they made one."""
    human = actor.role in ACTION_ROLES["triage"] and (
        data.code is not None or data.police is not None or data.urgency is not None
    )
    code = (data.code if human else None) or suggestion.code
    call_type = get_call_type(code)
    police = data.police if human and data.police is not None else None
    if police is None:
        police = (
            suggestion.police if code == suggestion.code or call_type is None else call_type.police
        )
    payload: dict[str, Any] = {
        "code": code,
        "suggested_code": suggestion.code,
        "police": police,
        "urgency": (data.urgency if human else None) or suggestion.urgency,
        "confidence": suggestion.confidence,
        "gov_category": suggestion.gov_category,
        "department": suggestion.department,
        "source": "human" if human else "model",
    }
    transition(
        session,
        actor=actor if human else TRIAGE_ACTOR,
        incident=incident,
        action="triage",
        payload=payload,
    )


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
    elif action == "return_incident":
        _deactivate_assignments(session, incident)
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


def _deactivate_assignments(session: Session, incident: Incident) -> None:
    session.execute(
        update(IncidentAssignment)
        .where(IncidentAssignment.incident_id == incident.id, IncidentAssignment.active.is_(True))
        .values(active=False)
    )
