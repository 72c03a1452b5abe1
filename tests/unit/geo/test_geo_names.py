"""Short forms and normalisation of real Zhejiang place names."""

import pytest

from pingan.geo.names import display_name, normalise_name, short_forms


@pytest.mark.parametrize(
    ("name", "level", "expected"),
    [
        ("浙江省", "province", ["浙江省", "浙江"]),
        ("绍兴市", "city", ["绍兴市", "绍兴"]),
        ("新昌县", "county", ["新昌县", "新昌"]),
        ("柯桥区", "county", ["柯桥区", "柯桥"]),
        ("龙泉市", "county", ["龙泉市", "龙泉"]),
        ("景宁畲族自治县", "county", ["景宁畲族自治县", "景宁县", "景宁"]),
        ("南明街道", "town", ["南明街道", "南明"]),
        ("儒岙镇", "town", ["儒岙镇", "儒岙"]),
        ("新昌乡", "town", ["新昌乡", "新昌"]),
        ("莪山畲族乡", "town", ["莪山畲族乡", "莪山乡", "莪山"]),
        ("高钱村村委会", "village", ["高钱村村委会", "高钱村", "高钱"]),
        ("达篷村民委员会", "village", ["达篷村民委员会", "达篷村", "达篷"]),
        ("东山社区居委会", "village", ["东山社区居委会", "东山社区", "东山"]),
        ("南山社区居民委员会", "village", ["南山社区居民委员会", "南山社区", "南山"]),
        ("清波门社区", "village", ["清波门社区", "清波门"]),
        ("萧山经济技术开发区", "town", ["萧山经济技术开发区", "萧山经开区", "萧山开发区"]),
        ("滨海新区管委会", "town", ["滨海新区管委会", "滨海新区"]),
    ],
)
def test_short_forms_are_what_people_write(name: str, level: str, expected: list[str]) -> None:
    assert short_forms(name, level) == expected


def test_short_forms_never_have_a_single_character() -> None:
    assert short_forms("梵村", "village") == ["梵村"]
    assert short_forms("八村村民委员会", "village") == ["八村村民委员会", "八村"]
    assert short_forms("沙镇", "town") == ["沙镇"]
    assert short_forms("市辖区", "county") == ["市辖区"]


def test_a_zone_does_not_shorten_to_its_county_name() -> None:
    # "萧山" alone means 萧山区, not the development zone
    assert "萧山" not in short_forms("萧山经济技术开发区", "town")


def test_normalise_name_handles_width_spaces_and_rare_characters() -> None:
    assert normalise_name(" 新昌县 ") == "新昌县"
    assert normalise_name("ＡＢ村") == "AB村"
    assert normalise_name("干𬒗镇") == normalise_name("干览镇")
    assert normalise_name("鿎石街道") == "石达石街道"


def test_display_name_shortens_committee_titles_but_keeps_official_characters() -> None:
    assert display_name("高钱村村委会", "village") == "高钱村"
    assert display_name("闪坑村委会", "village") == "闪坑村"
    assert display_name("桥下居委会", "village") == "桥下社区"
    assert display_name("东兴生活区", "village") == "东兴生活区"
    assert display_name("干𬒗镇", "town") == "干𬒗镇"
