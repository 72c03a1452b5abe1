"""Rules as data: the shipped file covers every call type; mistakes are reported by line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pingan.routing.engine import route
from pingan.routing.rules import default_rules, load_rules, markdown_table
from pingan.routing.tomlfile import ConfigError
from pingan.taxonomy import call_types

from .geography import FakeUnits, fake_geography

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "routing.md"


def test_every_call_type_has_a_province_wide_rule() -> None:
    rules = default_rules()
    uncovered = [
        code
        for code in call_types()
        if not any(not r.places and r.hours is None for r in rules.candidates(code))
    ]
    assert uncovered == []


def test_shipped_rules_have_no_rule_that_can_never_win() -> None:
    assert default_rules().warnings == ()


@pytest.mark.parametrize(
    ("code", "lead", "assist"),
    [
        ("600200", "power_supply", ()),
        ("600600", "urban_management", ("town_government",)),
        ("601300", "water_supply", ("gas_supply",)),
        ("609900", "town_government", ("village_committee",)),
        ("200200", "police_station", ("village_committee", "mediation_centre")),
        ("400100", "fire_rescue", ("police_station",)),
        ("300100", "traffic_police", ("police_station",)),
        ("500400", "police_station", ("fire_rescue", "rescue_team")),
        ("500600", "police_station", ("health",)),
        ("100100", "police_station", ()),
    ],
)
def test_shipped_rules_send_each_matter_to_its_owner(
    code: str, lead: str, assist: tuple[str, ...]
) -> None:
    winner = default_rules().candidates(code)[0]
    assert (winner.lead, winner.assists) == (lead, assist)


def test_docs_show_the_shipped_rules_table() -> None:
    assert markdown_table(default_rules()) in DOCS.read_text(encoding="utf-8")


GOOD = """\
version = "t1"

[[rule]]
name = "电力抢修"
match = { code = "600200" }
lead = "power_supply"
"""


def test_a_misspelt_unit_type_names_the_line_and_suggests_the_right_one() -> None:
    text = GOOD + '\n[[rule]]\nname = "治安"\nmatch = { group = "20" }\nlead = "polce_station"\n'
    with pytest.raises(ConfigError) as caught:
        load_rules(text)
    (message,) = caught.value.errors
    assert message.startswith("rules.toml 第 11 行：lead 的单位类型 'polce_station' 不存在")
    assert "是否想写 'police_station'" in message
    assert "可选：police_station（派出所）" in message


def test_all_errors_are_reported_at_once_in_line_order() -> None:
    text = """\
version = "t1"

[[rule]]
name = "甲"
match = { code = "600201" }
lead = "power_supply"
colour = "red"

[[rule]]
name = "乙"
match = { group = "60" }
hours = "25:00-06:00"
lead = "health"
assist = ["health", "nobody"]
places = ["33x"]
"""
    with pytest.raises(ConfigError) as caught:
        load_rules(text)
    errors = caught.value.errors
    assert [e.split("：", 1)[0] for e in errors] == [
        "rules.toml 第 5 行",
        "rules.toml 第 7 行",
        "rules.toml 第 12 行",
        "rules.toml 第 14 行",
        "rules.toml 第 14 行",
        "rules.toml 第 15 行",
    ]
    assert "代码 '600201' 不在 110 警情类别表中（是否想写 '600200'？）" in errors[0]
    assert "未知的键 'colour'" in errors[1]
    assert "hours '25:00-06:00' 格式不对" in errors[2]
    assert "'health' 已是主办单位" in errors[3]
    assert "'nobody' 不存在" in errors[4]


def test_broken_toml_names_the_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(GOOD + "\n[[rule]]\nname = 电力\n")
    assert caught.value.errors[0].startswith("rules.toml 第 9 行：不是有效的 TOML")


def test_match_must_name_exactly_one_kind() -> None:
    text = GOOD.replace('{ code = "600200" }', '{ code = "600200", group = "60" }')
    with pytest.raises(ConfigError, match="第 5 行：match 须恰好有一个键"):
        load_rules(text)


def test_version_changes_with_content_but_not_with_comments_or_spacing() -> None:
    base = load_rules(GOOD)
    assert base.version.startswith("t1+") and len(base.version) == len("t1+") + 8
    assert load_rules("# a comment\n" + GOOD.replace(" = ", "=")).version == base.version
    assert load_rules(GOOD.replace("power_supply", "telecom")).version != base.version


def test_a_path_is_read_and_its_file_name_used_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "county.toml"
    path.write_text(GOOD.replace("power_supply", "powr_supply"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"county\.toml 第 6 行"):
        load_rules(path)


PRECEDENCE = """\
version = "p1"

[[rule]]
name = "任意"
match = { any = true }
lead = "command_centre"

[[rule]]
name = "社会联动"
match = { group = "60" }
lead = "town_government"

[[rule]]
name = "城管"
match = { code = "600600" }
lead = "urban_management"

[[rule]]
name = "绍兴城管"
match = { code = "600600" }
places = ["3306"]
lead = "market_regulation"

[[rule]]
name = "新昌城管"
match = { code = "600600" }
places = ["330624"]
lead = "town_government"

[[rule]]
name = "新昌夜间城管"
match = { code = "600600" }
places = ["330624"]
hours = "22:00-06:00"
lead = "police_station"

[[rule]]
name = "新昌城管（重复）"
match = { code = "600600" }
places = ["330624"]
lead = "village_committee"
"""


def _lead_type(code: str, place: str, at: dt.datetime) -> str | None:
    geo = fake_geography()
    units = FakeUnits()
    for county in geo.counties:
        for unit_type in (
            "command_centre",
            "town_government",
            "urban_management",
            "market_regulation",
            "police_station",
            "village_committee",
        ):
            units.add(unit_type, county, f"{county}-{unit_type}")
    decision = route(code, geo.chain(place), at=at, rules=load_rules(PRECEDENCE), units_for=units)
    return decision.lead_type


def test_exact_code_beats_group_beats_any() -> None:
    hangzhou = "330124001001"
    assert _lead_type("100100", hangzhou, NOON) == "command_centre"
    assert _lead_type("600200", hangzhou, NOON) == "town_government"
    assert _lead_type("600600", hangzhou, NOON) == "urban_management"


def test_longer_place_prefix_beats_shorter_and_none() -> None:
    assert _lead_type("600600", "330625001001", NOON) == "market_regulation"  # 绍兴市, not 新昌
    assert _lead_type("600600", "330624001001", NOON) == "town_government"  # 新昌县


def test_a_rule_with_hours_wins_only_inside_its_hours_which_may_wrap_midnight() -> None:
    xinchang = "330624002003"
    assert _lead_type("600600", xinchang, NOON.replace(hour=23, minute=30)) == "police_station"
    assert _lead_type("600600", xinchang, NOON.replace(hour=5, minute=59)) == "police_station"
    assert _lead_type("600600", xinchang, NOON.replace(hour=6, minute=0)) == "town_government"
    utc_late = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # 23:00 in Shanghai
    assert _lead_type("600600", xinchang, utc_late) == "police_station"


def test_ties_go_to_the_earlier_rule_and_the_later_one_is_flagged() -> None:
    rules = load_rules(PRECEDENCE)
    assert _lead_type("600600", "330624001001", NOON) == "town_government"
    assert len(rules.warnings) == 1
    assert "规则「新昌城管（重复）」永远不会生效" in rules.warnings[0]
    assert rules.warnings[0].startswith("rules.toml 第 37 行")
    assert "请删除或合并" in rules.warnings[0]


def test_a_county_group_override_hidden_by_code_rules_is_flagged_with_the_fix() -> None:
    text = GOOD + (
        '\n[[rule]]\nname = "新昌社会联动"\nmatch = { group = "60" }\n'
        'places = ["330624"]\nlead = "town_government"\n'
    )
    extra = "".join(
        f'\n[[rule]]\nname = "r{code}"\nmatch = {{ code = "{code}" }}\nlead = "town_government"\n'
        for code in call_types()
        if code.startswith("60") and code != "600200"
    )
    warnings = load_rules(text + extra).warnings
    assert len(warnings) == 1
    assert "「新昌社会联动」永远不会生效" in warnings[0]
    assert "请写出具体代码" in warnings[0]
