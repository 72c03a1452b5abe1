"""Address understanding: the place a call-taker would read out of an address or a description."""

from pathlib import Path

import pytest

from pingan.geo.address import (
    Gazetteer,
    UserPlacesError,
    default_gazetteer,
    load_user_places,
    resolve_address,
)
from pingan.geo.coords import gcj02_to_wgs84
from pingan.geo.places_file import UnknownPlaceError, load_former_divisions, load_place_tree

XINCHANG = "330624"
WENLING = "331081"
TIANTAI = "331023"


def test_full_address_resolves_to_town_with_point() -> None:
    match = resolve_address("浙江省绍兴市新昌县南明街道七星路88号")

    assert match is not None
    assert (match.province, match.city, match.county, match.town) == (
        "浙江省",
        "绍兴市",
        "新昌县",
        "南明街道",
    )
    assert match.code == "330624001"
    assert match.level == "town"
    assert match.span == "浙江省绍兴市新昌县南明街道"
    assert match.lon is not None and 120 < match.lon < 121.5
    assert match.lat is not None and 29 < match.lat < 30
    assert 0.5 < match.score <= 1


def test_short_forms_without_suffixes_are_understood() -> None:
    match = resolve_address("绍兴新昌南明七星路")

    assert match is not None
    assert (match.city, match.county, match.town) == ("绍兴市", "新昌县", "南明街道")
    assert "新昌→新昌县" in match.evidence


def test_address_inside_an_incident_description() -> None:
    match = resolve_address("报警人称在柯桥区华舍街道某小区门口被人打了，要求民警到场")

    assert match is not None
    assert (match.county, match.town) == ("柯桥区", "华舍街道")
    assert match.span == "柯桥区华舍街道"


def test_a_road_named_after_a_place_is_not_that_place() -> None:
    # 新昌 has a 七星街道, but 七星路 is a road: the town stays unknown.
    match = resolve_address("新昌县七星路某小区")

    assert match is not None
    assert match.county == "新昌县"
    assert match.town is None


@pytest.mark.parametrize(
    ("text", "county", "former"),
    [
        ("杭州市江干区九堡街道", "上城区", "江干区→上城区（2021年撤销）"),
        ("下城区朝晖街道某小区", "拱墅区", "下城区→拱墅区（2021年撤销）"),
        ("宁波市江东区百丈街道", "鄞州区", "江东区→鄞州区（2016年撤销）"),
        ("绍兴县柯桥镇", "柯桥区", "绍兴县→柯桥区（2013年更名）"),
    ],
)
def test_former_districts_resolve_to_todays(text: str, county: str, former: str) -> None:
    match = resolve_address(text)

    assert match is not None
    assert match.county == county
    assert former in match.evidence


def test_town_that_moved_county_is_placed_where_it_is_today() -> None:
    match = resolve_address("宁波市鄞州区高桥镇新丰路")

    assert match is not None
    assert (match.county, match.town) == ("海曙区", "高桥镇")
    assert "高桥镇：原属鄞州区，今属海曙区" in match.evidence


@pytest.mark.parametrize(("county", "code"), [("温岭市", "331081002"), ("东阳市", "330783005")])
def test_ambiguous_town_is_resolved_by_the_county_written(county: str, code: str) -> None:
    match = resolve_address(f"{county}城东街道某某路")

    assert match is not None
    assert match.code == code
    assert f"城东街道：据{county}确定" in match.evidence


def test_ambiguous_town_alone_is_not_guessed() -> None:
    # Five counties have a 城东街道; without a county or a default there is nothing to go on.
    assert resolve_address("城东街道某小区") is None


def test_ambiguous_town_is_resolved_by_the_default_place() -> None:
    match = resolve_address("城东街道某小区楼下有人吵架", default_place=WENLING)

    assert match is not None
    assert (match.county, match.town) == ("温岭市", "城东街道")
    assert "城东街道：据默认辖区确定" in match.evidence


def test_bare_town_name_counts_inside_the_default_county() -> None:
    match = resolve_address("儒岙有人打架", default_place=XINCHANG)

    assert match is not None
    assert match.town == "儒岙镇"
    assert resolve_address("儒岙有人打架") is None


def test_nothing_named_falls_back_to_the_default_place() -> None:
    match = resolve_address("七星路某小区3幢楼下有人吵架", default_place=XINCHANG)

    assert match is not None
    assert match.county == "新昌县"
    assert match.level == "county"
    assert match.code == XINCHANG
    assert match.evidence == ["默认辖区"]
    assert match.span == ""


def test_no_name_and_no_default_gives_nothing() -> None:
    assert resolve_address("有人在楼下吵架") is None


def test_unknown_default_place_is_reported() -> None:
    with pytest.raises(UnknownPlaceError):
        resolve_address("七星路", default_place="999999")


def test_common_word_needs_context() -> None:
    # 天台 is a rooftop as much as a county.
    assert resolve_address("有人在天台上要跳楼") is None
    match = resolve_address("有人在天台上要跳楼", default_place=TIANTAI)
    assert match is not None and match.county == "天台县"
    match = resolve_address("台州天台平桥镇")
    assert match is not None and (match.county, match.town) == ("天台县", "平桥镇")


@pytest.mark.parametrize(
    "text",
    [
        "江西省南昌市西湖区北京西路88号",
        "南昌市西湖区某小区",
        "上海市普陀区曹杨路100号",
        "福建省福州市鼓楼区五一北路",
    ],
)
def test_addresses_outside_zhejiang_are_not_placed_in_zhejiang(text: str) -> None:
    assert resolve_address(text) is None
    assert resolve_address(text, default_place=XINCHANG) is None


def test_same_district_name_inside_zhejiang_is_kept() -> None:
    match = resolve_address("舟山市普陀区沈家门街道")

    assert match is not None
    assert (match.city, match.county) == ("舟山市", "普陀区")


def test_to_dict_has_exactly_the_documented_keys() -> None:
    match = resolve_address("新昌县南明街道")

    assert match is not None
    assert set(match.to_dict()) == {
        "province",
        "city",
        "county",
        "town",
        "village",
        "code",
        "level",
        "span",
        "lon",
        "lat",
        "score",
        "evidence",
        "poi",
    }


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_user_poi_is_matched_and_its_gcj02_point_converted(tmp_path: Path) -> None:
    csv_path = _write(
        tmp_path / "places.csv",
        "name,kind,place_code,lon,lat,coord_system\n"
        "七星花园小区,community,330624003,120.905,29.505,gcj02\n"
        "大佛寺景区停车场,poi,330624001,120.88,29.49,wgs84\n",
    )
    places = load_user_places(csv_path)
    gazetteer = Gazetteer(load_place_tree(), load_former_divisions(), user_places=places)

    match = gazetteer.match("报警人称七星花园门口有人打架")

    assert match is not None
    assert match.poi == "七星花园小区"
    assert (match.county, match.town) == ("新昌县", "七星街道")
    assert match.code == "330624003"
    expected = gcj02_to_wgs84(120.905, 29.505)
    assert match.lon == pytest.approx(expected[0], abs=1e-7)
    assert match.lat == pytest.approx(expected[1], abs=1e-7)
    assert match.lon != pytest.approx(120.905, abs=1e-4)  # the GCJ-02 offset was removed

    parking = gazetteer.match("大佛寺景区停车场车辆被刮", default_place=XINCHANG)
    assert parking is not None and parking.poi == "大佛寺景区停车场"
    assert (parking.lon, parking.lat) == (120.88, 29.49)


def test_bad_user_place_rows_are_all_reported_with_line_numbers(tmp_path: Path) -> None:
    csv_path = _write(
        tmp_path / "places.csv",
        "name,kind,place_code,lon,lat\n"
        "好地方,shop,330624001,120.9,29.5\n"
        "另一处,poi,123,120.9,29.5\n"
        "第三处,road,330624001,abc,29.5\n"
        "正常的,road,330624001,,\n",
    )

    with pytest.raises(UserPlacesError) as raised:
        load_user_places(csv_path)

    errors = raised.value.errors
    assert len(errors) == 3
    assert errors[0].startswith("line 2: kind 'shop'")
    assert errors[1].startswith("line 3: place_code '123'")
    assert errors[2].startswith("line 4: lon/lat")


def test_default_gazetteer_is_built_once() -> None:
    assert default_gazetteer() is default_gazetteer()
