"""``pingan serve --workers 2``: several processes answer on one port, one of them watches the
time limits, and SIGTERM stops them all (the port is free afterwards, no worker left behind)."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from bench.durability import _free_port, _start_server, prepare_database
from tests.integration.processes import READS_PROC, kill_all, processes_using, wait_until_gone


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


def _port_freed(port: int, seconds: float) -> bool:
    """Whether the port can be bound (nobody listens on it) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


@pytest.mark.skipif(not READS_PROC, reason="reads /proc")
def test_workers_stop_by_themselves_when_the_server_is_killed(tmp_path: Path) -> None:
    """A supervisor killed outright (SIGKILL, the OOM killer) cannot stop its workers: they
    notice it is gone and stop, rather than keep answering on the port beside the next server
    started there."""
    url = f"sqlite:///{tmp_path}/serve.db"
    prepare_database(url)
    port = _free_port()
    server = _start_server(url, tmp_path, port, workers=2)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200
        # the supervisor, its two workers (and multiprocessing's resource tracker)
        assert len(processes_using(tmp_path)) >= 3
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=60)

        assert _port_freed(port, seconds=30)
        assert wait_until_gone(tmp_path, seconds=5) == []
    finally:
        kill_all(tmp_path)
