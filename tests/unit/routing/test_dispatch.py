"""Dispatch recommendation: the nearest available capable resource first, with its reasons."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from pingan.routing.dispatch import (
    Resource,
    ResourceIndex,
    RoadEdge,
    RoadGraph,
    default_dispatch_config,
    load_dispatch_config,
    rank_resources,
)
from pingan.routing.tomlfile import ConfigError

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 5, 6, 21, 0, tzinfo=SHANGHAI)
SCENE = (120.9050, 29.5050)  # 新昌县城
CONFIG = default_dispatch_config()


def _east(metres: float) -> tuple[float, float]:
    """A point ``metres`` east of the scene."""
    return SCENE[0] + metres / 96_900.0, SCENE[1]


def _car(rid: int, metres: float, **kwargs: object) -> Resource:
    lon, lat = _east(metres)
    values: dict[str, object] = {"kind": "patrol_car", "status": "available", "name": f"浙D{rid}"}
    values.update(kwargs)
    return Resource(id=rid, unit_id=1, lon=lon, lat=lat, **values)  # type: ignore[arg-type]


def test_the_nearest_available_capable_resource_comes_first_and_says_why() -> None:
    resources = [
        _car(1, 3_000),
        _car(2, 400, status="dispatched"),
        _car(3, 800),
        _car(4, 200, kind="fire_engine"),
        _car(5, 600, kind="volunteer", name="义警老王"),
    ]
    ranked = rank_resources(
        SCENE, "urban", ResourceIndex(resources), config=CONFIG, now=NOW, code="200200"
    )
    assert [r.resource_id for r in ranked if r.available] == [3, 1, 5]
    best = ranked[0]
    assert best.within_target and best.eta_minutes < 5
    assert best.total == pytest.approx(best.eta + best.capability + best.workload, abs=0.11)
    assert best.reason.startswith("巡逻车「浙D3」空闲，约 2.7 分钟到场")
    assert "在 5 分钟目标内" in best.reason and "类型对口" in best.reason
    volunteer = next(r for r in ranked if r.resource_id == 5)
    assert "类型可用（非首选）" in volunteer.reason
    # a fire engine is no use for a dispute; the busy car is listed, but as unavailable
    assert 4 not in [r.resource_id for r in ranked]
    busy = ranked[-1]
    assert (busy.resource_id, busy.available) == (2, False)
    assert busy.reason.startswith("巡逻车「浙D2」已派出，不能派出")


def test_a_lighter_workload_breaks_a_tie_in_distance() -> None:
    resources = [_car(1, 500, workload=3), _car(2, 500, workload=0)]
    ranked = rank_resources(SCENE, "urban", resources, config=CONFIG, now=NOW, code="100100")
    assert [r.resource_id for r in ranked] == [2, 1]
    assert ranked[0].workload > ranked[1].workload
    assert "手头 3 件在办" in ranked[1].reason


def test_fire_needs_fire_engines_and_drowning_wants_water_rescue() -> None:
    fire = rank_resources(
        SCENE,
        "rural",
        [_car(1, 300), _car(2, 5_000, kind="fire_engine")],
        config=CONFIG,
        now=NOW,
        code="400100",
    )
    assert fire[0].resource_id == 2
    drowning = rank_resources(
        SCENE,
        "rural",
        [
            _car(1, 1_000, kind="rescue_team", name="蓝天救援队"),
            _car(2, 1_000, kind="rescue_team", name="水上救援队", capabilities=("water_rescue",)),
        ],
        config=CONFIG,
        now=NOW,
        code="500400",
    )
    assert drowning[0].name == "水上救援队"
    assert "缺少water_rescue能力" in drowning[1].reason


def test_drones_fly_straight_and_arrival_targets_depend_on_the_area() -> None:
    drone = _car(1, 9_000, kind="drone", name="无人机1")
    urban = rank_resources(SCENE, "urban", [drone], config=CONFIG, now=NOW, code="500100")[0]
    assert urban.via == "air" and urban.eta_minutes == pytest.approx(1 + 9 / 54 * 60, abs=0.2)
    car = _car(2, 9_000)
    rural = rank_resources(SCENE, "rural", [car], config=CONFIG, now=NOW, code="500100")[0]
    urban_car = rank_resources(SCENE, "urban", [car], config=CONFIG, now=NOW, code="500100")[0]
    assert rural.within_target and "在 20 分钟目标内" in rural.reason
    assert not urban_car.within_target and "超出 5 分钟目标" in urban_car.reason


def test_a_road_graph_gives_the_eta_along_the_roads() -> None:
    nodes = {"scene": SCENE, "bridge": _east(1_000), "far": _east(2_000)}
    # The direct road is slow (a lane); the resource is next to node "far".
    edges = [
        RoadEdge("far", "bridge", 1_000, 60),
        RoadEdge("bridge", "scene", 1_000, 10),
    ]
    graph = RoadGraph(nodes, edges)
    ranked = rank_resources(
        SCENE, "urban", [_car(1, 2_000)], config=CONFIG, now=NOW, code="100100", roads=graph
    )
    assert ranked[0].via == "roads"
    assert ranked[0].eta_minutes == pytest.approx(0.5 + 1.0 + 6.0, abs=0.05)
    assert "路网 7.0 分钟" in ranked[0].reason


def test_a_stale_position_is_flagged() -> None:
    old = NOW - dt.timedelta(minutes=40)
    ranked = rank_resources(
        SCENE, "urban", [_car(1, 500, updated_at=old)], config=CONFIG, now=NOW, code="100100"
    )
    assert "位置已 40 分钟未更新" in ranked[0].reason


def test_the_grid_index_finds_the_same_best_resources_as_a_full_scan() -> None:
    rng = random.Random(7)
    kinds = ["patrol_car", "officer", "volunteer", "drone", "fire_engine"]
    resources = [
        Resource(
            id=n,
            unit_id=n % 50,
            kind=rng.choice(kinds),
            status=rng.choice(["available", "available", "available", "dispatched"]),
            lon=SCENE[0] + rng.uniform(-0.6, 0.6),
            lat=SCENE[1] + rng.uniform(-0.6, 0.6),
            workload=rng.randint(0, 3),
        )
        for n in range(3_000)
    ]
    index = ResourceIndex(resources, cell_km=CONFIG.cell_km)
    for trial in range(30):
        point = (SCENE[0] + rng.uniform(-0.5, 0.5), SCENE[1] + rng.uniform(-0.5, 0.5))
        code = ["100100", "400100", "500100", "200200"][trial % 4]
        fast = rank_resources(point, "suburban", index, config=CONFIG, now=NOW, code=code)
        full = rank_resources(point, "suburban", resources, config=CONFIG, now=NOW, code=code)
        best_fast = [r.resource_id for r in fast if r.available]
        best_full = [r.resource_id for r in full if r.available]
        assert best_fast == best_full


def test_a_resource_that_moves_or_changes_status_is_updated_in_the_index() -> None:
    index = ResourceIndex([_car(1, 500), _car(2, 5_000)])
    index.upsert(_car(1, 500, status="dispatched"))
    ranked = rank_resources(SCENE, "urban", index, config=CONFIG, now=NOW, code="100100")
    assert [(r.resource_id, r.available) for r in ranked] == [(2, True), (1, False)]
    index.remove(1)
    assert len(index) == 1


def test_dispatch_config_errors_name_the_line() -> None:
    text = (
        default_dispatch_config_text()
        .replace('kinds = ["fire_engine"]', 'kinds = ["fire_truck"]')
        .replace("speed_kmh = 30", "speed_kmh = -1")
    )
    with pytest.raises(ConfigError) as caught:
        load_dispatch_config(text)
    messages = caught.value.errors
    assert any(m.startswith("dispatch.toml 第 8 行：[area.urban] speed_kmh") for m in messages)
    assert any("资源类型 'fire_truck' 不存在" in m for m in messages)


def default_dispatch_config_text() -> str:
    from importlib import resources

    return resources.files("pingan.data.routing").joinpath("dispatch.toml").read_text("utf-8")
