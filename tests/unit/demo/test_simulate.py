"""The demo call simulator: volume, rhythm, mix, places, handling tempo and texts that read real.

One simulated year for a fake county of 300 villages (750,000 people, about as many calls per
village as 绍兴 gets) is generated once and examined by every test.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import statistics
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest

from pingan.demo.simulate import (
    Area,
    SimCall,
    daily_volume,
    expected_calls,
    simulate,
    spring_festival,
    tempo_of,
)
from pingan.demo.texts import BankText, Locale, TextBank, plate, time_phrase, vary_amount
from pingan.geo.places_file import load_places

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
START = dt.date(2026, 1, 1)
DAYS = 365
END = dt.datetime.combine(START + dt.timedelta(days=DAYS), dt.time(), SHANGHAI)
STEMS = [a + b for a in "上下东西南北前后大小" for b in "塘岙溪山桥坑湾田岭坞"]
COUNTIES = ("新昌县", "嵊州市", "越城区")
TOWNS = ("七星街道", "城南乡", "儒岙镇", "回山镇", "沙溪镇")


def _areas() -> list[Area]:
    areas = []
    for i in range(300):
        county, town = COUNTIES[i // 100], TOWNS[(i // 20) % 5]
        name = STEMS[i % 100] + ("村" if i % 4 else "社区")
        code = f"3306{24 + i // 100:02d}{100 + (i // 20) % 5:03d}{i:03d}"
        lon, lat = 120.90 + (i % 20) * 0.01, 29.50 + (i // 20) * 0.01
        areas.append(Area(code, name, town, county, 2500.0, lon, lat, city="绍兴市"))
    return areas


AREAS = _areas()
BY_CODE = {a.code: a for a in AREAS}


@pytest.fixture(scope="module")
def bank() -> TextBank:
    return TextBank.from_corpus()


@pytest.fixture(scope="module")
def year(bank: TextBank) -> list[list[SimCall]]:
    return list(simulate(AREAS, START, DAYS, seed=2026, texts=bank))


@pytest.fixture(scope="module")
def calls(year: list[list[SimCall]]) -> list[SimCall]:
    return [c for day in year for c in day]


def _local(call: SimCall) -> dt.datetime:
    return call.reported_at.astimezone(SHANGHAI)


def _minutes(value: dt.timedelta | None) -> float:
    assert value is not None
    return value.total_seconds() / 60


def _days(year: list[list[SimCall]], channel: str | None = None) -> np.ndarray:
    return np.array([sum(channel in (None, c.channel) for c in day) for day in year])


# --- volume and rhythm ---------------------------------------------------------------------


def test_volume_follows_zhejiangs_31000_incidents_a_day(year: list[list[SimCall]]) -> None:
    assert daily_volume(64_567_588) == pytest.approx(31_000, rel=0.01)
    assert _days(year).mean() == pytest.approx(daily_volume(750_000), rel=0.05)


def test_calls_peak_by_day_and_are_fewest_before_dawn(calls: list[SimCall]) -> None:
    hours = Counter(_local(c).hour for c in calls)
    by_hour = [hours[h] for h in range(24)]
    assert statistics.mean(by_hour[8:20]) > 3 * statistics.mean(by_hour[1:6])
    assert 8 <= by_hour.index(max(by_hour)) < 20
    assert 1 <= by_hour.index(min(by_hour)) < 6


def test_weekends_are_busier_for_110_and_quieter_for_offices(year: list[list[SimCall]]) -> None:
    weekday = np.array([(START + dt.timedelta(days=i)).weekday() for i in range(DAYS)])
    police, hotline = _days(year, "110"), _days(year, "12345")
    assert police[weekday == 5].mean() > 1.04 * police[(weekday == 1) | (weekday == 2)].mean()
    assert hotline[weekday >= 5].mean() < 0.8 * hotline[weekday < 5].mean()


def test_summer_is_busier_than_winter(year: list[list[SimCall]]) -> None:
    months = np.array([(START + dt.timedelta(days=i)).month for i in range(DAYS)])
    per_day = _days(year)
    summer = per_day[(months >= 6) & (months <= 8)].mean()
    winter = per_day[(months == 12) | (months == 1)].mean()
    assert summer > 1.15 * winter


def test_spring_festival_days_are_among_the_quietest(year: list[list[SimCall]]) -> None:
    assert spring_festival(2025) == dt.date(2025, 1, 29)
    assert spring_festival(2027) == dt.date(2027, 2, 6)
    new_year = spring_festival(2026)
    assert new_year == dt.date(2026, 2, 17)
    per_day = _days(year)
    quietest = {START + dt.timedelta(days=int(i)) for i in np.argsort(per_day)[:12]}
    for offset in range(-1, 4):  # 除夕 … 初三
        assert new_year + dt.timedelta(days=offset) in quietest


def test_the_busiest_day_is_about_1_8_times_the_average(year: list[list[SimCall]]) -> None:
    per_day = _days(year)
    assert 1.6 <= per_day.max() / per_day.mean() <= 2.0


def test_days_vary_more_than_poisson_noise(year: list[list[SimCall]]) -> None:
    mean = daily_volume(750_000)
    expected = np.array([expected_calls(START + dt.timedelta(days=i), mean) for i in range(DAYS)])
    counts = _days(year)
    dispersion = float(np.mean((counts - expected) ** 2 / expected))
    assert 1.5 < dispersion < 5  # Poisson alone gives 1


def test_scale_multiplies_volume(bank: TextBank, year: list[list[SimCall]]) -> None:
    tenth = sum(len(d) for d in simulate(AREAS, START, 60, scale=0.1, texts=bank))
    full = sum(len(d) for d in year[:60])
    assert 0.085 < tenth / full < 0.115


# --- mix and places ------------------------------------------------------------------------


def test_about_half_of_110_calls_are_non_police_matters(calls: list[SimCall]) -> None:
    police_line = [c for c in calls if c.channel == "110"]
    share = sum(c.source_code.startswith("60") for c in police_line) / len(police_line)
    assert 0.40 <= share <= 0.60


def test_most_calls_come_by_110_then_12345_grid_and_app(calls: list[SimCall]) -> None:
    mix = Counter(c.channel for c in calls)
    assert mix["110"] > mix["12345"] > mix["grid"] > mix["app"] > 0
    assert 0.55 < mix["110"] / len(calls) < 0.8


def test_a_few_percent_of_villages_see_no_call_all_year(calls: list[SimCall]) -> None:
    per_area = Counter(c.area_code for c in calls)
    silent = sum(per_area[a.code] == 0 for a in AREAS) / len(AREAS)
    assert 0.01 <= silent <= 0.08
    assert max(per_area.values()) < 0.05 * len(calls)  # busy places, not one giant hotspot


# --- handling tempo ------------------------------------------------------------------------


def test_urgent_police_calls_are_signed_in_minutes_and_attended_in_ten(
    calls: list[SimCall],
) -> None:
    urgent = [
        c.handling
        for c in calls
        if c.channel == "110"
        and c.duplicate_of is None
        and tempo_of(c.source_code, c.channel) == "urgent"
        and c.handling.arrive_after is not None
    ]
    signed = [_minutes(h.sign_after) for h in urgent]
    arrived = [_minutes(h.arrive_after) for h in urgent]
    assert statistics.median(signed) < 2
    assert 6 <= statistics.median(arrived) <= 15
    assert 0.005 < sum(a > 20 for a in arrived) / len(arrived) < 0.1  # a few late


def test_non_police_tickets_take_hours_to_days(calls: list[SimCall]) -> None:
    tickets = [
        c.handling
        for c in calls
        if tempo_of(c.source_code, c.channel) == "ticket" and c.handling.finish_after is not None
    ]
    assert statistics.median(_minutes(h.sign_after) for h in tickets) > 60
    assert 1440 <= statistics.median(_minutes(h.finish_after) for h in tickets) <= 5 * 1440


def test_a_few_are_returned_first_and_some_never_finished(calls: list[SimCall]) -> None:
    returned = sum(c.handling.returned_first for c in calls) / len(calls)
    assert 0.01 <= returned <= 0.08
    old = [c for c in calls if c.duplicate_of is None and _local(c) < END - dt.timedelta(days=60)]
    unfinished = sum(c.handling.finish_after is None for c in old) / len(old)
    assert 0 < unfinished < 0.05


def test_the_last_days_are_mostly_still_open(year: list[list[SimCall]]) -> None:
    last = [c for c in year[-1] if c.duplicate_of is None]
    assert sum(c.handling.close_after is None for c in last) / len(last) > 0.5
    first = [c for day in year[:300] for c in day if c.duplicate_of is None]
    assert sum(c.handling.close_after is not None for c in first) / len(first) > 0.95


def test_satisfaction_is_mostly_good_with_some_low(calls: list[SimCall]) -> None:
    scores = Counter(c.handling.satisfaction for c in calls if c.handling.satisfaction)
    total = sum(scores.values())
    assert (scores[4] + scores[5]) / total >= 0.75
    assert 0.02 <= (scores[1] + scores[2]) / total <= 0.15
    verdicts = [c.handling.solved for c in calls if c.handling.solved is not None]
    assert 0.8 <= sum(verdicts) / len(verdicts) < 1
    for c in calls:
        has_call_back = c.handling.call_back_after is not None
        assert (c.handling.satisfaction is not None) == has_call_back
        assert (c.handling.solved is not None) == has_call_back


def test_handling_steps_come_in_order_and_never_after_the_period(calls: list[SimCall]) -> None:
    for c in calls:
        h = c.handling
        steps = [h.return_after, h.sign_after, h.arrive_after, h.finish_after]
        steps += [h.close_after, h.call_back_after]
        present = [s for s in steps if s is not None]
        assert present == sorted(present)
        assert all(c.reported_at + s <= END for s in present)
        assert h.returned_first == (h.return_after is not None)
        if h.sign_after is None:
            assert h.finish_after is None and h.arrive_after is None
        if h.finish_after is None:
            assert h.close_after is None and h.call_back_after is None


def test_a_second_caller_sometimes_reports_the_same_emergency(calls: list[SimCall]) -> None:
    by_id = {c.external_id: c for c in calls}
    twins = [c for c in calls if c.duplicate_of is not None]
    assert 0.001 < len(twins) / len(calls) < 0.02
    for twin in twins:
        first = by_id[twin.duplicate_of or ""]
        gap = twin.reported_at - first.reported_at
        assert dt.timedelta(minutes=1) <= gap <= dt.timedelta(minutes=15)
        assert (twin.area_code, twin.source_code) == (first.area_code, first.source_code)
        assert twin.handling.sign_after is None  # to be merged, not handled twice


# --- records -------------------------------------------------------------------------------


def test_each_day_is_in_time_order_with_stable_unique_ids(year: list[list[SimCall]]) -> None:
    seen: set[str] = set()
    for offset, day in enumerate(year):
        date = START + dt.timedelta(days=offset)
        assert [c.reported_at for c in day] == sorted(c.reported_at for c in day)
        for c in day:
            assert c.reported_at.utcoffset() == dt.timedelta(0)
            assert _local(c).date() == date
            assert re.fullmatch(rf"SIM-330600-{date:%Y%m%d}-\d{{6}}", c.external_id)
            assert c.external_id not in seen
            seen.add(c.external_id)


def test_the_same_seed_gives_the_same_calls(bank: TextBank) -> None:
    def run(seed: int) -> Iterator[list[SimCall]]:
        return simulate(AREAS[:40], dt.date(2026, 5, 1), 3, seed=seed, texts=bank)

    assert list(run(7)) == list(run(7))
    assert list(run(7)) != list(run(8))


def test_callers_and_coordinates_are_well_formed(calls: list[SimCall]) -> None:
    phones = [c.caller_phone for c in calls if c.caller_phone]
    assert len(phones) > 0.9 * len(calls)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert all(c.lon is None for c in calls if c.channel == "110")
    grid = [c for c in calls if c.channel == "grid"]
    placed = [c for c in grid if c.lon is not None and c.lat is not None]
    assert len(placed) > 0.9 * len(grid)
    for c in placed:
        area = BY_CODE[c.area_code]
        assert area.lon is not None and area.lat is not None
        assert abs((c.lon or 0) - area.lon) < 0.03 and abs((c.lat or 0) - area.lat) < 0.03


def test_addresses_are_full_partial_or_missing(calls: list[SimCall]) -> None:
    police_line = [c for c in calls if c.channel == "110"]
    missing = sum(c.address == "" for c in police_line) / len(police_line)
    assert 0.03 < missing < 0.2
    full = [c for c in calls if c.address.startswith(tuple(COUNTIES))]
    assert len(full) > 0.5 * len(calls)
    for c in full[:2000]:
        area = BY_CODE[c.area_code]
        assert c.address.startswith(area.county + area.town + area.name)


# --- texts ---------------------------------------------------------------------------------


def test_texts_rarely_repeat(calls: list[SimCall]) -> None:
    texts = [c.text for c in calls[:10_000]]
    assert len(set(texts)) >= 0.9 * len(texts)


def test_texts_follow_the_register_of_their_channel(calls: list[SimCall]) -> None:
    def median_length(channel: str) -> float:
        return statistics.median(len(c.text) for c in calls if c.channel == channel)

    assert median_length("110") < 60
    assert median_length("12345") > 90


def test_texts_name_the_callers_place_instead_of_placeholders(calls: list[SimCall]) -> None:
    placeholder = re.compile(r"A\d*[市区县]|XX|X[镇村县]")
    assert not [c.text for c in calls if placeholder.search(c.text)][:5]
    hotline = [c for c in calls if c.channel == "12345"]
    local = sum(BY_CODE[c.area_code].county in c.text for c in hotline)
    assert local > 0.2 * len(hotline)


def test_a_named_caller_is_the_one_the_note_names(calls: list[SimCall]) -> None:
    for c in calls[:20_000]:
        said = re.match(r"(?:报警人|市民)（?(\w)(?:先生|女士|某)）?称", c.text)
        if c.channel == "110" and said:
            assert c.caller_name is not None
            assert said.group(1) == c.caller_name[0]


def test_the_bank_sorts_the_corpus_by_channel_and_police(bank: TextBank) -> None:
    assert all(t.code.startswith("60") for t in bank.pool("110", False))
    assert not any(t.code.startswith("60") for t in bank.pool("110", True))
    assert len(bank.pool("110", False)) > 300 and len(bank.pool("110", True)) > 2000
    assert all(t.source_channel != "court" for t in bank.templates)
    assert all(len(bank.pool(channel, police)) for channel in ("110", "12345", "app", "grid")
               for police in (True, False))  # fmt: skip


def test_a_mention_of_another_place_moves_to_the_callers_place() -> None:
    bank = TextBank(
        [
            BankText("报警人称杭州市西湖区文新街道某小区家中被盗5000元", "100100", "110"),
            BankText("称天台上有人要跳楼", "500800", "110"),
        ],
        places=load_places(),
    )
    here = Locale("绍兴市", "新昌县", "七星街道", "城关村", ("人民路",), ("金色家园",), "D")
    rnd = random.Random(1)
    at = dt.datetime(2026, 5, 1, 15, 37, tzinfo=SHANGHAI)
    theft, jumper = bank.pool("110", True)
    text = bank.compose(theft, "110", here, at, rnd)
    assert "绍兴市新昌县七星街道" in text and "西湖" not in text
    assert "天台上有人要跳楼" in bank.compose(jumper, "110", here, at, rnd)


def test_varied_amounts_stay_on_their_side_of_legal_thresholds() -> None:
    rnd = random.Random(3)
    below = {int(vary_amount(2900, "元", rnd)) for _ in range(500)}
    assert max(below) < 3000 and len(below) > 3
    at_threshold = {int(vary_amount(6000, "元", rnd)) for _ in range(200)}
    assert min(at_threshold) == 6000 and len(at_threshold) > 3
    assert all(float(vary_amount(1.5, "万元", rnd)) < 2 for _ in range(200))


def test_plates_and_times_read_as_call_takers_write_them() -> None:
    rnd = random.Random(5)
    for _ in range(300):
        number = plate("D", rnd)
        assert re.fullmatch(r"浙D·[A-Z0-9]{5,6}", number)
        assert sum(ch.isalpha() for ch in number[3:]) <= 2
    before_dawn = dt.datetime(2026, 3, 2, 3, 10, tzinfo=SHANGHAI)
    phrases = [time_phrase(before_dawn, rnd) for _ in range(300)]
    assert not [p for p in phrases if re.search("上午|下午|中午|傍晚", p)]
