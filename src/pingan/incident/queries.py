"""Reads over incidents, always through the user's scope."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, false, func, or_, select, true
from sqlalchemy.orm import Session

from pingan.area.queries import get_place_or_raise
from pingan.errors import NotFound
from pingan.incident.lifecycle import STATES, allowed_actions
from pingan.incident.models import Incident, IncidentAssignment, IncidentEvent
from pingan.incident.schemas import AssignmentRead, EventRead, IncidentFilter, IncidentRead
from pingan.taxonomy import get_call_type
from pingan.unit.models import Unit
from pingan.user.scope import Actor, Scope, mask_name, mask_phone, scope_of

PLACE_COLUMNS = ("city", "county", "town", "village")


def place_condition(level: str, code: str) -> ColumnElement[bool]:
    """Incidents in the subtree of a division (or exactly at a grid)."""
    if level == "province":
        return true()
    if level in PLACE_COLUMNS:
        column: ColumnElement[str | None] = getattr(Incident, f"{level}_code")
        return column == code
    return Incident.place_code == code


def scope_condition(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    if scope.reporter_id is not None:
        return Incident.created_by == scope.reporter_id
    if scope.unit_id is not None:
        assigned = select(IncidentAssignment.incident_id).where(
            IncidentAssignment.unit_id == scope.unit_id, IncidentAssignment.active.is_(True)
        )
        return Incident.id.in_(assigned)
    if scope.place_level and scope.place_code:
        return place_condition(scope.place_level, scope.place_code)
    return false()


def scoped(query: Select[Any], actor: Actor) -> Select[Any]:
    return query.where(scope_condition(scope_of(actor)))


def get_incident_or_raise(session: Session, actor: Actor, ref: str | int) -> Incident:
    """By id or by number; out-of-scope incidents are reported as not found."""
    ref = str(ref)
    condition = Incident.number == ref
    if ref.isdigit() and len(ref) < 12:
        condition = or_(condition, Incident.id == int(ref))
    incident: Incident | None = session.scalar(scoped(select(Incident).where(condition), actor))
    if incident is None:
        raise NotFound(f"警情 {ref} 不存在或不在您的辖区内", field="incident")
    return incident


def list_incidents(
    session: Session, actor: Actor, filters: IncidentFilter, *, offset: int, limit: int
) -> tuple[list[Incident], int]:
    query = scoped(select(Incident), actor)
    if filters.state:
        query = query.where(Incident.state == filters.state)
    if filters.channel:
        query = query.where(Incident.channel == filters.channel)
    if filters.code:
        query = query.where(Incident.final_code == filters.code)
    if filters.police is not None:
        query = query.where(Incident.police.is_(filters.police))
    if filters.place:
        place = get_place_or_raise(session, filters.place)
        query = query.where(place_condition(place.level, place.code))
    if filters.since:
        query = query.where(Incident.reported_at >= filters.since)
    if filters.until:
        query = query.where(Incident.reported_at < filters.until)
    if filters.q:
        # A bound parameter, never spliced into SQL; LIKE wildcards in the text are escaped.
        pattern = (
            "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            or_(
                Incident.description.like(pattern, escape="\\"),
                Incident.address.like(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Incident.reported_at.desc(), Incident.id.desc()).offset(offset).limit(limit)
    )
    return list(rows), total


def list_events(session: Session, incident: Incident) -> list[IncidentEvent]:
    return list(
        session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident.id)
            .order_by(IncidentEvent.seq)
        )
    )


_ASSIGNMENTS = (
    select(
        IncidentAssignment.incident_id,
        IncidentAssignment.unit_id,
        Unit.name,
        IncidentAssignment.role,
        IncidentAssignment.active,
        IncidentAssignment.assigned_at,
    )
    .join(Unit, Unit.id == IncidentAssignment.unit_id)
    .where(IncidentAssignment.incident_id.in_(bindparam("ids", expanding=True)))
    .order_by(IncidentAssignment.id)
)


def assignments_of(session: Session, incident_ids: list[int]) -> dict[int, list[AssignmentRead]]:
    if not incident_ids:
        return {}
    result: dict[int, list[AssignmentRead]] = {}
    for row in session.connection().execute(_ASSIGNMENTS, {"ids": incident_ids}):
        result.setdefault(row.incident_id, []).append(
            AssignmentRead(
                unit_id=row.unit_id,
                unit_name=row.name,
                role=row.role,
                active=row.active,
                assigned_at=row.assigned_at,
            )
        )
    return result


def incident_read(
    incident: Incident | Row[Any] | SimpleNamespace,
    actor: Actor,
    assignments: list[AssignmentRead] | None = None,
) -> IncidentRead:
    """The incident (the object, its row read with Core, or the columns it was just written
    with) as this actor may see it: personal data masked unless the role needs it."""
    full = actor.sees_personal_data or (actor.role == "citizen" and incident.created_by == actor.id)
    call_type = get_call_type(incident.final_code) if incident.final_code else None
    return IncidentRead(
        id=incident.id,
        number=incident.number,
        external_id=incident.external_id,
        channel=incident.channel,
        reported_at=incident.reported_at,
        created_at=incident.created_at,
        caller_name=incident.caller_name if full else mask_name(incident.caller_name),
        caller_phone=incident.caller_phone if full else mask_phone(incident.caller_phone),
        address=incident.address,
        description=incident.description,
        place_code=incident.place_code,
        city_code=incident.city_code,
        county_code=incident.county_code,
        town_code=incident.town_code,
        village_code=incident.village_code,
        lon=incident.lon,
        lat=incident.lat,
        state=incident.state,
        state_name=STATES.get(incident.state, incident.state),
        allowed_actions=allowed_actions(incident.state),
        initial_code=incident.initial_code,
        final_code=incident.final_code,
        category_name=call_type.name if call_type else None,
        police=incident.police,
        urgency=incident.urgency,
        result=incident.result,
        satisfaction=incident.satisfaction,
        solved=incident.solved,
        merged_into=incident.merged_into,
        return_count=incident.return_count,
        sign_for_due=incident.sign_for_due,
        arrive_due=incident.arrive_due,
        finish_due=incident.finish_due,
        call_back_due=incident.call_back_due,
        assignments=assignments or [],
    )


def event_read(event: IncidentEvent) -> EventRead:
    return EventRead(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        payload=event.payload,
        hash=event.hash,
    )
