"""A real server and a real browser: uvicorn on a free loopback port over a demo SQLite
database, driven by headless Debian Chromium through Playwright (never a downloaded browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from pingan.app import create_app
from pingan.area.actions import load_divisions
from pingan.config import Settings
from pingan.db.engine import make_engine
from pingan.db.migrate import upgrade
from pingan.db.session import make_sessionmaker, session_scope
from pingan.demo.build import DEMO_PASSWORD, build_demo
from pingan.geo.places_file import load_places

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
COUNTY = "330624"

if not CHROMIUM.exists():
    pytest.skip(
        "e2e: /usr/bin/chromium is absent (install Debian's chromium: apt-get install chromium)",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo deployment (绍兴市 units, 新昌县 users) served over HTTP; yields its base URL."""
    data_dir = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{data_dir / 'pingan.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        load_divisions(session, load_places())
        build_demo(session, city_code="330600", county_code=COUNTY)
    engine.dispose()
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        secret_key="e2e-secret-key-for-pingan-browser-tests-0123456789",
        default_place=COUNTY,
    )
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uvicorn_server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the e2e server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uvicorn_server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Screens:
    """Opens pages as a named user, collects browser errors, saves screenshots."""

    def __init__(self, base: str, browser: Any) -> None:
        self.base = base
        self.browser = browser
        self.errors: list[str] = []
        self.contexts: list[Any] = []

    def page(self, *, width: int = 1440, height: int = 900) -> Any:
        context = self.browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            # The pages forbid eval (Content-Security-Policy); Playwright's own probes need it.
            bypass_csp=True,
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"{page.url}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        return page

    def signed_in(self, username: str, path: str, **size: int) -> Any:
        page = self.page(**size)
        page.goto(f"{self.base}/login?next={path}")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("#login-submit")
        page.wait_for_url(f"{self.base}{path}")
        return page

    def shoot(self, page: Any, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def screens(server: str, browser: Any) -> Iterator[Screens]:
    helper = Screens(server, browser)
    yield helper
    helper.close()
