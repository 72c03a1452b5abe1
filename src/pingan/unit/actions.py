"""Writes to units and resources. Actions flush; the caller's session scope commits."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pingan.area.queries import get_place_or_raise
from pingan.errors import Conflict, InvalidInput, PinganError, describe_validation
from pingan.tabular import ERROR, read_rows, split_list
from pingan.unit.models import Resource, Unit, UnitCoverage
from pingan.unit.schemas import (
    ImportReport,
    ResourceCreate,
    ResourceUpdate,
    UnitCreate,
    UnitUpdate,
)

ROW_ERRORS = (ValidationError, PinganError, ValueError, IntegrityError)


def _check_places(session: Session, codes: Iterable[str]) -> list[str]:
    return [get_place_or_raise(session, code).code for code in dict.fromkeys(codes)]


def create_unit(session: Session, *, data: UnitCreate) -> Unit:
    seat = get_place_or_raise(session, data.place_code)
    if data.code and session.scalar(select(Unit.id).where(Unit.code == data.code)):
        raise Conflict(f"单位编码 {data.code} 已存在", field="code")
    covers = _check_places(session, data.covers or [seat.code])
    unit = Unit(
        name=data.name,
        type=data.type,
        place_code=seat.code,
        county_code=seat.county_code,
        code=data.code,
        phone=data.phone,
        coverage=[UnitCoverage(place_code=code) for code in covers],
    )
    session.add(unit)
    session.flush()
    return unit


def update_unit(session: Session, *, unit: Unit, data: UnitUpdate) -> Unit:
    if data.name is not None:
        unit.name = data.name
    if data.phone is not None:
        unit.phone = data.phone
    if data.active is not None:
        unit.active = data.active
    if data.covers is not None:
        covers = _check_places(session, data.covers)
        unit.coverage = [UnitCoverage(place_code=code) for code in covers]
    session.flush()
    return unit


def create_resource(session: Session, *, data: ResourceCreate) -> Resource:
    if session.get(Unit, data.unit_id) is None:
        raise InvalidInput(f"单位 {data.unit_id} 不存在", field="unit_id")
    resource = Resource(**data.model_dump())
    session.add(resource)
    session.flush()
    return resource


def update_resource(session: Session, *, resource: Resource, data: ResourceUpdate) -> Resource:
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(resource, name, value)
    session.flush()
    return resource


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return describe_validation(exc)
    return getattr(exc, "message", str(exc))


def import_units(session: Session, path: Path) -> ImportReport:
    """Import units from CSV/JSON/JSONL; good rows go in, bad rows are reported with the reason.

    Columns: ``name, type, place_code, code, phone, covers`` (``covers``: codes separated by ``;``).
    """
    imported, rejected = 0, []
    for number, row in read_rows(path):
        try:
            if ERROR in row:
                raise InvalidInput(row[ERROR])
            data = UnitCreate(
                name=row.get("name") or "",
                type=row.get("type") or "",
                place_code=str(row.get("place_code") or ""),
                code=row.get("code") or None,
                phone=row.get("phone") or None,
                covers=split_list(row.get("covers")),
            )
            with session.begin_nested():
                create_unit(session, data=data)
            imported += 1
        except ROW_ERRORS as exc:
            rejected.append({"row": number, "reason": _describe(exc)})
    return ImportReport(imported=imported, rejected=rejected)


def import_resources(session: Session, path: Path) -> ImportReport:
    """Import resources; ``unit`` is a unit id or unit code. Other columns as ``ResourceCreate``."""
    imported, rejected = 0, []
    for number, row in read_rows(path):
        try:
            if ERROR in row:
                raise InvalidInput(row[ERROR])
            unit_ref = str(row.get("unit") or row.get("unit_id") or "")
            unit = session.scalar(select(Unit).where(Unit.code == unit_ref))
            if unit is None and unit_ref.isdigit():
                unit = session.get(Unit, int(unit_ref))
            if unit is None:
                raise InvalidInput(f"找不到单位 {unit_ref!r}")
            fields: dict[str, Any] = {
                "unit_id": unit.id,
                "kind": row.get("kind") or "",
                "name": row.get("name") or "",
                "call_sign": row.get("call_sign") or None,
                "status": row.get("status") or "available",
                "capabilities": split_list(row.get("capabilities")),
                "lon": float(row["lon"]) if row.get("lon") not in (None, "") else None,
                "lat": float(row["lat"]) if row.get("lat") not in (None, "") else None,
            }
            with session.begin_nested():
                create_resource(session, data=ResourceCreate(**fields))
            imported += 1
        except ROW_ERRORS as exc:
            rejected.append({"row": number, "reason": _describe(exc)})
    return ImportReport(imported=imported, rejected=rejected)
