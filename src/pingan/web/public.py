"""The public citizen endpoints (no login): report a problem, follow it by number.

A report is recorded by ``create_incident`` as channel ``app`` for a citizen-less actor placed in
the deployment's own area (``PINGAN_DEFAULT_PLACE``), or in a place the citizen picks. Following
a report needs its number *and* the query code given when it was made (an HMAC of the number),
so sequential numbers cannot be walked. What comes back is the state, the category name and the
times of state changes — never a phone, a name, a text, an address or a position.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select

from pingan.area.models import Place
from pingan.area.queries import get_place_or_raise, is_within
from pingan.deps import SessionDep, SettingsDep
from pingan.errors import InvalidInput, NotFound
from pingan.incident.actions import create_incident
from pingan.incident.lifecycle import STATES, TRANSITIONS
from pingan.incident.models import Incident, IncidentEvent
from pingan.incident.schemas import MAX_ADDRESS, IncidentCreate
from pingan.inputs import Input
from pingan.taxonomy import get_call_type
from pingan.user.scope import Actor
from pingan.web.ratelimit import TokenBucket

router = APIRouter(prefix="/api/public", tags=["群众（公开）"])

# Five reports at once, then one a minute; sixty look-ups at once, then one every two seconds.
REPORT_RATE = (5, 1 / 60)
LOOKUP_RATE = (60, 0.5)
PUBLIC_LEVELS = ("city", "county", "town")


class PublicReport(Input):
    description: str = Field(min_length=4, max_length=1000, description="发生了什么")
    address: str | None = Field(None, max_length=MAX_ADDRESS)
    place_code: str | None = Field(
        None, max_length=24, description="区划代码（未配置默认地区时必填）"
    )
    phone: str | None = Field(
        None, max_length=32, pattern=r"^[0-9+\-() ]{5,32}$", description="回访电话（不会公开）"
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limited(request: Request, name: str, rate: tuple[float, float]) -> JSONResponse | None:
    """None when the client may go on; else the 429 to send. Buckets live on the app."""
    buckets: dict[str, TokenBucket] | None = getattr(request.app.state, "public_buckets", None)
    if buckets is None:
        buckets = request.app.state.public_buckets = {}
    bucket = buckets.setdefault(name, TokenBucket(capacity=rate[0], per_second=rate[1]))
    key = _client(request)
    return None if bucket.allow(key) else _too_many(bucket, key)


def _too_many(bucket: TokenBucket, key: str) -> JSONResponse:
    wait = bucket.retry_after(key)
    return JSONResponse(
        {"error": "TooManyRequests", "message": f"操作过于频繁，请 {wait} 秒后再试"},
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


def query_code(secret: str, number: str) -> str:
    """The code a citizen needs, beside the number, to follow a report."""
    digest = hmac.new(secret.encode(), f"public-report:{number}".encode(), hashlib.sha256)
    return digest.hexdigest()[:8].upper()


@router.get("/config", summary="公开页面配置")
def config(settings: SettingsDep, session: SessionDep) -> dict[str, Any]:
    place = session.get(Place, settings.default_place) if settings.default_place else None
    return {
        "default_place": (
            {"code": place.code, "name": place.name, "level": place.level} if place else None
        )
    }


@router.get("/places", summary="可选地区（下一级）")
def places(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    under: Annotated[str | None, Query(max_length=24)] = None,
) -> Any:
    """Cities, counties and towns a citizen can pick from (public geography, names only)."""
    if (refused := _limited(request, "lookups", LOOKUP_RATE)) is not None:
        return refused
    root = settings.default_place
    if under is None:
        under = root or session.scalar(select(Place.code).where(Place.level == "province"))
    parent = get_place_or_raise(session, under or "")
    if root and not is_within(parent, get_place_or_raise(session, root)):
        raise NotFound(f"地区 {under} 不在本平台服务范围内", field="under")
    children = session.execute(
        select(Place.code, Place.name, Place.level)
        .where(Place.parent_code == parent.code, Place.level.in_(PUBLIC_LEVELS))
        .order_by(Place.code)
    ).all()
    return {
        "place": {"code": parent.code, "name": parent.name, "level": parent.level},
        "items": [{"code": c, "name": n, "level": lv} for c, n, lv in children],
    }


@router.post("/reports", status_code=201, summary="群众上报（无需登录，限频）")
def report(body: PublicReport, request: Request, settings: SettingsDep, session: SessionDep) -> Any:
    if (refused := _limited(request, "reports", REPORT_RATE)) is not None:
        return refused
    root = get_place_or_raise(session, settings.default_place) if settings.default_place else None
    if body.place_code:
        chosen = get_place_or_raise(session, body.place_code)
        if root is not None and not is_within(chosen, root):
            raise InvalidInput(
                f"{chosen.name} 不在本平台服务范围（{root.name}）内", field="place_code"
            )
    elif root is None:
        raise InvalidInput("请选择事发地区", field="place_code")
    actor = Actor(
        id=None,
        username="public_web",
        role="citizen",
        place_code=root.code if root else None,
        place_level=root.level if root else None,
    )
    incident, _created = create_incident(
        session,
        actor=actor,
        data=IncidentCreate(
            channel="app",
            description=body.description,
            address=body.address,
            place_code=body.place_code or (root.code if root else None),
            caller_phone=body.phone,
        ),
        default_place=settings.default_place,
    )
    return {
        "number": incident.number,
        "code": query_code(settings.resolved_secret_key, incident.number),
        "state_name": STATES.get(incident.state, incident.state),
    }


@router.get("/reports/{number}", summary="按编号和查询码查看进展（无需登录，限频）")
def follow(
    number: str,
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    code: Annotated[str, Query(max_length=16)] = "",
) -> Any:
    if (refused := _limited(request, "lookups", LOOKUP_RATE)) is not None:
        return refused
    expected = query_code(settings.resolved_secret_key, number)
    incident = session.scalar(select(Incident).where(Incident.number == number))
    if incident is None or not hmac.compare_digest(code.strip().upper(), expected):
        raise NotFound("编号或查询码不正确", field="number")
    call_type = get_call_type(incident.final_code) if incident.final_code else None
    events = session.execute(
        select(
            IncidentEvent.at, IncidentEvent.action, IncidentEvent.to_state, IncidentEvent.from_state
        )
        .where(IncidentEvent.incident_id == incident.id)
        .order_by(IncidentEvent.seq)
    ).all()
    timeline = [
        {
            "at": at.isoformat(),
            "state": to_state,
            "state_name": STATES.get(to_state, to_state),
            "action_name": "受理"
            if action == "create"
            else TRANSITIONS[action].label
            if action in TRANSITIONS
            else action,
        }
        for at, action, to_state, from_state in events
        if action == "create" or from_state != to_state
    ]
    return {
        "number": incident.number,
        "state": incident.state,
        "state_name": STATES.get(incident.state, incident.state),
        "category": call_type.name if call_type else None,
        "reported_at": incident.reported_at.isoformat(),
        "timeline": timeline,
    }
