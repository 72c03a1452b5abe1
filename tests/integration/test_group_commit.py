"""The API's group commit: incidents posted at the same moment are triaged and written together,
and each answer is what that request alone would have got."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session, sessionmaker

from pingan.db.session import session_scope
from pingan.errors import InvalidInput
from pingan.incident.creation import NewIncident, create_incidents
from pingan.incident.group_commit import GroupCommit, _Request
from pingan.incident.schemas import IncidentCreate, IncidentRead
from pingan.triage import triage
from pingan.user.actions import create_user
from pingan.user.queries import actor_for
from pingan.user.schemas import UserCreate
from pingan.user.scope import Actor
from tests.conftest import PASSWORD

T = TypeVar("T")
XINCHANG, SHENGZHOU = "330624", "330683"
TEXTS = ("两人在路边争吵后打了起来，一人头部流血", "小区旁工地夜里施工噪音很大，影响休息")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: a browser test earlier in the session may leave
    an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _call_taker(session: Session, name: str, place: str) -> Actor:
    user = create_user(
        session,
        data=UserCreate(username=name, password=PASSWORD, role="call_taker", place_code=place),
    )
    return actor_for(session, user.id)


def test_incidents_posted_together_keep_their_own_users_area_and_triage(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        xinchang = _call_taker(session, "gc_xinchang", XINCHANG)
        shengzhou = _call_taker(session, "gc_shengzhou", SHENGZHOU)
    writer = GroupCommit(session_factory, default_place=None)

    def body(text: str) -> IncidentCreate:
        return IncidentCreate(channel="110", description=text, address="人民路1号")

    async def post_all() -> list[tuple[IncidentRead, bool]]:
        return await asyncio.gather(
            writer.create(xinchang, body(TEXTS[0]), "gc-1"),
            writer.create(shengzhou, body(TEXTS[0]), "gc-2"),
            writer.create(xinchang, body(TEXTS[1]), "gc-3"),
            writer.create(xinchang, body(TEXTS[0]), "gc-1"),  # a retry of the first
        )

    try:
        answers = _run(post_all())
    finally:
        writer.stop()
    (first, made), (second, _), (third, _), (retry, retried) = answers
    # An address with no county in it is placed in the poster's own county.
    assert [first.county_code, second.county_code, third.county_code] == [
        XINCHANG,
        SHENGZHOU,
        XINCHANG,
    ]
    # Each incident has the category its own text gets when triaged alone.
    assert first.initial_code == triage(TEXTS[0], "人民路1号", XINCHANG, channel="110").code
    assert third.initial_code == triage(TEXTS[1], "人民路1号", XINCHANG, channel="110").code
    assert first.initial_code != third.initial_code
    # The retry is answered with the first incident and makes nothing new.
    assert made and not retried and retry.number == first.number
    assert len({first.number, second.number, third.number}) == 3
    assert all(a.state != "received" for a in (first, second, third))  # routed on the way in


def test_a_group_of_retries_larger_than_one_lookup_finds_every_first_incident(
    session_factory: sessionmaker[Session],
) -> None:
    """Idempotency-Keys are looked up a few dozen to a statement: a group of 70 retries, with
    a new request and a key reused for another request among them, is answered item by item."""
    with session_scope(session_factory) as session:
        taker = _call_taker(session, "gc_many", XINCHANG)
        first = create_incidents(
            session,
            actor=taker,
            items=[NewIncident(_body(n), idempotency_key=f"many-{n}") for n in range(70)],
        )
    with session_scope(session_factory) as session:
        again = create_incidents(
            session,
            actor=taker,
            items=[
                *(NewIncident(_body(n), idempotency_key=f"many-{n}") for n in range(70)),
                NewIncident(_body(70), idempotency_key="many-70"),
                NewIncident(_body(71), idempotency_key="many-3"),  # another request, old key
            ],
        )
    assert [o.number for o in again[:70]] == [o.number for o in first]
    assert not any(o.created or o.error for o in again[:70])
    assert again[70].created and again[70].number not in {o.number for o in first}
    assert isinstance(again[71].error, InvalidInput) and "many-3" in again[71].error.message


def _body(n: int) -> IncidentCreate:
    return IncidentCreate(
        channel="110", description=f"{TEXTS[n % 2]}（第{n}起）", address="人民路1号"
    )


def test_one_key_sent_at_once_with_two_different_requests_makes_one_and_refuses_the_other(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        taker = _call_taker(session, "gc_reuser", XINCHANG)
    writer = GroupCommit(session_factory, default_place=None)

    async def post_both() -> list[tuple[IncidentRead, bool] | BaseException]:
        return await asyncio.gather(
            writer.create(taker, IncidentCreate(channel="110", description=TEXTS[0]), "dup"),
            writer.create(taker, IncidentCreate(channel="110", description=TEXTS[1]), "dup"),
            return_exceptions=True,
        )

    try:
        made, refused = _run(post_both())
    finally:
        writer.stop()
    assert not isinstance(made, BaseException) and made[1]
    assert isinstance(refused, InvalidInput) and made[0].number in refused.message


class _Recording(GroupCommit):
    """A group commit whose writes only note each group's size and answer every request."""

    def __init__(self, gather_seconds: float) -> None:
        super().__init__(cast(sessionmaker[Session], None), None, gather_seconds=gather_seconds)
        self.sizes: list[int] = []

    def _write(self, batch: list[_Request]) -> None:
        self.sizes.append(len(batch))
        for request in batch:
            request.answer.set_result((cast(IncidentRead, request.item.data), True))


def _create(writer: GroupCommit, actor: Actor) -> Any:
    return writer.create(actor, IncidentCreate(channel="110", description=TEXTS[0]), None)


def test_with_one_request_at_a_time_nothing_waits() -> None:
    writer = _Recording(gather_seconds=60)
    actor = Actor(id=1, username="t", role="call_taker")

    async def one_by_one() -> None:
        for _ in range(3):
            await asyncio.wait_for(_create(writer, actor), timeout=10)

    try:
        _run(one_by_one())  # would take three minutes if each waited
    finally:
        writer.stop()
    assert writer.sizes == [1, 1, 1]


def test_under_load_a_group_waits_for_the_clients_just_answered() -> None:
    writer = _Recording(gather_seconds=60)
    actor = Actor(id=1, username="t", role="call_taker")
    writer._sizes.append(4)  # the last group held four requests

    async def first_then_three() -> None:
        first = asyncio.ensure_future(_create(writer, actor))
        await asyncio.sleep(0.3)  # the other three clients are on their way back
        await asyncio.wait_for(
            asyncio.gather(first, *(_create(writer, actor) for _ in range(3))), timeout=30
        )

    try:
        _run(first_then_three())
    finally:
        writer.stop()
    # Written together, as soon as the fourth arrived (not after the whole minute).
    assert writer.sizes == [4]


def test_the_wait_for_more_requests_is_bounded() -> None:
    writer = _Recording(gather_seconds=0.2)
    actor = Actor(id=1, username="t", role="call_taker")
    writer._sizes.append(8)

    try:
        _run(asyncio.wait_for(_create(writer, actor), timeout=10))
    finally:
        writer.stop()
    assert writer.sizes == [1]
