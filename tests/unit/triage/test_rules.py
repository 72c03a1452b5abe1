"""Danger rules beat the model and respect negation; amount and injury rules pick the code."""

from __future__ import annotations

import pytest

from pingan.triage.decide import triage
from pingan.triage.rules import danger_hits

from .conftest import fixed_model

CALM_NON_POLICE = fixed_model("600600")  # the model is sure it is 城管执法, urgency 4


def rule_names(text: str) -> set[str]:
    return {hit.rule for hit in danger_hits(text)}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("楼下有个男的拿着菜刀在追人", "weapon"),
        ("隔壁厨房起火了，火很大", "fire"),
        ("电梯停了，有人被困在里面", "trapped"),
        ("有个小孩落水了", "drowning"),
        ("我朋友说要跳楼，人在天台", "suicide"),
        ("老公正在打我，救命", "domestic_violence_now"),
        ("我家6岁孩子在公园走失了", "missing_child_or_elder"),
        ("小偷还在店里，正在撬收银台", "crime_in_progress"),
    ],
)
def test_each_danger_signal_sets_urgency_one_whatever_the_model_says(text: str, rule: str) -> None:
    result = triage(text, model=CALM_NON_POLICE, resolve_place=False)
    assert result.urgency == 1
    assert result.police is True
    assert rule in {e["name"] for e in result.evidence if e["kind"] == "rule"}


@pytest.mark.parametrize(
    "text",
    [
        "两车追尾，无人受伤",
        "闻到焦味，检查了没有起火",
        "厨房油锅起火，现已扑灭",
        "老人走失，现在已经找到了",
    ],
)
def test_negated_or_finished_danger_does_not_raise_urgency(text: str) -> None:
    assert rule_names(text) == set()
    assert triage(text, model=CALM_NON_POLICE, resolve_place=False).urgency == 4


@pytest.mark.parametrize(
    ("model_code", "text", "expected"),
    [
        ("201000", "电动车被偷了，价值5000元", "100100"),
        ("100100", "电动车电瓶被偷了，价值800元", "201000"),
        ("201000", "入户盗窃，丢了200元现金", "100100"),
        ("201000", "在公交车上被扒窃了手机", "100100"),
        ("201200", "刷单被骗两万元", "100600"),
        ("100600", "网购被骗了300块", "201200"),
        ("200100", "两人打架，一方被打成骨折", "100500"),
        ("100500", "两人打架，只是皮外伤", "200100"),
    ],
)
def test_explicit_amounts_and_injuries_decide_criminal_or_public_order(
    model_code: str, text: str, expected: str
) -> None:
    partner = {"100100": "201000", "201000": "100100", "100600": "201200", "201200": "100600"}
    partner |= {"100500": "200100", "200100": "100500"}
    result = triage(text, model=fixed_model(model_code, partner[model_code]), resolve_place=False)
    assert result.code == expected
    assert result.confidence > 0.99  # the rule decides within the pair


def test_theft_without_an_amount_keeps_the_model_answer() -> None:
    result = triage("电动车被偷了", model=fixed_model("201000", "100100"), resolve_place=False)
    assert result.code == "201000"


def test_non_police_answer_names_the_owner() -> None:
    result = triage("楼下有人占道经营", model=CALM_NON_POLICE, resolve_place=False)
    assert (result.police, result.department, result.urgency) == (False, "urban_management", 4)


@pytest.mark.parametrize(
    "text",
    [
        "去年在工地干活时受伤，单位至今不赔医药费",
        "2019年5月被人持刀砍伤，凶手至今没有抓到",
        "三年前孩子走失，至今没有找到",
        "附近工厂每天晚上冒浓烟，气味很大",
        "化工厂烟囱一直冒浓烟",
        "工地的钢管和铁棍堆在人行道上",
        "我的材料卡在审批环节，一直办不下来",
        "长期被噪音困扰，被困扰了很久",
    ],
)
def test_past_or_recurring_matters_are_not_a_danger_now(text: str) -> None:
    result = triage(text, model=CALM_NON_POLICE, resolve_place=False)
    assert result.police is False
    assert result.urgency >= 3
    assert not any(hit.keeps_police for hit in danger_hits(text))


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("楼下有人摔倒受伤了", 2),
        ("工人受伤后已送医院治疗，老板不肯出医药费", 3),
        ("老人摔伤骨折，已经住院", 3),
    ],
)
def test_an_injury_raises_urgency_by_its_state_but_does_not_call_the_police(
    text: str, urgency: int
) -> None:
    result = triage(text, model=CALM_NON_POLICE, resolve_place=False)
    assert result.urgency == urgency
    assert result.police is False


@pytest.mark.parametrize(
    "text",
    ["路边有人昏迷不醒，叫不醒", "他拿着钢管在砸车", "刚才有人持刀在超市门口", "现在楼道里冒浓烟"],
)
def test_danger_now_still_keeps_the_police(text: str) -> None:
    result = triage(text, model=CALM_NON_POLICE, resolve_place=False)
    assert (result.police, result.urgency) == (True, 1)


def test_a_dagger_is_a_weapon() -> None:
    from pingan.triage import triage

    result = triage("他掏出匕首威胁我")
    assert result.urgency == 1
    assert any(e.get("name") == "weapon" for e in result.evidence)
