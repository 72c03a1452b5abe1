"""Routes: units and resources, scoped to the user's jurisdiction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pingan.deps import ActorDep, SessionDep
from pingan.pagination import MAX_PAGE_SIZE, Page
from pingan.unit.actions import create_resource, create_unit, update_resource, update_unit
from pingan.unit.models import Resource
from pingan.unit.queries import (
    get_resource_or_raise,
    get_unit_or_raise,
    list_resources,
    list_units,
    unit_read,
)
from pingan.unit.schemas import (
    ResourceCreate,
    ResourceRead,
    ResourceUpdate,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)
from pingan.user.queries import require_within_jurisdiction
from pingan.user.scope import CAN_MANAGE_UNITS, require_role, scope_of

router = APIRouter(tags=["单位与力量"])
PageNo = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


@router.get("/api/units", response_model=Page[UnitRead], summary="处置单位列表")
def units(
    actor: ActorDep,
    session: SessionDep,
    type: str | None = None,
    under: str | None = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Page[UnitRead]:
    items, total = list_units(
        session,
        scope_of(actor),
        type=type,
        under=under,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    return Page(items=[unit_read(u) for u in items], total=total, page=page, page_size=page_size)


@router.post("/api/units", response_model=UnitRead, status_code=201, summary="新建处置单位")
def add_unit(data: UnitCreate, actor: ActorDep, session: SessionDep) -> UnitRead:
    require_role(actor, CAN_MANAGE_UNITS, "新建单位")
    require_within_jurisdiction(session, actor, data.place_code)
    return unit_read(create_unit(session, data=data))


@router.get("/api/units/{unit_id}", response_model=UnitRead, summary="查看处置单位")
def unit(unit_id: int, actor: ActorDep, session: SessionDep) -> UnitRead:
    return unit_read(get_unit_or_raise(session, scope_of(actor), unit_id))


@router.patch("/api/units/{unit_id}", response_model=UnitRead, summary="修改处置单位")
def edit_unit(unit_id: int, data: UnitUpdate, actor: ActorDep, session: SessionDep) -> UnitRead:
    require_role(actor, CAN_MANAGE_UNITS, "修改单位")
    found = get_unit_or_raise(session, scope_of(actor), unit_id)
    return unit_read(update_unit(session, unit=found, data=data))


@router.get("/api/resources", response_model=Page[ResourceRead], summary="力量列表")
def resources(
    actor: ActorDep,
    session: SessionDep,
    unit_id: int | None = None,
    status: str | None = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Page[ResourceRead]:
    items, total = list_resources(
        session,
        scope_of(actor),
        unit_id=unit_id,
        status=status,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    return Page(
        items=[ResourceRead.model_validate(r) for r in items],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.post("/api/resources", response_model=ResourceRead, status_code=201, summary="新增力量")
def add_resource(data: ResourceCreate, actor: ActorDep, session: SessionDep) -> Resource:
    require_role(actor, CAN_MANAGE_UNITS, "新增力量")
    get_unit_or_raise(session, scope_of(actor), data.unit_id)
    return create_resource(session, data=data)


@router.patch(
    "/api/resources/{resource_id}", response_model=ResourceRead, summary="更新力量状态/位置"
)
def edit_resource(
    resource_id: int, data: ResourceUpdate, actor: ActorDep, session: SessionDep
) -> Resource:
    resource = get_resource_or_raise(session, scope_of(actor), resource_id)
    if actor.role not in CAN_MANAGE_UNITS and actor.role not in ("dispatcher", "unit_handler"):
        require_role(actor, CAN_MANAGE_UNITS, "更新力量")
    return update_resource(session, resource=resource, data=data)
