"""Routes: the place tree (reference data; any signed-in user may read it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pingan.area.models import Place
from pingan.area.queries import (
    ancestors,
    children,
    count_by_level,
    find_by_name,
    get_place_or_raise,
    list_places,
)
from pingan.area.schemas import PlaceRead, PlaceStats
from pingan.deps import ActorDep, SessionDep
from pingan.pagination import MAX_PAGE_SIZE, Page

router = APIRouter(prefix="/api/places", tags=["区划"])


@router.get("", response_model=Page[PlaceRead], summary="区划列表")
def places(
    _actor: ActorDep,
    session: SessionDep,
    level: str | None = None,
    under: str | None = None,
    name: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
) -> Page[PlaceRead]:
    items, total = list_places(
        session,
        level=level,
        under=under,
        name=name,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    return Page(
        items=[PlaceRead.model_validate(p) for p in items],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.get("/stats", response_model=PlaceStats, summary="各层级区划数量")
def stats(_actor: ActorDep, session: SessionDep) -> PlaceStats:
    return PlaceStats(**count_by_level(session))


@router.get("/search", response_model=list[PlaceRead], summary="按名称查找（全称或简称）")
def search(
    _actor: ActorDep,
    session: SessionDep,
    name: Annotated[str, Query(min_length=1, max_length=100)],
    under: str | None = None,
) -> list[Place]:
    return find_by_name(session, name, under=under)


@router.get("/{code}", response_model=PlaceRead, summary="按代码查看区划")
def place(code: str, _actor: ActorDep, session: SessionDep) -> Place:
    return get_place_or_raise(session, code)


@router.get("/{code}/ancestors", response_model=list[PlaceRead], summary="上级区划（省→本级上级）")
def place_ancestors(code: str, _actor: ActorDep, session: SessionDep) -> list[Place]:
    return ancestors(session, code)


@router.get("/{code}/children", response_model=list[PlaceRead], summary="直接下级区划")
def place_children(code: str, _actor: ActorDep, session: SessionDep) -> list[Place]:
    return children(session, code)
