"""API intake under load: concurrent clients on loopback against ``pingan serve --workers 2``.

Each client posts incidents (real corpus texts, addresses in 绍兴) with an Idempotency-Key for a
fixed time; the figures are the sustained rate of acknowledged incidents, latency percentiles and
errors. SQLite always; PostgreSQL when ``PINGAN_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import sessionmaker

from bench.durability import _free_port, _pg_url, _start_server
from pingan.area.actions import load_divisions
from pingan.db.engine import make_engine
from pingan.db.migrate import upgrade
from pingan.db.session import session_scope
from pingan.demo.build import DEMO_PASSWORD, build_demo
from pingan.geo.places_file import load_places

SECONDS = float(os.environ.get("PINGAN_BENCH_API_SECONDS", "20"))
CLIENTS = int(os.environ.get("PINGAN_BENCH_API_CLIENTS", "16"))
WORKERS = 2
CORPUS = Path(__file__).resolve().parents[1] / "src" / "pingan" / "data" / "triage" / "corpus"
TOWNS = ("南明街道", "羽林街道", "七星街道", "大市聚镇", "儒岙镇", "澄潭街道")


def _prepare(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with session_scope(sessionmaker(bind=engine)) as session:
        load_divisions(session, load_places())
        build_demo(session, city_code="330600")
    engine.dispose()


def _load(port: int, token: str, texts: list[str]) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            while time.monotonic() < stop_at:
                body = {
                    "channel": "110",
                    "description": rng.choice(texts)[:300],
                    "address": "新昌县" + rng.choice(TOWNS),
                }
                headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
                started = time.perf_counter()
                try:
                    response = http.post("/api/incidents", json=body, headers=headers)
                    ok = response.status_code == 201
                    detail = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    ok, detail = False, type(exc).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors.append(detail)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return (
            round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)
            if ordered
            else 0.0
        )

    return {
        "clients": CLIENTS,
        "workers": WORKERS,
        "seconds": round(wall, 1),
        "acknowledged": len(latencies),
        "per_s": round(len(latencies) / wall),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0.0,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "targets": {"per_s": 500, "p99_ms": 100, "errors": 0},
    }


def _measure(url: str) -> dict[str, Any]:
    texts = [
        json.loads(line)["text"]
        for path in sorted(CORPUS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    _prepare(url)
    with tempfile.TemporaryDirectory() as data_dir:
        port = _free_port()
        server = _start_server(url, Path(data_dir), port, workers=WORKERS)
        try:
            token = httpx.post(
                f"http://127.0.0.1:{port}/api/auth/token",
                data={"username": "call_taker_330624", "password": DEMO_PASSWORD},
            ).json()["access_token"]
            return _load(port, token, texts)
        finally:
            server.terminate()
            server.wait(timeout=20)


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = _measure(f"sqlite:///{tmp}/api.db")
    pg = _pg_url("pingan_bench_api")
    if pg:
        results["postgresql"] = _measure(pg)
    return results
