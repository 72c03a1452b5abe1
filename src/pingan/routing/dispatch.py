"""Dispatch recommendation (派警推荐): rank resources by estimated arrival and fitness.

Callers keep a :class:`ResourceIndex` (a grid of buckets per resource kind) and update it when a
resource moves or changes status; :func:`rank_resources` then looks only at nearby buckets,
expanding ring by ring, and stops as soon as nothing further out could beat what it has.

ETA comes from a road-speed model by area type (straight-line distance × detour ÷ speed, plus a
turnout time per kind) or, when given, from a small road graph (:class:`RoadGraph`).  Scores and
the call-type → kinds table come from ``data/routing/dispatch.toml``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources as package_files
from pathlib import Path
from typing import Any

from pingan.geo.coords import haversine_m
from pingan.routing.rules import Match, parse_match
from pingan.routing.tomlfile import ConfigError, read_toml
from pingan.routing.vocabulary import RESOURCE_KINDS, RESOURCE_STATUSES, resource_kind_name

AREA_TYPES = {"urban": "城区", "suburban": "城郊", "rural": "农村"}
AREA_KEYS = ("speed_kmh", "detour", "target_minutes")
KIND_KEYS = ("turnout_minutes", "speed_kmh", "detour", "roads")
WEIGHT_KEYS = ("eta", "capability", "workload")
SEARCH_KEYS = ("cell_km", "max_radius_km", "results", "unavailable_shown", "stale_minutes")
NEEDS_KEYS = ("name", "match", "kinds", "also", "capabilities")
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True, slots=True)
class Resource:
    """A patrol car, officer, volunteer (义警), drone, rescue team … as dispatch sees it."""

    id: int
    unit_id: int
    kind: str
    status: str
    lon: float | None
    lat: float | None
    capabilities: tuple[str, ...] = ()
    workload: int = 0
    name: str = ""
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class AreaModel:
    speed_kmh: float
    detour: float
    target_minutes: float


@dataclass(frozen=True)
class KindModel:
    turnout_minutes: float = 0.0
    speed_kmh: float | None = None
    detour: float | None = None
    roads: bool = True


@dataclass(frozen=True)
class Needs:
    name: str
    match: Match
    kinds: tuple[str, ...]
    also: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    order: int = 0

    def kind_fit(self, kind: str) -> float:
        if kind in self.kinds:
            return 1.0
        if kind in self.also:
            return 0.5
        return 0.0


@dataclass(frozen=True)
class DispatchConfig:
    version: str
    areas: Mapping[str, AreaModel]
    kinds: Mapping[str, KindModel]
    needs: tuple[Needs, ...]
    weight_eta: float = 50.0
    weight_capability: float = 30.0
    weight_workload: float = 20.0
    cell_km: float = 2.0
    max_radius_km: float = 60.0
    results: int = 5
    unavailable_shown: int = 5
    stale_minutes: float = 15.0
    _needs_cache: dict[str, Needs] = field(default_factory=dict, repr=False, compare=False)

    def needs_for(self, code: str) -> Needs:
        """The most specific needs entry for a call type (code > group > any, then file order)."""
        found = self._needs_cache.get(code)
        if found is None:
            matching = [n for n in self.needs if n.match.covers(code)]
            if not matching:
                found = Needs("（未配置）", Match("any"), ("patrol_car", "officer"))
            else:
                found = max(matching, key=lambda n: (n.match.rank, -n.order))
            self._needs_cache[code] = found
        return found

    def kind(self, kind: str) -> KindModel:
        return self.kinds.get(kind, KindModel())


@dataclass(frozen=True)
class Recommendation:
    """One resource with its score parts and the reason a dispatcher reads."""

    resource_id: int
    unit_id: int
    kind: str
    name: str
    status: str
    available: bool
    distance_m: float
    eta_minutes: float
    within_target: bool
    eta: float
    capability: float
    workload: float
    total: float
    reason: str
    via: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource_id": self.resource_id,
            "unit_id": self.unit_id,
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "available": self.available,
            "distance_m": round(self.distance_m),
            "eta_minutes": round(self.eta_minutes, 1),
            "within_target": self.within_target,
            "score": {
                "eta": self.eta,
                "capability": self.capability,
                "workload": self.workload,
                "total": self.total,
            },
            "reason": self.reason,
            "via": self.via,
        }


# --- configuration ---------------------------------------------------------------------------


def load_dispatch_config(
    path_or_text: str | Path, *, source: str = "dispatch.toml"
) -> DispatchConfig:
    """Read and check ``dispatch.toml``; raise :class:`ConfigError` listing every problem."""
    doc = read_toml(path_or_text, default_source=source)
    data = doc.data
    errors: list[tuple[int, str]] = []
    top = doc.top()
    for key in data:
        if key not in ("version", "area", "kind", "weights", "search", "needs"):
            errors.append((doc.line_of(key, top), f"未知的键 '{key}'"))
    version = data.get("version")
    if not isinstance(version, str) or not version:
        errors.append((doc.line_of("version", top), "缺少 version（字符串）"))
        version = ""

    def number(table: str, key: str, value: Any, *, minimum: float = 0.0) -> float:
        section = doc.table(table) or top
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            errors.append((doc.line_of(key, section), f"[{table}] {key} 须是不小于 {minimum} 的数"))
            return minimum
        return float(value)

    areas: dict[str, AreaModel] = {}
    raw_areas = data.get("area", {})
    for area in AREA_TYPES:
        raw = raw_areas.get(area) if isinstance(raw_areas, dict) else None
        if not isinstance(raw, dict):
            errors.append((top.first, f"缺少 [area.{area}]（speed_kmh、detour、target_minutes）"))
            continue
        section = doc.table(f"area.{area}") or top
        for key in raw:
            if key not in AREA_KEYS:
                errors.append((doc.line_of(key, section), f"[area.{area}] 未知的键 '{key}'"))
        values = {k: number(f"area.{area}", k, raw.get(k), minimum=0.1) for k in AREA_KEYS}
        if values["detour"] < 1.0:
            errors.append((doc.line_of("detour", section), f"[area.{area}] detour 不能小于 1"))
        areas[area] = AreaModel(**values)
    for area in raw_areas if isinstance(raw_areas, dict) else ():
        if area not in AREA_TYPES:
            errors.append(
                (top.first, f"未知的区域类型 [area.{area}]；可选：{'、'.join(AREA_TYPES)}")
            )

    kinds: dict[str, KindModel] = {}
    raw_kinds = data.get("kind", {})
    for kind, raw in raw_kinds.items() if isinstance(raw_kinds, dict) else ():
        section = doc.table(f"kind.{kind}") or top
        if kind not in RESOURCE_KINDS:
            errors.append(
                (section.first, f"未知的资源类型 [kind.{kind}]；可选：{'、'.join(RESOURCE_KINDS)}")
            )
            continue
        for key in raw:
            if key not in KIND_KEYS:
                errors.append((doc.line_of(key, section), f"[kind.{kind}] 未知的键 '{key}'"))
        roads = raw.get("roads", True)
        if not isinstance(roads, bool):
            errors.append(
                (doc.line_of("roads", section), f"[kind.{kind}] roads 须是 true 或 false")
            )
            roads = True
        kinds[kind] = KindModel(
            turnout_minutes=number(
                f"kind.{kind}", "turnout_minutes", raw.get("turnout_minutes", 0)
            ),
            speed_kmh=(
                number(f"kind.{kind}", "speed_kmh", raw["speed_kmh"], minimum=0.1)
                if "speed_kmh" in raw
                else None
            ),
            detour=(
                number(f"kind.{kind}", "detour", raw["detour"], minimum=1.0)
                if "detour" in raw
                else None
            ),
            roads=roads,
        )

    settings: dict[str, float] = {}
    for table, keys, defaults in (
        ("weights", WEIGHT_KEYS, {"eta": 50, "capability": 30, "workload": 20}),
        (
            "search",
            SEARCH_KEYS,
            {
                "cell_km": 2.0,
                "max_radius_km": 60,
                "results": 5,
                "unavailable_shown": 5,
                "stale_minutes": 15,
            },
        ),
    ):
        raw = data.get(table, {})
        section = doc.table(table) or top
        if not isinstance(raw, dict):
            errors.append((section.first, f"[{table}] 须是表"))
            raw = {}
        for key in raw:
            if key not in keys:
                errors.append((doc.line_of(key, section), f"[{table}] 未知的键 '{key}'"))
        for key in keys:
            settings[f"{table}.{key}"] = number(table, key, raw.get(key, defaults[key]))
    if settings["search.cell_km"] <= 0:
        errors.append(
            (doc.line_of("cell_km", doc.table("search") or top), "[search] cell_km 须大于 0")
        )

    needs: list[Needs] = []
    sections = doc.items("needs")
    raw_needs = data.get("needs", [])
    for order, raw in enumerate(raw_needs if isinstance(raw_needs, list) else []):
        section = sections[order] if order < len(sections) else top
        for key in raw:
            if key not in NEEDS_KEYS:
                errors.append((doc.line_of(key, section), f"[[needs]] 未知的键 '{key}'"))
        match = parse_match(raw.get("match"), doc.line_of("match", section), errors)
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("kinds", "also"):
            value = raw.get(key, [])
            if not isinstance(value, list) or (key == "kinds" and not value):
                errors.append((doc.line_of(key, section), f"[[needs]] {key} 须是资源类型列表"))
                value = []
            for kind in value:
                if kind not in RESOURCE_KINDS:
                    errors.append(
                        (
                            doc.line_of(key, section),
                            f"资源类型 {kind!r} 不存在；可选：{'、'.join(RESOURCE_KINDS)}",
                        )
                    )
            lists[key] = tuple(k for k in value if k in RESOURCE_KINDS)
        capabilities = raw.get("capabilities", [])
        if not isinstance(capabilities, list) or not all(isinstance(c, str) for c in capabilities):
            errors.append((doc.line_of("capabilities", section), "capabilities 须是字符串列表"))
            capabilities = []
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            errors.append((section.first, "[[needs]] 缺少 name"))
            name = f"#{order + 1}"
        if match is not None:
            needs.append(
                Needs(name, match, lists["kinds"], lists["also"], tuple(capabilities), order)
            )
    if errors:
        raise ConfigError(
            f"{doc.where(line)}：{message}" for line, message in sorted(errors, key=lambda e: e[0])
        )
    return DispatchConfig(
        version=version,
        areas=areas,
        kinds=kinds,
        needs=tuple(needs),
        weight_eta=settings["weights.eta"],
        weight_capability=settings["weights.capability"],
        weight_workload=settings["weights.workload"],
        cell_km=settings["search.cell_km"],
        max_radius_km=settings["search.max_radius_km"],
        results=int(settings["search.results"]),
        unavailable_shown=int(settings["search.unavailable_shown"]),
        stale_minutes=settings["search.stale_minutes"],
    )


@cache
def default_dispatch_config() -> DispatchConfig:
    """The shipped ``pingan/data/routing/dispatch.toml``, read on first use."""
    text = package_files.files("pingan.data.routing").joinpath("dispatch.toml").read_text("utf-8")
    return load_dispatch_config(text)


# --- spatial index ---------------------------------------------------------------------------

Cell = tuple[int, int]


class ResourceIndex:
    """Resources in square-ish grid buckets (``cell_km``), one grid per resource kind.

    ``upsert`` after a resource moves or changes status; ``remove`` when it leaves service.
    Resources without a position are kept out of the grid (they cannot be ranked by distance).
    """

    def __init__(self, resources: Iterable[Resource] = (), *, cell_km: float = 2.0) -> None:
        self.cell_km = cell_km
        self.cell_lat = cell_km * 1000.0 / _METRES_PER_DEGREE
        # Buckets are sized for Zhejiang's mid latitude; distances are always computed exactly.
        self.cell_lon = self.cell_lat / math.cos(math.radians(29.0))
        self._grids: dict[str, dict[Cell, dict[int, Resource]]] = {}
        self._where: dict[int, tuple[str, Cell]] = {}
        for resource in resources:
            self.upsert(resource)

    def __len__(self) -> int:
        return len(self._where)

    def cell_of(self, lon: float, lat: float) -> Cell:
        return (math.floor(lon / self.cell_lon), math.floor(lat / self.cell_lat))

    def upsert(self, resource: Resource) -> None:
        self.remove(resource.id)
        if resource.lon is None or resource.lat is None:
            return
        cell = self.cell_of(resource.lon, resource.lat)
        self._grids.setdefault(resource.kind, {}).setdefault(cell, {})[resource.id] = resource
        self._where[resource.id] = (resource.kind, cell)

    def remove(self, resource_id: int) -> None:
        found = self._where.pop(resource_id, None)
        if found is not None:
            kind, cell = found
            del self._grids[kind][cell][resource_id]

    @staticmethod
    def ring_cells(centre: Cell, radius: int) -> list[Cell]:
        """The cells at Chebyshev distance ``radius`` from ``centre``."""
        cx, cy = centre
        if radius == 0:
            return [centre]
        cells = [
            (x, y) for x in range(cx - radius, cx + radius + 1) for y in (cy - radius, cy + radius)
        ]
        cells += [
            (x, y) for x in (cx - radius, cx + radius) for y in range(cy - radius + 1, cy + radius)
        ]
        return cells

    def in_cells(self, kind: str, cells: Iterable[Cell]) -> Iterator[Resource]:
        """Resources of ``kind`` in ``cells``."""
        grid = self._grids.get(kind)
        if not grid:
            return
        for cell in cells:
            bucket = grid.get(cell)
            if bucket:
                yield from bucket.values()

    def min_cell_m(self, lat: float) -> float:
        width = self.cell_lon * _METRES_PER_DEGREE * math.cos(math.radians(lat))
        return min(width, self.cell_lat * _METRES_PER_DEGREE)


# --- road graph ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoadEdge:
    a: str
    b: str
    length_m: float
    speed_kmh: float
    oneway: bool = False


class RoadGraph:
    """A small road graph (an edge list with speeds) for ETAs better than the speed model.

    Meant for a town or a district (hundreds to a few thousand nodes): nearest-node lookup is a
    linear scan, and one Dijkstra from the incident gives the time from every node to it.
    """

    def __init__(self, nodes: Mapping[str, tuple[float, float]], edges: Iterable[RoadEdge]) -> None:
        self.nodes = dict(nodes)
        self._into: dict[str, list[tuple[str, float]]] = {node: [] for node in self.nodes}
        self.fastest_kmh = 0.0
        for edge in edges:
            if edge.a not in self.nodes or edge.b not in self.nodes:
                raise ValueError(f"road edge {edge.a}–{edge.b} names an unknown node")
            minutes = edge.length_m / (edge.speed_kmh * 1000.0 / 60.0)
            self._into[edge.b].append((edge.a, minutes))
            if not edge.oneway:
                self._into[edge.a].append((edge.b, minutes))
            self.fastest_kmh = max(self.fastest_kmh, edge.speed_kmh)

    def nearest(self, lon: float, lat: float) -> tuple[str, float]:
        """The nearest node and its straight-line distance in metres."""
        best, best_m = "", math.inf
        for node, (node_lon, node_lat) in self.nodes.items():
            metres = haversine_m(lon, lat, node_lon, node_lat)
            if metres < best_m:
                best, best_m = node, metres
        return best, best_m

    def minutes_to(self, target: str, *, limit_minutes: float = math.inf) -> dict[str, float]:
        """Driving minutes from every node to ``target`` (Dijkstra over reversed edges)."""
        best = {target: 0.0}
        queue = [(0.0, target)]
        while queue:
            minutes, node = heapq.heappop(queue)
            if minutes > best.get(node, math.inf) or minutes > limit_minutes:
                continue
            for previous, cost in self._into[node]:
                through = minutes + cost
                if through < best.get(previous, math.inf):
                    best[previous] = through
                    heapq.heappush(queue, (through, previous))
        return best


# --- ranking ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _KindProfile:
    """Per-incident constants for one resource kind."""

    turnout: float
    minutes_per_metre: float
    roads: bool
    capability: float  # weight × kind fit, before a missing capability


@dataclass
class _Scene:
    lon: float
    lat: float
    area: AreaModel
    area_name: str
    needs: Needs
    config: DispatchConfig
    now: dt.datetime
    roads: RoadGraph | None
    road_minutes: dict[str, float] | None
    scene_node_m: float
    profiles: dict[str, _KindProfile] = field(default_factory=dict)

    def profile(self, kind: str) -> _KindProfile:
        found = self.profiles.get(kind)
        if found is None:
            model = self.config.kind(kind)
            speed, detour = _speed_and_detour(kind, self)
            found = _KindProfile(
                model.turnout_minutes,
                detour / (speed * 1000.0 / 60.0),
                model.roads,
                self.config.weight_capability * self.needs.kind_fit(kind),
            )
            self.profiles[kind] = found
        return found


def rank_resources(
    incident_point: tuple[float, float],
    area_type: str,
    resources: ResourceIndex | Sequence[Resource],
    *,
    config: DispatchConfig,
    now: dt.datetime,
    code: str,
    roads: RoadGraph | None = None,
    limit: int | None = None,
) -> list[Recommendation]:
    """Rank resources for an incident at ``incident_point`` (lon, lat) of call type ``code``.

    Returns the best ``limit`` (default ``config.results``) available resources of a kind the
    call type needs or can use, best first, followed by up to ``config.unavailable_shown`` nearby
    busy ones marked unavailable with the reason.  ``resources`` is a :class:`ResourceIndex`
    (fast) or a plain sequence (scanned in full; fine for a few hundred).
    """
    if area_type not in config.areas:
        raise ValueError(f"unknown area type {area_type!r}; use {', '.join(config.areas)}")
    if now.tzinfo is None:
        raise ValueError("rank_resources() needs a timezone-aware time (now)")
    lon, lat = incident_point
    wanted = limit if limit is not None else config.results
    needs = config.needs_for(code)
    kinds = tuple(dict.fromkeys(needs.kinds + needs.also))
    road_minutes = None
    scene_node_m = 0.0
    if roads is not None and roads.nodes:
        scene_node, scene_node_m = roads.nearest(lon, lat)
        road_minutes = roads.minutes_to(scene_node)
    scene = _Scene(
        lon,
        lat,
        config.areas[area_type],
        AREA_TYPES[area_type],
        needs,
        config,
        now,
        roads,
        road_minutes,
        scene_node_m,
    )
    available: list[_Measured] = []
    busy: list[Resource] = []

    def consider(resource: Resource) -> None:
        if resource.lon is None or resource.lat is None or resource.kind not in kinds:
            return
        if resource.status == "available":
            available.append(_measure(resource, scene))
        else:
            busy.append(resource)

    if isinstance(resources, ResourceIndex):
        index = resources
        centre = index.cell_of(lon, lat)
        cell_m = index.min_cell_m(lat) * 0.99
        max_rings = math.ceil(config.max_radius_km * 1000.0 / cell_m)
        active = list(kinds)
        for radius in range(max_rings + 1):
            cells = index.ring_cells(centre, radius)
            for kind in active:
                for resource in index.in_cells(kind, cells):
                    consider(resource)
            if len(available) >= wanted:
                # Anything of a kind beyond this ring is at least radius × cell away; a kind is
                # done when even a perfect resource of it there could not beat the k-th best.
                kth = heapq.nlargest(wanted, (m.total for m in available))[-1]
                nearest_unseen = radius * cell_m
                active = [k for k in active if _best_possible(k, nearest_unseen, scene) > kth]
                if not active:
                    break
    else:
        for resource in resources:
            consider(resource)
    best = heapq.nsmallest(
        wanted, available, key=lambda m: (-m.total, m.eta_minutes, m.resource.id)
    )
    nearest_busy = heapq.nsmallest(
        config.unavailable_shown,
        (_measure(r, scene) for r in busy),
        key=lambda m: (m.metres, m.resource.id),
    )
    return [_recommend(m, scene) for m in best + nearest_busy]


def _eta_score(eta_minutes: float, target: float, config: DispatchConfig) -> float:
    return config.weight_eta * target / (target + eta_minutes)


def _speed_and_detour(kind: str, scene: _Scene) -> tuple[float, float]:
    model = scene.config.kind(kind)
    return model.speed_kmh or scene.area.speed_kmh, model.detour or scene.area.detour


def _best_possible(kind: str, metres: float, scene: _Scene) -> float:
    """The highest score any resource of ``kind`` at least ``metres`` away could get."""
    profile = scene.profile(kind)
    minutes_per_metre = profile.minutes_per_metre
    if profile.roads and scene.roads is not None:
        # Along a road graph: no detour, and as fast as its fastest road.
        fastest = max(scene.roads.fastest_kmh, 1.0 / minutes_per_metre * 60.0 / 1000.0)
        minutes_per_metre = 1.0 / (fastest * 1000.0 / 60.0)
    eta = profile.turnout + metres * minutes_per_metre
    config = scene.config
    return (
        _eta_score(eta, scene.area.target_minutes, config)
        + profile.capability
        + config.weight_workload
    )


@dataclass(frozen=True, slots=True)
class _Measured:
    """A resource's numbers, computed for every resource considered (reasons come later)."""

    resource: Resource
    metres: float
    eta_minutes: float
    eta: float
    capability: float
    workload: float
    total: float
    via: str
    on_road: float = 0.0
    access: float = 0.0


def _measure(resource: Resource, scene: _Scene) -> _Measured:
    assert resource.lon is not None and resource.lat is not None
    config = scene.config
    profile = scene.profile(resource.kind)
    metres = haversine_m(resource.lon, resource.lat, scene.lon, scene.lat)
    travel = metres * profile.minutes_per_metre
    via = "speed_model" if profile.roads else "air"
    on_road = access = 0.0
    if profile.roads and scene.roads is not None and scene.road_minutes is not None:
        node, node_m = scene.roads.nearest(resource.lon, resource.lat)
        reached = scene.road_minutes.get(node)
        if reached is None:
            via = "speed_model_unconnected"
        else:
            on_road = reached
            access = (node_m + scene.scene_node_m) * profile.minutes_per_metre
            travel = on_road + access
            via = "roads"
    eta_minutes = profile.turnout + travel
    target = scene.area.target_minutes
    eta_part = config.weight_eta * target / (target + eta_minutes)
    capability = profile.capability
    wanted = scene.needs.capabilities
    if wanted and not set(wanted) & set(resource.capabilities):
        capability *= 0.7
    workload = config.weight_workload / (1 + max(resource.workload, 0))
    total = eta_part + capability + workload
    return _Measured(
        resource, metres, eta_minutes, eta_part, capability, workload, total, via, on_road, access
    )


def _recommend(measured: _Measured, scene: _Scene) -> Recommendation:
    """The recommendation with its reason, for the resources actually shown."""
    config = scene.config
    resource = measured.resource
    speed, detour = _speed_and_detour(resource.kind, scene)
    km = measured.metres / 1000.0
    if measured.via == "air":
        how = f"直线 {km:.1f} km，{speed:g} km/h 直飞"
    elif measured.via == "roads":
        how = f"路网 {measured.on_road:.1f} 分钟 + 接驳 {measured.access:.1f} 分钟"
    else:
        how = f"直线 {km:.1f} km，{scene.area_name} {speed:g} km/h×{detour:g} 绕行"
        if measured.via == "speed_model_unconnected":
            how += "（路网不连通，按速度模型估算）"
    eta_minutes = measured.eta_minutes
    target = scene.area.target_minutes
    within = eta_minutes <= target
    available = resource.status == "available"
    label = f"{resource_kind_name(resource.kind)}「{resource.name or resource.id}」"
    if not available:
        status = RESOURCE_STATUSES.get(resource.status, resource.status)
        reason = f"{label}{status}，不能派出（约 {eta_minutes:.1f} 分钟可到，{how}）"
    else:
        target_text = f"在 {target:g} 分钟目标内" if within else f"超出 {target:g} 分钟目标"
        fit = scene.needs.kind_fit(resource.kind)
        fit_text = "类型对口" if fit == 1.0 else "类型可用（非首选）"
        needed = "、".join(resource_kind_name(k) for k in scene.needs.kinds)
        fit_text += f"（{scene.needs.name}需要{needed}）"
        wanted = scene.needs.capabilities
        if wanted and not set(wanted) & set(resource.capabilities):
            fit_text += f"，但缺少{'、'.join(wanted)}能力"
        load_text = f"手头 {resource.workload} 件在办" if resource.workload else "手头无在办"
        reason = (
            f"{label}空闲，约 {eta_minutes:.1f} 分钟到场（{how}），{target_text}；"
            f"{fit_text}；{load_text}；得分 {measured.total:.1f}"
        )
        if resource.updated_at is not None:
            age = (scene.now - resource.updated_at).total_seconds() / 60.0
            if age > config.stale_minutes:
                reason += f"；注意：位置已 {age:.0f} 分钟未更新"
    return Recommendation(
        resource_id=resource.id,
        unit_id=resource.unit_id,
        kind=resource.kind,
        name=resource.name,
        status=resource.status,
        available=available,
        distance_m=measured.metres,
        eta_minutes=round(eta_minutes, 2),
        within_target=within,
        eta=round(measured.eta, 1),
        capability=round(measured.capability, 1),
        workload=round(measured.workload, 1),
        total=round(measured.total, 1),
        reason=reason,
        via="speed_model" if measured.via == "speed_model_unconnected" else measured.via,
    )
