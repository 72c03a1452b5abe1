"""Amounts and normalisation: what a call-taker types in any form reads the same."""

from __future__ import annotations

import pytest

from pingan.triage.text import normalise, parse_amounts


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("丢了3000元", [3000.0]),
        ("被骗3千", [3000.0]),
        ("损失2.3万", [23000.0]),
        ("被骗两万元", [20000.0]),
        ("借了他一万二", [12000.0]),
        ("价值人民币1.6万余元", [16000.0]),
        ("手机价值６８９９元", [6899.0]),
        ("三千五百元", [3500.0]),
        ("50块钱", [50.0]),
    ],
)
def test_chinese_and_arabic_amounts_are_read_in_yuan(text: str, yuan: list[float]) -> None:
    assert parse_amounts(text) == yuan


@pytest.mark.parametrize("text", ["共5个人", "两万人参加活动", "2019年3月14日", "3号楼"])
def test_counts_and_dates_are_not_money(text: str) -> None:
    assert parse_amounts(text) == []


def test_full_width_and_half_width_text_look_the_same() -> None:
    assert normalise("ＡＢＣ小区３幢，被骗３０００元") == normalise("abc小区3幢,被骗3000元")


def test_amounts_of_the_same_size_share_a_token_and_the_threshold_splits_them() -> None:
    assert normalise("丢了4200元") == normalise("丢了5600元")
    assert normalise("丢了2900元") != normalise("丢了3100元")
