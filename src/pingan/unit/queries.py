"""Reads over units and resources, scoped to the user's jurisdiction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from pingan.area.models import Place
from pingan.area.queries import get_place_or_raise, subtree_codes
from pingan.errors import NotFound
from pingan.unit.models import UNIT_TYPES, Resource, Unit, UnitCoverage
from pingan.unit.schemas import UnitRead
from pingan.user.scope import Scope


def _unit_scope(query: Select[Any], scope: Scope) -> Select[Any]:
    """Units seated in the user's jurisdiction (or the handler's own unit)."""
    if scope.everything:
        return query
    if scope.unit_id is not None:
        return query.where(Unit.id == scope.unit_id)
    if scope.place_code and scope.place_level:
        return query.where(Unit.place_code.in_(subtree_codes(scope.place_level, scope.place_code)))
    return query.where(Unit.id == -1)


def list_units(
    session: Session,
    scope: Scope,
    *,
    type: str | None = None,
    under: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Unit], int]:
    query = _unit_scope(select(Unit), scope)
    if type:
        query = query.where(Unit.type == type)
    if under:
        place = get_place_or_raise(session, under)
        query = query.where(Unit.place_code.in_(subtree_codes(place.level, place.code)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    units = session.scalars(query.order_by(Unit.id).offset(offset).limit(limit))
    return list(units), total


def get_unit_or_raise(session: Session, scope: Scope, unit_id: int) -> Unit:
    unit: Unit | None = session.scalar(_unit_scope(select(Unit).where(Unit.id == unit_id), scope))
    if unit is None:
        raise NotFound(f"单位 {unit_id} 不存在或不在您的辖区内", field="unit_id")
    return unit


def unit_read(unit: Unit) -> UnitRead:
    return UnitRead(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        type=unit.type,
        type_name=UNIT_TYPES.get(unit.type, unit.type),
        place_code=unit.place_code,
        county_code=unit.county_code,
        phone=unit.phone,
        active=unit.active,
        covers=sorted(c.place_code for c in unit.coverage),
    )


def units_covering(session: Session, place: Place, *, type: str | None = None) -> list[Unit]:
    """Units whose coverage contains ``place``, most specific coverage first."""
    chain = [place.code, place.village_code, place.town_code, place.county_code, place.city_code]
    codes = [c for c in dict.fromkeys(chain) if c]
    query = (
        select(Unit, UnitCoverage.place_code)
        .join(UnitCoverage, UnitCoverage.unit_id == Unit.id)
        .where(UnitCoverage.place_code.in_(codes), Unit.active.is_(True))
    )
    if type:
        query = query.where(Unit.type == type)
    ranked = sorted(session.execute(query).all(), key=lambda row: codes.index(row[1]))
    return list(dict.fromkeys(unit for unit, _ in ranked))


def list_resources(
    session: Session,
    scope: Scope,
    *,
    unit_id: int | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Resource], int]:
    units = _unit_scope(select(Unit.id), scope)
    query = select(Resource).where(Resource.unit_id.in_(units))
    if unit_id is not None:
        query = query.where(Resource.unit_id == unit_id)
    if status:
        query = query.where(Resource.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(session.scalars(query.order_by(Resource.id).offset(offset).limit(limit))), total


def get_resource_or_raise(session: Session, scope: Scope, resource_id: int) -> Resource:
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound(f"力量 {resource_id} 不存在", field="resource_id")
    get_unit_or_raise(session, scope, resource.unit_id)
    return resource
