"""Request dependencies: the request's unit of work and the authenticated user."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from pingan.config import Settings
from pingan.db.session import session_scope
from pingan.errors import Unauthenticated
from pingan.user.queries import actor_for
from pingan.user.scope import Actor
from pingan.user.security import VerifiedTokens

# A signed-in user's role, jurisdiction and unit are read from the database at most this often per
# process (a disabled account or a changed role takes effect within this many seconds).
ACTOR_SECONDS = 5.0

bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent (durable once 2xx).
    GET requests only read, and never take SQLite's write lock."""
    read_only = request.method in ("GET", "HEAD")
    with session_scope(request.app.state.sessionmaker, read_only=read_only) as session:
        yield session


# scope="function": the commit happens before the response leaves, so a 201 means "on disk".
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_actor(request: Request, token: Annotated[str | None, Depends(bearer)]) -> Actor:
    """The signed-in user, read in a short read-only transaction of its own (so a request that
    writes takes the write lock only when it starts writing). Async, so that the usual case — a
    user seen in the last few seconds — costs no trip through the thread pool."""
    if not token:
        raise Unauthenticated("需要登录：请在 Authorization 头中提供 Bearer 令牌")
    tokens: VerifiedTokens = request.app.state.tokens
    user_id = tokens.user_id(token)
    known: dict[int, tuple[float, Actor]] = request.app.state.actors
    now = time.monotonic()
    cached = known.get(user_id)
    if cached is not None and cached[0] > now:
        return cached[1]

    def read() -> Actor:
        with session_scope(request.app.state.sessionmaker, read_only=True) as session:
            return actor_for(session, user_id)

    actor = await run_in_threadpool(read)
    known[user_id] = (now + ACTOR_SECONDS, actor)
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
