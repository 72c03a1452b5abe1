"""The application factory. Mapping errors to HTTP statuses happens here and nowhere else."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pingan import __version__
from pingan.analytics.api import router as analytics_router
from pingan.area.api import router as area_router
from pingan.config import Settings
from pingan.db.engine import make_engine
from pingan.db.failure import database_message
from pingan.db.session import make_sessionmaker
from pingan.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PinganError,
    Unauthenticated,
    describe_problems,
    validation_problems,
)
from pingan.incident.api import router as incident_router
from pingan.incident.api import triage_router
from pingan.incident.group_commit import GroupCommit
from pingan.incident.timers import TimeLimitEngine
from pingan.inputs import NUL_TEXT
from pingan.triage.decide import warm_up
from pingan.unit.api import router as unit_router
from pingan.user.api import PUBLIC_ROUTES as USER_PUBLIC_ROUTES
from pingan.user.api import router as user_router
from pingan.user.security import VerifiedTokens
from pingan.web.routes import PUBLIC_ROUTES as WEB_PUBLIC_ROUTES
from pingan.web.routes import router as web_router

# Routes reachable without signing in. Every other route requires a bearer token (a test walks
# the whole route table to hold this true).
PUBLIC_ROUTES = (
    USER_PUBLIC_ROUTES
    | WEB_PUBLIC_ROUTES
    | frozenset({("GET", "/api/health"), ("GET", "/docs"), ("GET", "/openapi.json")})
)

STATUS = {
    NotFound: 404,
    InvalidInput: 422,
    Conflict: 409,
    Forbidden: 403,
    Unauthenticated: 401,
}
# What a client is told when the database fails (503), and when to try again.
DATABASE_UNAVAILABLE = (
    "数据库暂时不可用，请求未完成；请稍后重试"
    "（登记警情时带同一 Idempotency-Key 重试，不会重复登记）"
)
RETRY_AFTER_SECONDS = 5
log = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the triage model and gazetteer before taking requests (so the first call-taker of
    the day does not wait), and run the time-limit engine while the server runs."""
    warm_up()
    engine = None
    if app.state.settings.run_time_limits:
        engine = TimeLimitEngine(app.state.sessionmaker)
        engine.start()
    yield
    app.state.group_commit.stop()
    if engine is not None:
        engine.stop()


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
        title="Pingan 平安 · 基层平安治理指挥平台",
        version=__version__,
        description=(
            "警情接报、研判、分流、处置、回访与统计的开放平台。除登录外，所有接口需 Bearer 令牌。"
        ),
    )
    app.state.settings = settings
    if session_factory is None:
        engine = make_engine(
            settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        session_factory = make_sessionmaker(engine)
    app.state.sessionmaker = session_factory
    app.state.group_commit = GroupCommit(
        session_factory,
        settings.default_place,
        gather_seconds=settings.group_commit_wait_ms / 1000,
    )
    app.state.actors = {}  # user id → (valid until, Actor): see deps.get_actor
    app.state.tokens = VerifiedTokens(settings.resolved_secret_key)

    @app.exception_handler(PinganError)
    async def _pingan_error(_request: Request, exc: PinganError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(
            {"error": type(exc).__name__, "message": exc.message, **exc.detail},
            status_code=status,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = validation_problems(exc.errors(), skip=("body",))
        message = describe_problems(problems)
        return JSONResponse(
            {"error": "InvalidInput", "message": f"请求有误：{message}", "fields": problems},
            status_code=422,
        )

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        # Text no input model checks (a query parameter, a path) holding NUL, which PostgreSQL
        # refuses: bad input, not a server error. Any other data error stays a 500.
        if "NUL" not in str(exc.orig):
            raise exc
        return JSONResponse(
            {"error": "InvalidInput", "message": f"请求有误：{NUL_TEXT}", "fields": []},
            status_code=422,
        )

    @app.exception_handler(OperationalError)
    async def _database_unavailable(_request: Request, exc: OperationalError) -> JSONResponse:
        # The database failing or out of reach (a full disk, the server restarting, its lock held
        # past the timeout). The transaction was rolled back — or, cut off at its commit, went in
        # — so the client should send the same request again: with its Idempotency-Key a retry
        # records nothing twice and finds what did go in. The operator sees the database's own
        # message in the log; the client, never the statement or its values.
        log.error("数据库不可用：%s", database_message(exc))
        return JSONResponse(
            {"error": "DatabaseUnavailable", "message": DATABASE_UNAVAILABLE},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    _mount_api_docs(app)

    @app.get("/api/health", tags=["系统"], summary="健康检查（公开）")
    def health() -> dict[str, str | bool]:
        # Whether this process watches the time limits (one worker of several does).
        return {
            "status": "ok",
            "version": __version__,
            "time_limits": app.state.settings.run_time_limits,
        }

    app.include_router(user_router)
    app.include_router(area_router)
    app.include_router(unit_router)
    app.include_router(incident_router)
    app.include_router(triage_router)
    app.include_router(analytics_router)
    app.include_router(web_router)
    return app


def _mount_api_docs(app: FastAPI) -> None:
    """Interactive API docs at /docs, served from the package (no CDN: closed networks)."""
    app.mount(
        "/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger"
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Pingan 平安 · API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )
