"""``pingan serve --workers 2``: several processes answer on one port, one of them watches the
time limits, and SIGTERM stops them all (the port is free afterwards, no worker left behind)."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import httpx

from bench.durability import _free_port, _start_server, prepare_database


def test_two_workers_answer_on_one_port_and_stop_together(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/serve.db"
    prepare_database(url)
    port = _free_port()
    server = _start_server(url, tmp_path, port, workers=2)
    watching: set[bool] = set()
    try:
        # A new connection each time: the kernel spreads them over the workers (the second one
        # may still be starting, so ask for a while).
        deadline = time.monotonic() + 60
        while watching != {True, False} and time.monotonic() < deadline:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                health = client.get("/api/health")
                assert health.status_code == 200
                watching.add(health.json()["time_limits"])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    with socket.socket() as probe:  # nobody listens any more (no SO_REUSEPORT on this one)
        probe.bind(("127.0.0.1", port))
    # Both workers answered, and only one of them runs the time-limit engine.
    assert watching == {True, False}
