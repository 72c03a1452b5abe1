"""Coordinate systems: WGS-84 ↔ GCJ-02 ↔ BD-09, and distances."""

import pytest

from pingan.geo.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    haversine_m,
    in_zhejiang_bbox,
    out_of_china,
    to_wgs84,
    wgs84_to_gcj02,
)
from pingan.geo.places_file import load_boundaries

# West Lake (Hangzhou), Ningbo old town, Wenzhou, Shengsi islands, Qingyuan in the far south-west.
ZHEJIANG_POINTS = [
    (120.1485, 30.2424),
    (121.5500, 29.8740),
    (120.6994, 27.9938),
    (122.4510, 30.7250),
    (119.0620, 27.6180),
]


@pytest.mark.parametrize(("lon", "lat"), ZHEJIANG_POINTS)
def test_gcj02_offset_in_zhejiang_is_a_few_hundred_metres(lon: float, lat: float) -> None:
    gcj = wgs84_to_gcj02(lon, lat)
    assert 200 < haversine_m(lon, lat, *gcj) < 700


@pytest.mark.parametrize(("lon", "lat"), ZHEJIANG_POINTS)
def test_gcj02_to_wgs84_inverts_the_offset_to_under_half_a_metre(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert haversine_m(lon, lat, *back) < 0.5


@pytest.mark.parametrize(("lon", "lat"), ZHEJIANG_POINTS)
def test_bd09_round_trips_through_gcj02_and_wgs84(lon: float, lat: float) -> None:
    gcj = wgs84_to_gcj02(lon, lat)
    bd = gcj02_to_bd09(*gcj)
    # Baidu adds roughly another 0.0065° / 0.006° on top of GCJ-02
    assert 500 < haversine_m(*gcj, *bd) < 1200
    assert haversine_m(*gcj, *bd09_to_gcj02(*bd)) < 0.05
    assert haversine_m(lon, lat, *bd09_to_wgs84(*bd)) < 0.5
    assert haversine_m(lon, lat, *to_wgs84(*bd, system="bd09")) < 0.5


def test_to_wgs84_dispatches_on_the_coordinate_system() -> None:
    lon, lat = 120.1485, 30.2424
    assert to_wgs84(lon, lat, "wgs84") == (lon, lat)
    assert haversine_m(lon, lat, *to_wgs84(*wgs84_to_gcj02(lon, lat), "gcj02")) < 0.5
    with pytest.raises(ValueError, match="unknown coordinate system"):
        to_wgs84(lon, lat, "mercator")  # type: ignore[arg-type]


def test_points_outside_china_are_not_shifted() -> None:
    tokyo = (139.6917, 35.6895)
    assert out_of_china(*tokyo)
    assert wgs84_to_gcj02(*tokyo) == tokyo
    assert gcj02_to_wgs84(*tokyo) == tokyo
    assert not out_of_china(120.15, 30.27)


def test_zhejiang_bbox_holds_every_boundary_vertex_and_excludes_other_provinces() -> None:
    def vertices(coordinates: object) -> list[tuple[float, float]]:
        if isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], float):
            return [(coordinates[0], coordinates[1])]
        assert isinstance(coordinates, list)
        return [v for part in coordinates for v in vertices(part)]

    boundaries = load_boundaries()
    points = [v for f in boundaries["features"] for v in vertices(f["geometry"]["coordinates"])]
    assert len(points) > 1000
    assert all(in_zhejiang_bbox(lon, lat) for lon, lat in points)
    assert not in_zhejiang_bbox(116.397, 39.909)  # Beijing
    assert not in_zhejiang_bbox(117.283, 31.861)  # Hefei
    assert not in_zhejiang_bbox(119.296, 26.074)  # Fuzhou


def test_haversine_gives_known_distances() -> None:
    one_degree_of_latitude = haversine_m(120.0, 30.0, 120.0, 31.0)
    assert one_degree_of_latitude == pytest.approx(111_195, abs=20)
    assert haversine_m(120.0, 30.0, 120.0, 30.0) == 0.0
    # Hangzhou West Lake to Ningbo old town: about 150 km as the crow flies
    assert 140_000 < haversine_m(120.1485, 30.2424, 121.55, 29.874) < 160_000
