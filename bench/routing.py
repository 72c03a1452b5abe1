"""Routing at province size: route + rank per incident, and the timer wheel with 100,000 incidents.

A fake province on the real Zhejiang divisions (102 counties, 1,365 towns, ~25,500 villages):
every unit type at county level plus a police station and a town government in every town
(≥ 5,000 units), and 50,000 resources scattered around the towns.  Each incident is a random
call type at a random village.  The ranking through the grid index is compared with a full scan
of the same resources in the same process (the baseline).  Per-incident times are given as wall
clock and as this thread's CPU time: on a shared machine the wall-clock tail mostly measures the
other processes (the load average is recorded).
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import os
import random
import statistics
import time
from typing import Any
from zoneinfo import ZoneInfo

from pingan.geo.places_file import load_places
from pingan.routing.dispatch import Resource, ResourceIndex, default_dispatch_config, rank_resources
from pingan.routing.engine import PlaceRef, UnitRef, route
from pingan.routing.rules import default_rules
from pingan.routing.timelimits import TimerWheel, due_times, stages
from pingan.routing.vocabulary import UNIT_TYPES
from pingan.taxonomy import call_types

SHANGHAI = ZoneInfo("Asia/Shanghai")
INCIDENTS = 5_000
BASELINE_INCIDENTS = 100
RESOURCES = 50_000
OPEN_INCIDENTS = 100_000
KIND_SHARES = {
    "patrol_car": 30,
    "officer": 25,
    "auxiliary_officer": 15,
    "volunteer": 15,
    "drone": 3,
    "rescue_team": 3,
    "fire_engine": 4,
    "ambulance": 3,
    "work_crew": 2,
}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def _province(rng: random.Random) -> dict[str, Any]:
    places = load_places()
    by_code = {p.code: p for p in places}
    counties = [p for p in places if p.level == "county"]
    towns = [p for p in places if p.level == "town"]
    villages = [p for p in places if p.level == "village"]

    def point(code: str) -> tuple[float, float]:
        place = by_code[code]
        while place.lon is None or place.lat is None:
            assert place.parent_code is not None
            place = by_code[place.parent_code]
        return place.lon, place.lat

    def chain(code: str) -> list[PlaceRef]:
        found = []
        current: str | None = code
        while current is not None:
            place = by_code[current]
            found.append(PlaceRef(place.code, place.name))
            current = place.parent_code
        return found

    units: dict[tuple[str, str], list[UnitRef]] = {}
    next_id = 1
    for county in counties:
        for unit_type in UNIT_TYPES:
            units[(unit_type, county.code)] = [
                UnitRef(next_id, f"{county.name}{unit_type}", unit_type)
            ]
            next_id += 1
    for town in towns:
        for unit_type in ("police_station", "town_government"):
            units[(unit_type, town.code)] = [UnitRef(next_id, f"{town.name}{unit_type}", unit_type)]
            next_id += 1

    kinds = list(KIND_SHARES)
    weights = list(KIND_SHARES.values())
    resources = []
    for n in range(RESOURCES):
        lon, lat = point(rng.choice(towns).code)
        resources.append(
            Resource(
                id=n,
                unit_id=rng.randrange(1, next_id),
                kind=rng.choices(kinds, weights)[0],
                status="available" if rng.random() < 0.7 else "dispatched",
                lon=lon + rng.gauss(0, 0.03),
                lat=lat + rng.gauss(0, 0.03),
                workload=rng.randint(0, 3),
            )
        )
    return {
        "units": units,
        "unit_count": next_id - 1,
        "resources": resources,
        "villages": villages,
        "point": point,
        "chain": chain,
    }


def _route_and_rank(rng: random.Random) -> dict[str, Any]:
    province = _province(rng)
    units: dict[tuple[str, str], list[UnitRef]] = province["units"]

    def units_for(unit_type: str, place_code: str) -> list[UnitRef]:
        return units.get((unit_type, place_code), [])

    rules = default_rules()
    config = default_dispatch_config()
    started = time.perf_counter()
    index = ResourceIndex(province["resources"], cell_km=config.cell_km)
    index_seconds = time.perf_counter() - started
    codes = sorted(call_types())
    now = dt.datetime(2026, 5, 6, 21, 0, tzinfo=SHANGHAI)
    incidents = []
    for _ in range(INCIDENTS):
        village = rng.choice(province["villages"])
        lon, lat = province["point"](village.code)
        point = (lon + rng.gauss(0, 0.01), lat + rng.gauss(0, 0.01))
        area = "urban" if village.code[6:9] < "010" else rng.choice(["suburban", "rural"])
        incidents.append((rng.choice(codes), province["chain"](village.code), point, area))

    # A long-lived server would freeze its start-up objects too: the collector then never walks
    # the 50,000 resources in the middle of a request.
    gc.collect()
    gc.freeze()
    timings = []
    cpu_timings = []
    unroutable = 0
    with_resources = 0
    for code, chain, point, area in incidents:
        t0 = time.perf_counter()
        c0 = time.thread_time()
        decision = route(code, chain, at=now, rules=rules, units_for=units_for)
        ranked = rank_resources(point, area, index, config=config, now=now, code=code)
        cpu_timings.append((time.thread_time() - c0) * 1000.0)
        timings.append((time.perf_counter() - t0) * 1000.0)
        unroutable += decision.unroutable
        with_resources += any(r.available for r in ranked)
    gc.unfreeze()

    baseline = []
    indexed = []
    for code, _chain, point, area in incidents[:BASELINE_INCIDENTS]:
        t0 = time.perf_counter()
        full = rank_resources(point, area, province["resources"], config=config, now=now, code=code)
        baseline.append((time.perf_counter() - t0) * 1000.0)
        t0 = time.perf_counter()
        fast = rank_resources(point, area, index, config=config, now=now, code=code)
        indexed.append((time.perf_counter() - t0) * 1000.0)
        assert [r.resource_id for r in fast if r.available] == [
            r.resource_id for r in full if r.available
        ], "grid index disagrees with the full scan"
    return {
        "units": province["unit_count"],
        "resources": len(province["resources"]),
        "incidents": INCIDENTS,
        "index_build_seconds": round(index_seconds, 3),
        "route_and_rank_ms": {
            "p50": round(statistics.median(timings), 3),
            "p99": round(_percentile(timings, 0.99), 3),
            "max": round(max(timings), 3),
        },
        "route_and_rank_cpu_ms": {
            "p50": round(statistics.median(cpu_timings), 3),
            "p99": round(_percentile(cpu_timings, 0.99), 3),
            "max": round(max(cpu_timings), 3),
        },
        "load_average_1min": round(os.getloadavg()[0], 2),
        "unroutable": unroutable,
        "incidents_with_an_available_resource": with_resources,
        "rank_full_scan_vs_index": {
            "full_scan_p50_ms": round(statistics.median(baseline), 3),
            "index_p50_ms": round(statistics.median(indexed), 3),
            "speed_up": round(statistics.median(baseline) / statistics.median(indexed), 1),
            "same_top_results": True,
        },
    }


def _timer_wheel(rng: random.Random) -> dict[str, Any]:
    received = dt.datetime(2026, 5, 6, 8, 0, tzinfo=SHANGHAI)
    codes = sorted(call_types())
    items = []
    for n in range(OPEN_INCIDENTS):
        code = rng.choice(codes)
        police = not code.startswith("60")
        at = received + dt.timedelta(seconds=rng.uniform(0, 3600))
        for step, due in due_times(code, rng.randint(1, 4), police, at).items():
            for stage, moment in stages(due, at).items():
                items.append((n, step, stage, moment))
    wheel = TimerWheel()
    started = time.perf_counter()
    for item in items:
        wheel.add(*item)
    insert_seconds = time.perf_counter() - started
    started = time.perf_counter()
    wheel.rebuild(items)
    rebuild_seconds = time.perf_counter() - started

    # Drive the wheel as the server does, a tick every 0.2 s, through the first busy hour; the
    # time each due() call takes is added to the clock, as it would pass in real life.
    tick = dt.timedelta(seconds=0.2)
    now = received
    end = received + dt.timedelta(hours=1, minutes=30)
    worst = 0.0
    worst_call = 0.0
    fired_count = 0
    while now < end:
        now += tick
        t0 = time.perf_counter()
        fired = wheel.due(now)
        spent = time.perf_counter() - t0
        worst_call = max(worst_call, spent)
        for item in fired:
            worst = max(worst, (now - item.at).total_seconds() + spent)
        fired_count += len(fired)
    return {
        "open_incidents": OPEN_INCIDENTS,
        "pending_moments": len(items),
        "insert_seconds": round(insert_seconds, 3),
        "rebuild_seconds": round(rebuild_seconds, 3),
        "fired_in_first_90_minutes": fired_count,
        "worst_due_call_ms": round(worst_call * 1000.0, 2),
        "worst_lateness_seconds": round(worst, 3),
    }


def run() -> dict[str, Any]:
    rng = random.Random(20260506)
    return {"route_and_rank": _route_and_rank(rng), "timer_wheel": _timer_wheel(rng)}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False, indent=2))
