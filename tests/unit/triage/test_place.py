"""Place: the address is looked at first, then the text; nothing found gives null."""

from __future__ import annotations

import pytest

from .conftest import fixed_model

address = pytest.importorskip("pingan.geo.address")

from pingan.triage.decide import triage  # noqa: E402

MODEL = fixed_model("200200")


def test_address_is_resolved_into_the_place() -> None:
    result = triage("邻居吵架", address="绍兴市新昌县儒岙镇", model=MODEL)
    assert result.place is not None
    assert result.place["county"] == "新昌县"
    assert result.place == address.resolve_address("绍兴市新昌县儒岙镇").to_dict()


def test_text_is_used_when_the_address_says_nothing_useful() -> None:
    result = triage("杭州市西湖区有人吵架", address="楼下", model=MODEL)
    assert result.place is not None
    assert result.place["county"] == "西湖区"


def test_no_place_anywhere_gives_null() -> None:
    assert triage("有人吵架", model=MODEL).place is None
