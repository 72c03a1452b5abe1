"""The shipped Zhejiang gazetteer and the PlaceTree over it."""

import gzip
from pathlib import Path

import pytest

from pingan.geo.coords import gcj02_to_wgs84, haversine_m
from pingan.geo.places_file import (
    LEVELS,
    PlaceRecord,
    PlaceTree,
    UnknownPlaceError,
    load_boundaries,
    load_former_divisions,
    load_place_tree,
    load_places,
)


@pytest.fixture(scope="module")
def tree() -> PlaceTree:
    return load_place_tree()


def test_gazetteer_has_every_level_of_zhejiang(tree: PlaceTree) -> None:
    stats = tree.stats()
    assert stats["province"] == 1
    assert stats["city"] == 11
    assert stats["county"] == 90
    assert stats["town"] >= 1360
    assert stats["village"] >= 25000
    assert list(stats) == list(LEVELS)


def test_every_town_hangs_under_a_county(tree: PlaceTree) -> None:
    towns = [r for r in load_places() if r.level == "town"]
    assert {tree.get(t.parent_code or "").level for t in towns} == {"county"}
    assert all(t.code.startswith(t.parent_code or "-") for t in towns)


def test_every_village_hangs_under_a_town_except_the_few_without_one(tree: PlaceTree) -> None:
    villages = [r for r in load_places() if r.level == "village"]
    parent_levels = [tree.get(v.parent_code or "").level for v in villages]
    under_county = [
        v for v, level in zip(villages, parent_levels, strict=True) if level == "county"
    ]
    assert set(parent_levels) == {"town", "county"}
    # 龙港市 has no towns; NBS development zones and farms are not MCA towns
    assert len(under_county) < 200
    assert sum(1 for v in under_county if v.parent_code == "330383") >= 100


def test_xinchang_is_found_by_its_short_name_county_first(tree: PlaceTree) -> None:
    found = tree.find_by_name("新昌")
    assert found[0].code == "330624"
    assert found[0].name == "新昌县"
    # 常山县新昌乡 is also called 新昌
    assert "330822208" in [r.code for r in found]
    only_towns = tree.find_by_name("新昌", level="town")
    assert [r.name for r in only_towns] == ["新昌乡"]


def test_find_by_name_under_a_county_narrows_ambiguous_names(tree: PlaceTree) -> None:
    everywhere = tree.find_by_name("城东街道")
    assert len(everywhere) > 3
    in_wenling = tree.find_by_name("城东街道", under="331081")
    assert [r.code for r in in_wenling] == ["331081002"]
    assert tree.find_by_name("儒岙", under="330624")[0].name == "儒岙镇"
    assert tree.find_by_name("高钱村村委会")[0].name == "高钱村"


def test_ancestors_of_a_village_run_from_the_province_down(tree: PlaceTree) -> None:
    chain = tree.ancestors("330102001051")  # 清波门社区
    assert [r.name for r in chain] == ["浙江省", "杭州市", "上城区", "清波街道"]
    assert tree.is_within("330102001051", "330100")
    assert not tree.is_within("330102001051", "330200")
    assert tree.parent("330000") is None


def test_descendants_of_a_county_by_level(tree: PlaceTree) -> None:
    towns = tree.descendants("330624", level="town")  # 新昌县
    assert "儒岙镇" in [t.name for t in towns]
    assert all(t.parent_code == "330624" for t in towns)
    villages = tree.descendants("330624", level="village")
    assert len(villages) > 100
    assert all(tree.is_within(v.code, "330624") for v in villages)


def test_towns_recoded_by_mca_are_found_by_their_nbs_code(tree: PlaceTree) -> None:
    town = tree.get_by_nbs_code("330624002")
    assert town is not None
    assert (town.code, town.name) == ("330624001", "南明街道")


def test_unknown_code_gives_a_clear_error(tree: PlaceTree) -> None:
    with pytest.raises(UnknownPlaceError, match="no division with code '999999'"):
        tree.get("999999")
    assert tree.get_or_none("999999") is None


def test_wuzhen_point_is_in_wgs84_where_the_town_is(tree: PlaceTree) -> None:
    wuzhen = tree.get("330483100")
    assert wuzhen.name == "乌镇镇"
    assert wuzhen.point is not None
    assert haversine_m(*wuzhen.point, 120.483, 30.742) < 3000
    # the source point is GCJ-02 (120.487635, 30.742671): the shipped one must be converted
    assert haversine_m(*wuzhen.point, *gcj02_to_wgs84(120.487635, 30.742671)) < 1
    assert haversine_m(*wuzhen.point, 120.487635, 30.742671) > 300


def test_most_towns_have_a_point_near_their_county(tree: PlaceTree) -> None:
    towns = tree.descendants("330000", level="town")
    with_point = [t for t in towns if t.point is not None]
    assert len(with_point) > 0.85 * len(towns)
    for town in with_point:
        county = tree.get(town.parent_code or "")
        assert county.point is not None
        assert haversine_m(*town.point, *county.point) < 120_000, town  # type: ignore[misc]


def test_boundaries_cover_every_city_and_county(tree: PlaceTree) -> None:
    features = load_boundaries()["features"]
    by_level: dict[str, set[str]] = {"city": set(), "county": set()}
    for feature in features:
        props = feature["properties"]
        assert tree.get(props["code"]).level == props["level"]
        by_level[props["level"]].add(props["code"])
    assert len(by_level["city"]) == 11
    assert by_level["county"] == {r.code for r in tree.descendants("330000", level="county")}


@pytest.mark.parametrize(
    ("former", "current_code", "current_name"),
    [
        ("江干区", "330102", "上城区"),
        ("下城区", "330105", "拱墅区"),
        ("江东区", "330212", "鄞州区"),
        ("绍兴县", "330603", "柯桥区"),
        ("上虞市", "330604", "上虞区"),
        ("富阳市", "330111", "富阳区"),
        ("临安市", "330112", "临安区"),
        ("奉化市", "330213", "奉化区"),
        ("洞头县", "330305", "洞头区"),
        ("大江东", "330114", "钱塘区"),
        ("下沙", "330114", "钱塘区"),
    ],
)
def test_former_names_map_to_todays_division(
    tree: PlaceTree, former: str, current_code: str, current_name: str
) -> None:
    rows = [r for r in load_former_divisions() if r.former_name == former]
    assert rows, former
    assert rows[0].current_code == current_code
    assert tree.get(current_code).name == current_name


def test_every_former_division_points_at_an_existing_division(tree: PlaceTree) -> None:
    rows = load_former_divisions()
    assert len(rows) > 50
    assert all(r.current_code in tree for r in rows)
    yuhang_parts = {r.current_code for r in rows if r.former_name == "余杭区"}
    assert "330113" in yuhang_parts  # 临平区
    # towns of abolished districts keep their names under the new district
    kaixuan = next(r for r in rows if r.former_name == "凯旋街道")
    assert tree.get(kaixuan.current_code).parent_code == "330102"


def test_load_places_reads_a_file_of_fake_geography(tmp_path: Path) -> None:
    path = tmp_path / "places.csv.gz"
    rows = [
        "code,parent_code,level,name,nbs_code,lon,lat",
        "990000,,province,测试省,,,",
        "990100,990000,city,甲乙市,,120.1,30.2",
        "990101001,990100,town,乙镇,990101009,,",
    ]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(rows) + "\n")
    records = load_places(path)
    assert records[1] == PlaceRecord("990100", "990000", "city", "甲乙市", None, 120.1, 30.2)
    fake = PlaceTree(records)
    assert [r.code for r in fake.find_by_name("甲乙")] == ["990100"]
    assert [r.name for r in fake.ancestors("990101001")] == ["测试省", "甲乙市"]
    assert fake.get_by_nbs_code("990101009") == records[2]
    with pytest.raises(ValueError, match="unknown level"):
        PlaceTree([PlaceRecord("1", None, "planet", "地球")])
