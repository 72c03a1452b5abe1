"""Routing decisions: the unit that owns the matter, the fallback up the tree, and the reasons."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pingan.routing.engine import PlaceRef, route
from pingan.routing.rules import default_rules, load_rules

from .geography import FakeUnits, fake_geography

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 5, 6, 10, 30, tzinfo=SHANGHAI)
GEO = fake_geography()
VILLAGE = "330624001002"  # 新昌县南明街道西村


def test_power_cut_goes_to_the_county_power_company_and_says_why_it_went_up_the_tree() -> None:
    units = FakeUnits()
    company = units.add("power_supply", "330624", "新昌县供电公司")
    decision = route("600200", GEO.chain(VILLAGE), at=AT, rules=default_rules(), units_for=units)
    assert decision.lead == company
    assert decision.matched_place == PlaceRef("330624", "新昌县")
    assert not decision.unroutable
    assert decision.reason == (
        "电力抢修（600200）按规则「电力抢修」由供电单位主办：新昌县南明街道西村、新昌县南明街道"
        "无供电单位，上溯至新昌县，由新昌县供电公司主办"
    )
    unit_steps = [s for s in decision.trace if s.kind == "unit"]
    assert unit_steps[0].chosen
    assert "新昌县南明街道无供电单位，上溯至新昌县" in unit_steps[0].why


def test_the_nearest_level_wins_and_other_units_there_are_shown_as_not_chosen() -> None:
    units = FakeUnits()
    units.add("police_station", "330624", "新昌县公安局城区所")
    first = units.add("police_station", "330624001", "南明派出所")
    units.add("police_station", "330624001", "南明派出所二中队")
    committee = units.add("village_committee", VILLAGE, "西村村委会")
    centre = units.add("mediation_centre", "330624", "新昌县矛调中心")
    decision = route("200200", GEO.chain(VILLAGE), at=AT, rules=default_rules(), units_for=units)
    assert decision.lead == first
    assert decision.assists == (committee, centre)
    assert [(s.subject, s.chosen) for s in decision.trace if s.kind == "unit"] == [
        ("南明派出所", True),
        ("南明派出所二中队", False),
        ("西村村委会", True),
        ("新昌县矛调中心", True),
    ]
    assert "协办：西村村委会、新昌县矛调中心" in decision.reason
    assert ("police_station", "330624") not in units.asked  # stops at the first level with a unit


def test_the_winning_rule_and_why_the_others_lost_are_in_the_trace() -> None:
    units = FakeUnits()
    units.add("police_station", "330624001", "南明派出所")
    decision = route("200200", GEO.chain(VILLAGE), at=AT, rules=default_rules(), units_for=units)
    rule_steps = [(s.subject, s.chosen, s.why) for s in decision.trace if s.kind == "rule"]
    assert rule_steps[0][:2] == ("治安纠纷", True)
    assert rule_steps[1][:2] == ("治安案件", False)
    assert "按大类匹配，不如「治安纠纷」按精确代码匹配具体" in rule_steps[1][2]
    assert decision.rule == "治安纠纷"
    assert decision.rules_version == default_rules().version


def test_a_missing_assisting_unit_is_reported_but_does_not_block_the_lead() -> None:
    units = FakeUnits()
    units.add("police_station", "330624001", "南明派出所")
    decision = route("200200", GEO.chain(VILLAGE), at=AT, rules=default_rules(), units_for=units)
    assert not decision.unroutable
    assert "未找到协办单位：村（居）民委员会、矛调中心" in decision.reason


def test_no_unit_anywhere_is_unroutable_with_the_reason() -> None:
    decision = route(
        "600600", GEO.chain(VILLAGE), at=AT, rules=default_rules(), units_for=FakeUnits()
    )
    assert decision.unroutable and decision.lead is None
    assert decision.rule == "城管执法"
    assert decision.reason == (
        "城管执法（600600）按规则「城管执法」应由综合行政执法（城管）部门主办，但没有综合行政执法"
        "（城管）部门覆盖新昌县南明街道西村或其上级区划，转调度员人工分派"
    )


def test_a_code_without_a_rule_is_unroutable_and_names_the_rules_version() -> None:
    rules = load_rules(
        'version = "x"\n[[rule]]\nname = "电力"\n'
        'match = { code = "600200" }\nlead = "power_supply"\n'
    )
    decision = route("100100", GEO.chain(VILLAGE), at=AT, rules=rules, units_for=FakeUnits())
    assert decision.unroutable
    assert decision.reason.startswith("盗窃案（100100）没有适用的路由规则")
    assert rules.version in decision.reason


def test_an_unknown_code_is_unroutable() -> None:
    decision = route(
        "123456", GEO.chain(VILLAGE), at=AT, rules=default_rules(), units_for=FakeUnits()
    )
    assert decision.unroutable
    assert "'123456' 不在 110 警情类别表中" in decision.reason


def test_an_unknown_place_is_unroutable() -> None:
    decision = route("100100", [], at=AT, rules=default_rules(), units_for=FakeUnits())
    assert decision.unroutable
    assert "事发地点不明" in decision.reason


def test_a_county_override_applies_only_in_that_county() -> None:
    text = (
        'version = "c1"\n'
        '[[rule]]\nname = "城管执法"\nmatch = { code = "600600" }\nlead = "urban_management"\n'
        '[[rule]]\nname = "新昌城管进镇街"\nmatch = { code = "600600" }\nplaces = ["330624"]\n'
        'lead = "town_government"\nnote = "新昌县城管执法下沉镇街"\n'
    )
    rules = load_rules(text)
    units = FakeUnits()
    for town in GEO.towns:
        units.add("town_government", town, f"{town}镇街")
    for county in GEO.counties:
        units.add("urban_management", county, f"{county}城管")
    inside = route("600600", GEO.chain(VILLAGE), at=AT, rules=rules, units_for=units)
    outside = route("600600", GEO.chain("330625001001"), at=AT, rules=rules, units_for=units)
    assert inside.lead is not None and inside.lead.name == "330624001镇街"
    assert inside.reason.endswith("（适用区划 330624）")
    assert outside.lead is not None and outside.lead.name == "330625城管"


def test_decision_serialises_to_json() -> None:
    units = FakeUnits()
    units.add("power_supply", "330624", "新昌县供电公司")
    decision = route("600200", GEO.chain(VILLAGE), at=AT, rules=default_rules(), units_for=units)
    data = json.loads(json.dumps(decision.to_dict(), ensure_ascii=False))
    assert data["lead"] == {"id": 1, "name": "新昌县供电公司", "type": "power_supply"}
    assert data["matched_place"] == {"code": "330624", "name": "新昌县"}
    assert data["trace"][-1]["kind"] == "result"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        route(
            "100100",
            GEO.chain(VILLAGE),
            at=dt.datetime(2026, 1, 1),
            rules=default_rules(),
            units_for=FakeUnits(),
        )
