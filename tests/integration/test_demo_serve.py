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
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.durability import _free_port
from pingan.demo.year import built_days
from pingan.incident.schemas import SHANGHAI
from tests.integration.processes import READS_PROC, kill_all, processes_using, wait_until_gone

PINGAN = str(Path(sys.executable).with_name("pingan"))


def _demo_env(data_dir: Path) -> dict[str, str]:
    """The demo's own data folder and its embedded database (never the tests' database)."""
    env = {**os.environ, "PINGAN_DATA_DIR": str(data_dir), "PINGAN_SECRET_KEY": "x" * 40}
    env.pop("PINGAN_DATABASE_URL", None)
    return env


def _wait_until_serving(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).is_success:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise AssertionError("the demo server never answered")


def test_the_demo_serves_first_and_fills_in_the_older_days_behind(tmp_path: Path) -> None:
    port = _free_port()
    env = _demo_env(tmp_path)
    command = [PINGAN, "demo", "--days", "4", "--ready-days", "1", "--volume", "0.01"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--live-per-minute", "30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    now = dt.datetime.now(SHANGHAI)
    today = now.date()
    window = [today - dt.timedelta(days=n) for n in range(4)]
    # In a day's first hour, at 1 % of the volume, today may hold no call yet.
    expected = set(window) if now.hour >= 1 else set(window[1:])
    engine = create_engine(f"sqlite:///{tmp_path}/pingan.db")
    try:
        deadline = time.monotonic() + 240
        _wait_until_serving(port, deadline)
        with Session(engine) as session:  # serving: today is there
            assert today in built_days(session, window) or today not in expected
        while time.monotonic() < deadline:
            with Session(engine) as session:
                if built_days(session, window) >= expected:
                    break
            time.sleep(1)
        else:
            raise AssertionError("the older days were not filled in")
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=60)
        engine.dispose()
    assert "后台补建" in output and "一年警情已建完" in output


@pytest.mark.skipif(not READS_PROC, reason="reads /proc")
def test_a_demo_stopped_with_sigterm_leaves_no_process_behind(tmp_path: Path) -> None:
    """systemd, docker and kill stop a server with SIGTERM: the process building the rest of the
    year must stop with it, not go on writing alone."""
    port = _free_port()
    env = _demo_env(tmp_path)
    # Enough days that the background process is far from done when the server stops.
    command = [PINGAN, "demo", "--days", "365", "--ready-days", "1", "--volume", "0.2"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--no-live"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_serving(port, time.monotonic() + 240)
        assert len(processes_using(tmp_path)) > 1  # the year is being built behind it
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        # The day being written is rolled back, then it ends.
        assert wait_until_gone(tmp_path, seconds=20) == []
    finally:
        kill_all(tmp_path)
