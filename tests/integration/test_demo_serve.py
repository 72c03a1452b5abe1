"""`pingan demo` as `make demo` runs it: the server answers once the latest days are built, and a
background process fills in the older days while it serves."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.durability import _free_port
from pingan.demo.year import built_days
from pingan.incident.schemas import SHANGHAI


def test_the_demo_serves_first_and_fills_in_the_older_days_behind(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PINGAN_DATA_DIR": str(tmp_path), "PINGAN_SECRET_KEY": "x" * 40}
    env.pop("PINGAN_DATABASE_URL", None)
    pingan = str(Path(sys.executable).with_name("pingan"))
    command = [pingan, "demo", "--days", "4", "--ready-days", "1", "--volume", "0.01"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--live-per-minute", "30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    today = dt.datetime.now(SHANGHAI).date()
    window = [today - dt.timedelta(days=n) for n in range(4)]
    engine = create_engine(f"sqlite:///{tmp_path}/pingan.db")
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError("the demo server never answered")
        with Session(engine) as session:  # serving: today is there
            assert today in built_days(session, window)
        while time.monotonic() < deadline:
            with Session(engine) as session:
                if built_days(session, window) == set(window):
                    break
            time.sleep(1)
        else:
            raise AssertionError("the older days were not filled in")
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=60)
        engine.dispose()
    assert "后台补建" in output and "一年警情已建完" in output
