"""Page routes. Pages are public shells; the data behind them comes from authenticated APIs.

Every page is a template with no data in it: the browser signs in (``POST /api/auth/token``,
token kept in ``sessionStorage``) and fetches everything with the token. The only public data
endpoints are the citizen ones in ``web/public.py``. Static files (our JS/CSS and the vendored
ECharts) are served from the package: no CDN, no external address (closed networks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from pingan.incident.lifecycle import STATES, TRANSITIONS
from pingan.incident.models import CHANNELS
from pingan.taxonomy import GROUP_NAMES, call_types
from pingan.unit.models import RESOURCE_KINDS, RESOURCE_STATUSES
from pingan.user.models import ROLES
from pingan.web.public import router as public_router

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")  # autoescape is on for .html

router = APIRouter(include_in_schema=False)
router.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web-static")
router.include_router(public_router, include_in_schema=True)

PAGES = {
    "/login": ("login.html", "登录"),
    "/dashboard": ("dashboard.html", "指挥大屏"),
    "/intake": ("intake.html", "接警登记"),
    "/dispatch": ("dispatch.html", "调度派单"),
    "/queue": ("queue.html", "本单位待办"),
    "/public": ("public.html", "群众上报与查询"),
}

PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {("GET", "/"), ("GET", "/incidents/{number}")}
    | {("GET", path) for path in PAGES}
    | {
        ("GET", "/api/public/config"),
        ("GET", "/api/public/places"),
        ("POST", "/api/public/reports"),
        ("GET", "/api/public/reports/{number}"),
    }
)


def vocabulary() -> dict[str, Any]:
    """Public reference tables the screens label things with (no incident data)."""
    return {
        "states": STATES,
        "actions": {a: t.label for a, t in TRANSITIONS.items()},
        "channels": CHANNELS,
        "groups": GROUP_NAMES,
        "roles": ROLES,
        "resource_kinds": RESOURCE_KINDS,
        "resource_statuses": RESOURCE_STATUSES,
        "call_types": [
            {"code": t.code, "name": t.name, "group": t.group_name, "police": t.police}
            for t in call_types().values()
        ],
    }


def _page(request: Request, template: str, title: str, **extra: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        template,
        {"title": title, "vocabulary": vocabulary(), **extra},
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": (
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline';"
                " script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
            ),
        },
    )


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=307)


def _register(path: str, template: str, title: str) -> None:
    def page(request: Request) -> HTMLResponse:
        return _page(request, template, title)

    page.__name__ = f"page_{template.removesuffix('.html')}"
    router.add_api_route(path, page, methods=["GET"], response_class=HTMLResponse)


for _path, (_template, _title) in PAGES.items():
    _register(_path, _template, _title)


@router.get("/incidents/{number}", response_class=HTMLResponse)
def incident_page(request: Request, number: str) -> HTMLResponse:
    # The number goes into the page only as an escaped attribute; the data is fetched by JS.
    return _page(request, "incident.html", "警情详情", number=number[:40])
