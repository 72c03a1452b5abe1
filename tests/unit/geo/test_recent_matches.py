"""Remembered address answers: a repeated address is matched once, and answered as before."""

from __future__ import annotations

import pytest

from pingan.geo.address import (
    _FULLWIDTH,
    Gazetteer,
    PlaceMatch,
    RecentMatches,
    _narrow,
    default_gazetteer,
    resolve_address,
)
from pingan.geo.places_file import UnknownPlaceError

XINCHANG = "330624"


class CountingGazetteer:
    """The shipped gazetteer, counting the texts it is asked to match."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.asked: list[str] = []

    def match(self, text: str, default_place: str | None = None) -> PlaceMatch | None:
        self.asked.append(text)
        return self.gazetteer.match(text, default_place)


@pytest.fixture
def counting() -> CountingGazetteer:
    return CountingGazetteer(default_gazetteer())


def remembering(counting: CountingGazetteer, size: int = 3, longest: int = 30) -> RecentMatches:
    return RecentMatches(counting, size=size, longest=longest)  # a stand-in for the gazetteer


def test_a_repeated_address_is_matched_once_and_answered_the_same(
    counting: CountingGazetteer,
) -> None:
    recent = remembering(counting)
    first = recent.match("新昌县七星街道人民路", XINCHANG)
    again = recent.match("新昌县七星街道人民路", XINCHANG)
    assert counting.asked == ["新昌县七星街道人民路"]
    assert first is not None and again is not None
    assert again == first
    assert again == default_gazetteer().match("新昌县七星街道人民路", XINCHANG)


def test_an_answer_changed_by_its_caller_does_not_change_the_next_answer(
    counting: CountingGazetteer,
) -> None:
    recent = remembering(counting)
    recent.match("绍兴新昌南明七星路")
    answer = recent.match("绍兴新昌南明七星路")
    assert answer is not None
    answer.evidence.append("changed")
    assert recent.match("绍兴新昌南明七星路") == default_gazetteer().match("绍兴新昌南明七星路")


def test_no_place_is_remembered_too(counting: CountingGazetteer) -> None:
    recent = remembering(counting)
    assert recent.match("有人在楼下吵架") is None
    assert recent.match("有人在楼下吵架") is None
    assert counting.asked == ["有人在楼下吵架"]


def test_the_default_place_is_part_of_what_is_remembered(counting: CountingGazetteer) -> None:
    recent = remembering(counting)
    assert recent.match("儒岙有人打架") is None
    found = recent.match("儒岙有人打架", XINCHANG)
    assert found is not None and found.county == "新昌县"
    assert len(counting.asked) == 2


def test_only_the_last_few_answers_are_kept(counting: CountingGazetteer) -> None:
    recent = remembering(counting, size=2)
    for text in ("新昌县", "天台县", "新昌县", "温岭市", "新昌县", "天台县"):
        recent.match(text)
    # 新昌县 stays (asked again before it got old); 天台县 was pushed out by 温岭市 and 新昌县.
    assert counting.asked == ["新昌县", "天台县", "温岭市", "天台县"]


def test_long_descriptions_are_matched_every_time(counting: CountingGazetteer) -> None:
    recent = remembering(counting, longest=10)
    text = "报警人称在柯桥区华舍街道某小区门口被人打了，要求民警到场"
    assert recent.match(text) == recent.match(text)
    assert counting.asked == [text, text]


def test_an_unknown_default_place_is_refused_every_time(counting: CountingGazetteer) -> None:
    recent = remembering(counting)
    for _ in range(2):
        with pytest.raises(UnknownPlaceError):
            recent.match("七星路", "999999")
    assert len(counting.asked) == 2


def test_resolve_address_answers_as_the_gazetteer_after_it_is_built_again() -> None:
    text = "浙江省绍兴市新昌县南明街道七星路88号"
    before = resolve_address(text)
    default_gazetteer.cache_clear()
    after = resolve_address(text)
    assert before is not None and after is not None
    assert after == before == default_gazetteer().match(text)


def test_full_width_text_is_narrowed_as_by_translate() -> None:
    text = "".join(map(chr, range(0xFF00, 0xFF70))) + "　新昌县，七星路８８号ＡＢ"
    assert _narrow(text) == text.translate(_FULLWIDTH)
