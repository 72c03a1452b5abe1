"""Coordinate systems used by Chinese maps, and distances.

* WGS-84 — GPS, and (within centimetres) CGCS2000, the national datum of Tianditu and our
  boundary files.
* GCJ-02 — the obfuscated "Mars" system that Amap (高德), Tencent and most Chinese web maps
  publish; offset from WGS-84 by up to ~500 m, inside China only.
* BD-09 — Baidu's system, a further rotation/offset of GCJ-02.

All functions take and return ``(lon, lat)`` in decimal degrees.  Pure math, stdlib only.
"""

from __future__ import annotations

import math
from typing import Literal

CoordinateSystem = Literal["wgs84", "gcj02", "bd09"]

# Krasovsky 1940 ellipsoid, on which the GCJ-02 offset is defined.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# Baidu's constant for the BD-09 rotation.
_BD_X_PI = math.pi * 3000.0 / 180.0
# Mean Earth radius (IUGG) for great-circle distances.
_EARTH_RADIUS_M = 6371008.8

# Zhejiang's extent (118°01′–123°10′ E, 27°02′–31°11′ N) with a small margin for offshore islands.
ZHEJIANG_BBOX = (117.9, 26.8, 123.3, 31.3)


def out_of_china(lon: float, lat: float) -> bool:
    """True when the point lies outside the rough box where GCJ-02 offsets are applied."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def in_zhejiang_bbox(lon: float, lat: float) -> bool:
    """True when the point lies in Zhejiang's bounding box (a cheap pre-filter, not a polygon)."""
    min_lon, min_lat, max_lon, max_lat = ZHEJIANG_BBOX
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def _offset_lat(x: float, y: float) -> float:
    value = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    value += (
        (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    return value


def _offset_lon(x: float, y: float) -> float:
    value = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    value += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    return value


def _gcj02_delta(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 offset (dlon, dlat) in degrees to add to a WGS-84 point."""
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi
    )
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 (identity outside China)."""
    if out_of_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _gcj02_delta(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float, *, tolerance_deg: float = 1e-9) -> tuple[float, float]:
    """GCJ-02 → WGS-84 by fixed-point iteration; converges to well under 0.5 m (about 1e-4 m)."""
    if out_of_china(lon, lat):
        return lon, lat
    wgs_lon, wgs_lat = lon, lat
    for _ in range(30):
        fwd_lon, fwd_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
        err_lon, err_lat = fwd_lon - lon, fwd_lat - lat
        wgs_lon -= err_lon
        wgs_lat -= err_lat
        if abs(err_lon) < tolerance_deg and abs(err_lat) < tolerance_deg:
            break
    return wgs_lon, wgs_lat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → BD-09 (Baidu)."""
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 (Baidu) → GCJ-02: the usual closed-form inverse (~0.1 m), refined to millimetres."""
    x = lon - 0.0065
    y = lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    gcj_lon, gcj_lat = z * math.cos(theta), z * math.sin(theta)
    for _ in range(3):
        fwd_lon, fwd_lat = gcj02_to_bd09(gcj_lon, gcj_lat)
        gcj_lon -= fwd_lon - lon
        gcj_lat -= fwd_lat - lat
    return gcj_lon, gcj_lat


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 (Baidu) → WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: float, lat: float, system: CoordinateSystem) -> tuple[float, float]:
    """Convert a point given in ``system`` to WGS-84."""
    if system == "wgs84":
        return lon, lat
    if system == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if system == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown coordinate system {system!r}; use wgs84, gcj02 or bd09")


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2.0) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2.0) ** 2
    return 2.0 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
