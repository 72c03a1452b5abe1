"""Routes: dashboard figures (大屏), each scoped to the user's jurisdiction.

Every panel takes ``place``: the user's jurisdiction by default, or any place inside it for the
drill-down (province → city → county → town → village). Counts come from the rollups.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from pingan.analytics import queries
from pingan.db.base import utcnow
from pingan.db.engine import READ_ONLY
from pingan.deps import ActorDep, SessionDep
from pingan.geo.places_file import load_boundaries
from pingan.user.scope import Actor

router = APIRouter(prefix="/api/dashboard", tags=["大屏"])

PlaceQuery = Annotated[
    str | None, Query(max_length=24, description="Division code inside your jurisdiction.")
]
FEED_POLL_SECONDS = 1.0
FEED_KEEPALIVE_SECONDS = 15.0
FEED_LIMIT = 100
# The feed shows what happened in the last quarter of an hour; history written now about older
# events (an import, the demo's year being built) is not news.
FEED_WINDOW = dt.timedelta(minutes=15)


@router.get("/figures", summary="关键指标（今日或近 N 日）")
def figures(
    actor: ActorDep,
    session: SessionDep,
    place: PlaceQuery = None,
    days: Annotated[int, Query(ge=1, le=366)] = 1,
) -> dict[str, Any]:
    """Incidents received, share diverted to non-police bodies, closed, solved rate, mean
    satisfaction and minutes to arrive over the last ``days`` days (1 = today, Beijing time);
    open and overdue are as of now."""
    target = queries.resolve_target(session, actor, place)
    return queries.key_figures(session, actor, target, now=utcnow(), days=days)


@router.get("/trends", summary="趋势（近 7/30 日，含同比）")
def trends(
    actor: ActorDep,
    session: SessionDep,
    place: PlaceQuery = None,
    days: Annotated[int, Query(ge=2, le=92)] = 7,
) -> dict[str, Any]:
    target = queries.resolve_target(session, actor, place)
    return queries.trends(session, target, now=utcnow(), days=days)


@router.get("/places", summary="分地区统计（下一级，用于逐级下钻）")
def places(
    actor: ActorDep,
    session: SessionDep,
    place: PlaceQuery = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    target = queries.resolve_target(session, actor, place)
    return queries.by_place(session, target, now=utcnow(), days=days)


@router.get("/categories", summary="警情类别构成")
def categories(
    actor: ActorDep,
    session: SessionDep,
    place: PlaceQuery = None,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
) -> dict[str, Any]:
    target = queries.resolve_target(session, actor, place)
    return queries.categories(session, target, now=utcnow(), days=days)


@router.get("/points", summary="地图警情点（最近 N 起）")
def points(
    actor: ActorDep,
    session: SessionDep,
    place: PlaceQuery = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_POINTS)] = 500,
) -> dict[str, Any]:
    target = queries.resolve_target(session, actor, place)
    return {
        "place": queries.place_brief(target),
        "items": queries.incident_points(session, actor, target, limit=limit),
    }


@router.get("/density", summary="警情密度（按镇街或村社，热力图）")
def density(
    actor: ActorDep,
    session: SessionDep,
    place: PlaceQuery = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    target = queries.resolve_target(session, actor, place)
    return queries.density(session, target, now=utcnow(), days=days)


@router.get("/resources", summary="力量资源及状态")
def resources(actor: ActorDep, session: SessionDep, place: PlaceQuery = None) -> dict[str, Any]:
    target = queries.resolve_target(session, actor, place)
    return queries.resources(session, target)


@router.get("/incident-free", summary="无警情村社")
def incident_free(
    actor: ActorDep,
    session: SessionDep,
    place: PlaceQuery = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    target = queries.resolve_target(session, actor, place)
    return queries.incident_free_villages(session, target, now=utcnow(), days=days)


@router.get("/boundaries", summary="辖区边界（GeoJSON）")
def boundaries(actor: ActorDep, session: SessionDep, place: PlaceQuery = None) -> dict[str, Any]:
    """City and county outlines to draw for the place (its cities, its counties, or itself)."""
    target = queries.resolve_target(session, actor, place)
    return {
        "place": queries.place_brief(target),
        "geojson": queries.boundaries_for(target, load_boundaries()),
    }


def _poll(
    factory: sessionmaker[Session], actor: Actor, after_id: int
) -> tuple[list[dict[str, Any]], int]:
    """What is new after ``after_id``, and the id to resume after (past everything looked at,
    so that old history written meanwhile is skipped once, not rescanned every second)."""
    with factory() as session:
        session.connection(execution_options={READ_ONLY: True})
        top = queries.last_event_id(session)
        since = utcnow() - FEED_WINDOW
        items = queries.feed_events(
            session, actor, after_id=after_id, since=since, up_to_id=top, limit=FEED_LIMIT
        )
        resume = int(items[-1]["id"]) if len(items) == FEED_LIMIT else max(after_id, top)
        return items, resume


def _start(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        session.connection(execution_options={READ_ONLY: True})
        return queries.last_event_id(session)


@router.get(
    "/feed",
    summary="实时警情流（server-sent events）",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def feed(
    request: Request,
    actor: ActorDep,
    after: Annotated[int | None, Query(ge=0, description="Last event id already seen.")] = None,
    seconds: Annotated[float, Query(gt=0, le=3600, description="Close after this long.")] = 600,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """New incidents and state changes in your jurisdiction, as ``event: incident`` messages
    whose ``data`` is JSON (number, state, category, place name, position; no personal data).
    The stream polls the history about once a second and closes after ``seconds``; browsers
    reconnect and resume from the last ``id`` they saw."""
    # The scope check happens now, so a user without a place jurisdiction gets 403, not a stream.
    queries.resolve_target_scope(actor)
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    if after is None and last_event_id and last_event_id.isdigit():
        after = int(last_event_id)
    start = after if after is not None else await run_in_threadpool(_start, factory)

    async def stream() -> AsyncIterator[str]:
        last = start
        deadline = time.monotonic() + seconds
        quiet_since = time.monotonic()
        yield f"retry: 3000\nid: {last}\nevent: ready\ndata: {json.dumps({'after': last})}\n\n"
        while time.monotonic() < deadline:
            if await request.is_disconnected():
                return
            items, resume = await run_in_threadpool(_poll, factory, actor, last)
            for item in items:
                data = json.dumps(item, ensure_ascii=False)
                yield f"id: {item['id']}\nevent: incident\ndata: {data}\n\n"
            last = resume
            if items:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > FEED_KEEPALIVE_SECONDS:
                quiet_since = time.monotonic()
                yield ": keep-alive\n\n"
            await asyncio.sleep(FEED_POLL_SECONDS)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
