"""Reads over the place tree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from pingan.area.models import ANCESTOR_COLUMNS, LEVEL_DEPTH, PLACE_LEVELS, Place
from pingan.errors import InvalidInput, NotFound


def get_place(session: Session, code: str) -> Place | None:
    return session.get(Place, code)


def get_place_or_raise(session: Session, code: str) -> Place:
    place = session.get(Place, code)
    if place is None:
        raise NotFound(f"未知区划代码 {code}", field="place_code", code=code)
    return place


def check_level(level: str) -> str:
    if level not in PLACE_LEVELS:
        raise InvalidInput(
            f"未知层级 {level}；可选：{', '.join(PLACE_LEVELS)}", field="level", value=level
        )
    return level


def subtree_filter(level: str, code: str) -> ColumnElement[bool]:
    """A filter selecting the place ``code`` (of ``level``) and every place under it."""
    if level == "province":
        return Place.code.is_not(None)
    if level in ANCESTOR_COLUMNS or level == "village":
        column = getattr(Place, f"{level}_code")
        return or_(Place.code == code, column == code)
    return Place.code == code


def subtree_codes(level: str, code: str) -> Select[Any]:
    """The codes of the place and every place under it, as a subquery."""
    return select(Place.code).where(subtree_filter(level, code))


def list_places(
    session: Session,
    *,
    level: str | None = None,
    under: str | None = None,
    name: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[Place], int]:
    query = select(Place)
    if level:
        query = query.where(Place.level == check_level(level))
    if under:
        place = get_place_or_raise(session, under)
        query = query.where(subtree_filter(place.level, place.code))
    if name:
        query = query.where(or_(Place.name == name, Place.short_name == name))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(Place.code).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), total


def find_by_name(session: Session, name: str, *, under: str | None = None) -> list[Place]:
    """Places called ``name`` in full (新昌县) or short form (新昌), shallowest first."""
    places, _ = list_places(session, name=name.strip(), under=under)
    return sorted(places, key=lambda p: (LEVEL_DEPTH[p.level], p.code))


def ancestors(session: Session, code: str) -> list[Place]:
    """From the province down to the place's parent."""
    chain: list[Place] = []
    place = get_place_or_raise(session, code)
    while place.parent_code:
        parent = session.get(Place, place.parent_code)
        if parent is None:
            break
        chain.append(parent)
        place = parent
    return list(reversed(chain))


def children(session: Session, code: str) -> list[Place]:
    get_place_or_raise(session, code)
    return list(
        session.scalars(select(Place).where(Place.parent_code == code).order_by(Place.code))
    )


def is_within(place: Place, ancestor: Place) -> bool:
    """True when ``place`` is ``ancestor`` or lies under it."""
    if ancestor.level == "province" or place.code == ancestor.code:
        return True
    column = ANCESTOR_COLUMNS.get(ancestor.level)
    if column is not None:
        return bool(getattr(place, column) == ancestor.code)
    if ancestor.level == "village":
        return place.village_code == ancestor.code
    return False


def count_by_level(session: Session) -> dict[str, int]:
    rows = session.execute(select(Place.level, func.count()).group_by(Place.level)).all()
    counts = {level: 0 for level in PLACE_LEVELS}
    counts.update({level: int(n) for level, n in rows})
    return counts
