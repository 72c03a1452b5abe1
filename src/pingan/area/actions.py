"""Writes to the place tree: loading the shipped divisions and importing grids."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from shapely.geometry import shape
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from pingan.area.models import LEVEL_DEPTH, Place
from pingan.errors import InvalidInput
from pingan.geo.coords import in_zhejiang_bbox
from pingan.geo.names import short_forms

BATCH = 2000


class DivisionRecord(Protocol):
    """What a shipped division row offers (``geo.places_file.PlaceRecord`` is one)."""

    @property
    def code(self) -> str: ...
    @property
    def parent_code(self) -> str | None: ...
    @property
    def level(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def nbs_code(self) -> str | None: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def lat(self) -> float | None: ...


ANCESTOR_LEVELS = ("city", "county", "town", "village")


def _ancestor_codes(
    code: str, levels: Mapping[str, str], parents: Mapping[str, str | None]
) -> dict[str, str | None]:
    """``city_code`` … ``village_code`` for a place: itself and everything above it."""
    codes: dict[str, str | None] = {f"{level}_code": None for level in ANCESTOR_LEVELS}
    current: str | None = code
    while current is not None and current in levels:
        if levels[current] in ANCESTOR_LEVELS:
            codes[f"{levels[current]}_code"] = current
        current = parents.get(current)
    return codes


def load_divisions(
    session: Session,
    records: Iterable[DivisionRecord],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Replace the division levels (province → village) with ``records``. Grids are kept."""
    items = sorted(records, key=lambda r: (LEVEL_DEPTH[r.level], r.code))
    levels = {r.code: r.level for r in items}
    parents = {r.code: r.parent_code for r in items}
    session.execute(delete(Place).where(Place.level != "grid"))
    rows: list[dict[str, Any]] = []
    for record in items:
        forms = [f for f in short_forms(record.name, record.level) if f != record.name]
        rows.append(
            {
                "code": record.code,
                "parent_code": record.parent_code or None,
                "level": record.level,
                "name": record.name,
                "short_name": forms[0] if forms else None,
                "nbs_code": record.nbs_code or None,
                "lon": record.lon,
                "lat": record.lat,
                "geometry": None,
                "source": "mca2025" if record.level != "village" else "nbs2023",
                **_ancestor_codes(record.code, levels, parents),
            }
        )
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Place), rows[start : start + BATCH])
        if progress:
            progress(len(rows[start : start + BATCH]))
    session.flush()
    return len(rows)


def import_grids(session: Session, geojson: Mapping[str, Any]) -> int:
    """Import grid polygons from a GeoJSON FeatureCollection.

    Each feature needs properties ``code``, ``name`` and ``parent_code`` (a village or town).
    Nothing is written unless every feature is valid; the error names the feature.
    """
    features = geojson.get("features")
    if geojson.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise InvalidInput("网格文件须为 GeoJSON FeatureCollection")
    rows: list[dict[str, Any]] = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code, name, parent_code = props.get("code"), props.get("name"), props.get("parent_code")
        if not code or not name or not parent_code:
            raise InvalidInput(f"第 {number} 个网格缺少 code、name 或 parent_code", feature=number)
        parent = session.get(Place, str(parent_code))
        if parent is None or parent.level not in ("town", "village"):
            raise InvalidInput(
                f"第 {number} 个网格的上级 {parent_code} 不是已知的乡镇或村社", feature=number
            )
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput(f"第 {number} 个网格的几何无效：{exc}", feature=number) from exc
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
            raise InvalidInput(f"第 {number} 个网格不是有效的面", feature=number)
        centre = geometry.representative_point()
        if not in_zhejiang_bbox(centre.x, centre.y):
            raise InvalidInput(
                f"第 {number} 个网格不在浙江范围内（坐标须为 WGS-84）", feature=number
            )
        rows.append(
            {
                "code": str(code),
                "parent_code": parent.code,
                "level": "grid",
                "name": str(name),
                "short_name": None,
                "nbs_code": None,
                "lon": round(centre.x, 6),
                "lat": round(centre.y, 6),
                "geometry": feature["geometry"],
                "source": "import",
                "city_code": parent.city_code,
                "county_code": parent.county_code,
                "town_code": parent.town_code if parent.level == "village" else parent.code,
                "village_code": parent.code if parent.level == "village" else None,
            }
        )
    codes = [r["code"] for r in rows]
    if len(set(codes)) != len(codes):
        raise InvalidInput("网格编码重复")
    clash = list(
        session.scalars(select(Place.code).where(Place.code.in_(codes), Place.level != "grid"))
    )
    if clash:
        raise InvalidInput(f"网格编码与区划编码冲突：{', '.join(sorted(clash)[:5])}")
    session.execute(delete(Place).where(Place.code.in_(codes)))
    if rows:
        session.execute(insert(Place), rows)
    session.flush()
    return len(rows)
