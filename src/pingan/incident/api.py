"""Routes: incidents, their history and their lifecycle actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from pingan.area.queries import get_place_or_raise
from pingan.db.base import utcnow
from pingan.deps import ActorDep, SessionDep, SettingsDep
from pingan.geo.coords import to_wgs84
from pingan.incident.actions import transition
from pingan.incident.assignment import DUE_COLUMNS, decide, decisions_of, load_directory
from pingan.incident.dispatching import recommend
from pingan.incident.duplicates import find_duplicates, find_repeats
from pingan.incident.group_commit import GroupCommit
from pingan.incident.history import verify_history
from pingan.incident.lifecycle import TRANSITIONS
from pingan.incident.queries import (
    assignments_of,
    event_read,
    get_incident_or_raise,
    incident_read,
    list_events,
    list_incidents,
)
from pingan.incident.schemas import (
    EventRead,
    IncidentCreate,
    IncidentFilter,
    IncidentRead,
    RouteRequest,
    TransitionRequest,
    TriageRequest,
)
from pingan.incident.timers import DONE_STATES, fired_stages
from pingan.pagination import MAX_PAGE_SIZE, Page
from pingan.routing.timelimits import stages
from pingan.triage import triage
from pingan.user.scope import CAN_CREATE_INCIDENTS, require_role

router = APIRouter(prefix="/api/incidents", tags=["警情"])


@router.post("", response_model=IncidentRead, status_code=201, summary="登记警情")
async def add_incident(
    data: IncidentCreate,
    actor: ActorDep,
    request: Request,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=100,
            description="Retry-safe key: the same key returns the same incident (422 when it"
            " comes with a different request).",
        ),
    ] = None,
) -> IncidentRead:
    """The process's group commit triages and writes it (with whatever else arrived at the same
    moment) and answers once it is on disk. Async: the wait needs no thread of its own."""
    writer: GroupCommit = request.app.state.group_commit
    read, created = await writer.create(actor, data, idempotency_key)
    if not created:
        response.status_code = 200
    return read


@router.get("", response_model=Page[IncidentRead], summary="警情列表（按辖区）")
def incidents(
    actor: ActorDep,
    session: SessionDep,
    state: str | None = None,
    channel: str | None = None,
    code: str | None = None,
    police: bool | None = None,
    place: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Page[IncidentRead]:
    filters = IncidentFilter(
        state=state,
        channel=channel,
        code=code,
        police=police,
        place=place,
        since=since,
        until=until,
        q=q,
    )
    items, total = list_incidents(
        session, actor, filters, offset=(page - 1) * page_size, limit=page_size
    )
    assigned = assignments_of(session, [i.id for i in items])
    return Page(
        items=[incident_read(i, actor, assigned.get(i.id)) for i in items],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.get("/{ref}", response_model=IncidentRead, summary="查看警情（编号或 id）")
def incident(ref: str, actor: ActorDep, session: SessionDep) -> IncidentRead:
    found = get_incident_or_raise(session, actor, ref)
    return incident_read(found, actor, assignments_of(session, [found.id]).get(found.id))


@router.get("/{ref}/events", response_model=list[EventRead], summary="警情流转记录")
def events(ref: str, actor: ActorDep, session: SessionDep) -> list[EventRead]:
    found = get_incident_or_raise(session, actor, ref)
    return [event_read(e) for e in list_events(session, found)]


@router.get("/{ref}/verify", summary="校验流转记录未被篡改")
def verify(ref: str, actor: ActorDep, session: SessionDep) -> dict[str, object]:
    found = get_incident_or_raise(session, actor, ref)
    problems = verify_history(session, found)
    return {"number": found.number, "intact": not problems, "problems": problems}


@router.get("/{ref}/duplicates", summary="疑似重复警情与重复报警")
def duplicates(ref: str, actor: ActorDep, session: SessionDep) -> dict[str, object]:
    found = get_incident_or_raise(session, actor, ref)
    candidates = find_duplicates(
        session,
        actor,
        text=found.description,
        at=found.reported_at,
        lon=found.lon,
        lat=found.lat,
        place_code=found.place_code,
        code=found.final_code,
        exclude_id=found.id,
    )
    repeats = find_repeats(
        session,
        actor,
        at=found.reported_at,
        phone=found.caller_phone,
        address=found.address,
        exclude_id=found.id,
    )
    return {
        "duplicates": [asdict(c) for c in candidates],
        "repeats": [asdict(r) for r in repeats],
    }


@router.get("/{ref}/routing", summary="分派决策及其依据（规则、版本、逐单位说明）")
def routing(ref: str, actor: ActorDep, session: SessionDep) -> list[dict[str, object]]:
    found = get_incident_or_raise(session, actor, ref)
    return [
        {
            "at": d.at,
            "rules_version": d.rules_version,
            "rule": d.rule,
            "lead_unit_id": d.lead_unit_id,
            "assist_unit_ids": d.assist_unit_ids,
            "unroutable": d.unroutable,
            "reason": d.reason,
            "trace": d.trace,
        }
        for d in decisions_of(session, found)
    ]


@router.get("/{ref}/recommendations", summary="派警推荐：附近可用力量按到达时间与适配度排序")
def recommendations(ref: str, actor: ActorDep, session: SessionDep) -> dict[str, object]:
    return recommend(session, get_incident_or_raise(session, actor, ref))


@router.get("/{ref}/timers", summary="时限：各环节截止时间与提醒/督办/通报时刻")
def timers(ref: str, actor: ActorDep, session: SessionDep) -> dict[str, object]:
    found = get_incident_or_raise(session, actor, ref)
    fired = fired_stages(session, [found.id])[found.id]
    steps = []
    for step, column in DUE_COLUMNS.items():
        due = getattr(found, column)
        if due is None:
            continue
        start = min(found.reported_at, due)
        steps.append(
            {
                "step": step,
                "due": due,
                "done": found.state in DONE_STATES[step],
                "stages": [
                    {"stage": stage, "at": at, "fired": (step, stage) in fired}
                    for stage, at in stages(due, start).items()
                ],
            }
        )
    return {"number": found.number, "paused_at": found.paused_at, "steps": steps}


@router.post(
    "/{ref}/actions/{action}",
    response_model=IncidentRead,
    summary="流转操作",
    description="可用操作：" + "、".join(f"{a}（{t.label}）" for a, t in TRANSITIONS.items()),
)
def act(
    ref: str, action: str, body: TransitionRequest, actor: ActorDep, session: SessionDep
) -> IncidentRead:
    found = get_incident_or_raise(session, actor, ref)
    transition(session, actor=actor, incident=found, action=action, payload=body.payload)
    return incident_read(found, actor, assignments_of(session, [found.id]).get(found.id))


triage_router = APIRouter(tags=["研判"])


@triage_router.post("/api/triage", summary="研判建议（接警表单实时调用）")
def suggest_triage(
    body: TriageRequest, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> dict[str, object]:
    """Category, police or not, urgency, place and evidence for a text being typed, with the
    open incidents it may duplicate and whether the caller or address keeps calling."""
    require_role(actor, CAN_CREATE_INCIDENTS, "使用研判")
    result = triage(body.text, body.address, actor.home_place(settings.default_place))
    lon, lat = body.lon, body.lat
    if lon is not None and lat is not None:
        lon, lat = to_wgs84(lon, lat, body.coord_system)
    elif result.place:
        lon, lat = result.place.get("lon"), result.place.get("lat")
    now = utcnow()
    candidates = find_duplicates(
        session,
        actor,
        text=body.text,
        at=now,
        lon=lon,
        lat=lat,
        place_code=result.place["code"] if result.place else None,
        code=result.code,
    )
    repeats = find_repeats(session, actor, at=now, phone=body.caller_phone, address=body.address)
    return {
        "triage": result.to_dict(),
        "duplicates": [asdict(c) for c in candidates],
        "repeats": [asdict(r) for r in repeats],
    }


@triage_router.post("/api/route", summary="预览分派：某类警情在某地由谁主办、谁协办，以及原因")
def preview_route(body: RouteRequest, actor: ActorDep, session: SessionDep) -> dict[str, object]:
    place = get_place_or_raise(session, body.place)
    decision = decide(load_directory(session, [place]), body.code, place, utcnow())
    return decision.to_dict()
