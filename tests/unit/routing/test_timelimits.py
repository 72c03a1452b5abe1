"""Time limits: minutes for police matters, working days (with 调休) for tickets, escalation."""

from __future__ import annotations

import datetime as dt
import random
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from pingan.routing.timelimits import (
    TimerWheel,
    due_times,
    extend_for_pause,
    load_time_limits,
    stages,
)
from pingan.routing.tomlfile import ConfigError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_police_limits_count_minutes_from_receipt() -> None:
    due = due_times("100100", 1, True, at(2026, 10, 1, 9, 0))
    assert due["sign_for"] == at(2026, 10, 1, 9, 1)
    assert due["arrive"] == at(2026, 10, 1, 9, 10)
    assert due.policy == "刑事案件" and due.unit == "minutes"


def test_ticket_deadline_skips_national_day_and_counts_the_make_up_saturday() -> None:
    # Received Wednesday 30 September 2026; 1–7 October are 国庆 holidays; Saturday 10 October
    # is a 调休 working day.  Three working days: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Sat).
    due = due_times("600600", 2, False, at(2026, 9, 30, 10, 0))
    assert due["finish"] == at(2026, 10, 10, 10, 0)
    assert due["sign_for"] == at(2026, 10, 8, 10, 0)
    assert due.unit == "working_days" and due.notes == []


def test_a_ticket_received_on_a_holiday_starts_counting_on_the_next_working_day() -> None:
    due = due_times("600600", 1, False, at(2026, 10, 3, 15, 0))
    assert due["sign_for"] == at(2026, 10, 9, 0, 0)  # by the end of Thursday 8 October


def test_an_unknown_year_falls_back_to_monday_to_friday_and_says_so() -> None:
    due = due_times("600600", 2, False, at(2030, 10, 1, 10, 0))  # a Tuesday
    assert due["finish"] == at(2030, 10, 4, 10, 0)
    assert due.notes and "2030 年的法定节假日安排未知" in due.notes[0]


def test_a_more_specific_policy_wins() -> None:
    repair = due_times("600200", 1, False, at(2026, 3, 2, 10, 0))
    assert repair.policy == "抢修" and "arrive" in repair
    default = due_times("600500", 1, False, at(2026, 3, 2, 10, 0))
    assert default.policy == "非警务工单（默认）" and "arrive" not in default


def test_stages_warn_at_80_percent_supervise_at_the_limit_and_notify_after_grace() -> None:
    moments = stages(at(2026, 3, 2, 10, 20), at(2026, 3, 2, 10, 0))
    assert moments == {
        "warning": at(2026, 3, 2, 10, 16),
        "supervise": at(2026, 3, 2, 10, 20),
        "notice": at(2026, 3, 2, 10, 30),
    }


def test_a_pause_moves_a_pending_limit_but_cannot_rescue_a_missed_one() -> None:
    due = at(2026, 3, 2, 12, 0)
    assert extend_for_pause(due, 3600) == at(2026, 3, 2, 13, 0)
    assert extend_for_pause(due, 3600, paused_at=at(2026, 3, 2, 11, 0)) == at(2026, 3, 2, 13, 0)
    assert extend_for_pause(due, 3600, paused_at=at(2026, 3, 2, 12, 30)) == due
    with pytest.raises(ValueError):
        extend_for_pause(due, -1)


def test_limits_out_of_order_are_reported_by_line() -> None:
    text = resources.files("pingan.data.routing").joinpath("timelimits.toml").read_text("utf-8")
    broken = text.replace(
        "arrive    = [      10,   15,   20,   30]", "arrive    = [ 0.5, 15, 20, 30]", 1
    )
    with pytest.raises(ConfigError) as caught:
        load_time_limits(broken)
    (message,) = caught.value.errors
    assert message.startswith(
        "timelimits.toml 第 25 行：「警情（默认）」紧急程度 1：arrive 的时限 0.5 分钟早于 sign_for"
    )


def test_timer_wheel_fires_in_time_order_and_honours_cancel_and_replace() -> None:
    wheel = TimerWheel()
    base = at(2026, 3, 2, 10, 0)
    wheel.add(1, "sign_for", "supervise", base + dt.timedelta(minutes=5))
    wheel.add(2, "sign_for", "warning", base + dt.timedelta(minutes=1))
    wheel.add(1, "sign_for", "warning", base + dt.timedelta(minutes=4))
    wheel.add(3, "arrive", "warning", base + dt.timedelta(minutes=2))
    wheel.add(3, "arrive", "warning", base + dt.timedelta(minutes=30))  # replaced
    wheel.add(4, "finish", "notice", base + dt.timedelta(minutes=3))
    assert wheel.cancel(4, "finish") == 1
    assert wheel.due(base) == []
    fired = wheel.due(base + dt.timedelta(minutes=10))
    assert [(f.incident_id, f.stage) for f in fired] == [
        (2, "warning"),
        (1, "warning"),
        (1, "supervise"),
    ]
    assert len(wheel) == 1
    assert wheel.next_at() == base + dt.timedelta(minutes=30)


def test_timer_wheel_survives_a_rebuild_from_the_open_incidents() -> None:
    rng = random.Random(3)
    base = at(2026, 3, 2, 10, 0)
    items = [
        (n, step, stage, base + dt.timedelta(seconds=rng.randint(0, 3600)))
        for n in range(2_000)
        for step, stage in (("sign_for", "warning"), ("finish", "supervise"))
    ]
    wheel = TimerWheel()
    for item in items:
        wheel.add(*item)
    for n in range(0, 2_000, 2):
        wheel.cancel(n)  # closed incidents: every step
    restarted = TimerWheel()
    restarted.rebuild(wheel.to_list())
    assert len(restarted) == len(wheel) == 2_000
    now = base
    fired = []
    while now <= base + dt.timedelta(hours=1):
        now += dt.timedelta(seconds=0.2 * 300)
        batch = restarted.due(now)
        assert all(f.at <= now for f in batch)
        fired += batch
    assert len(fired) == 2_000
    assert all(f.incident_id % 2 == 1 for f in fired)
    assert [f.at for f in fired] == sorted(f.at for f in fired)
