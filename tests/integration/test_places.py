"""The jurisdiction tree in the database: counts, names, ancestry, grids."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from pingan.area.actions import import_grids
from pingan.area.queries import ancestors, children, count_by_level, find_by_name, list_places
from pingan.errors import InvalidInput


def test_all_of_zhejiang_is_loaded(session: Session) -> None:
    counts = count_by_level(session)
    assert counts["province"] == 1 and counts["city"] == 11 and counts["county"] == 90
    assert counts["town"] >= 1360 and counts["village"] >= 25000


def test_a_county_is_found_by_full_and_short_name(session: Session) -> None:
    assert [p.code for p in find_by_name(session, "新昌县")] == ["330624"]
    short = find_by_name(session, "新昌")
    assert short[0].code == "330624"  # the county comes before the 乡 of the same short name
    assert [p.code for p in find_by_name(session, "绍兴")][:1] == ["330600"]
    towns = find_by_name(session, "南明", under="330624")
    assert [t.name for t in towns] == ["南明街道"]


def test_ancestors_run_from_the_province_down(session: Session) -> None:
    villages, _ = list_places(session, level="village", under="330624", limit=1)
    chain = ancestors(session, villages[0].code)
    assert [p.level for p in chain] == ["province", "city", "county", "town"]
    assert chain[1].name == "绍兴市" and chain[2].name == "新昌县"


def test_descendants_by_level(session: Session) -> None:
    counties, total = list_places(session, level="county", under="330600")
    assert total == 6
    assert {c.name for c in counties} >= {
        "越城区",
        "柯桥区",
        "上虞区",
        "新昌县",
        "诸暨市",
        "嵊州市",
    }
    assert {c.parent_code for c in children(session, "330600")} == {"330600"}


def _grid(code: str, parent: str, ring: list[list[float]]) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": f"网格{code[-2:]}", "parent_code": parent},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_grids_are_imported_under_their_village(session: Session) -> None:
    villages, _ = list_places(session, level="village", under="330624", limit=1)
    village = villages[0]
    square = [[120.90, 29.50], [120.91, 29.50], [120.91, 29.51], [120.90, 29.51], [120.90, 29.50]]
    count = import_grids(
        session,
        {
            "type": "FeatureCollection",
            "features": [
                _grid("G33062400101", village.code, square),
                _grid("G33062400102", village.code, [[x + 0.01, y] for x, y in square]),
            ],
        },
    )
    assert count == 2
    grids, total = list_places(session, level="grid", under="330624")
    assert total == 2 and all(g.village_code == village.code for g in grids)
    assert 120.90 < grids[0].lon < 120.91  # type: ignore[operator]


def test_a_bad_grid_file_writes_nothing_and_names_the_feature(session: Session) -> None:
    villages, _ = list_places(session, level="village", under="330624", limit=1)
    good = [[120.90, 29.50], [120.91, 29.50], [120.91, 29.51], [120.90, 29.50]]
    beijing = [[116.30, 39.90], [116.31, 39.90], [116.31, 39.91], [116.30, 39.90]]
    cases = [
        ([_grid("G1", villages[0].code, good), _grid("G2", "999", good)], "第 2 个"),
        ([_grid("G1", villages[0].code, beijing)], "浙江"),
        ([_grid("G1", villages[0].code, good[:2])], "第 1 个"),
    ]
    for features, message in cases:
        with pytest.raises(InvalidInput, match=message):
            import_grids(session, {"type": "FeatureCollection", "features": features})
    assert count_by_level(session)["grid"] == 0
