"""Time limits (时限) for each step, the escalation ladder, and a timer scheduler.

* :func:`due_times` — when each step (sign_for 签收, arrive 到场, finish 处置完毕, call_back 回访)
  falls due: police matters in minutes, non-police tickets in working days on the Chinese
  public-holiday calendar (package ``chinese_calendar``, which knows 调休 make-up working days);
  for a year that calendar does not cover, Monday–Friday is assumed and the result says so.
* :func:`stages` — the moments of 提醒 (warning), 督办 (supervise, at the limit) and 通报 (notice,
  after a grace) for one limit.
* :func:`extend_for_pause` — a paused incident's clock stops; see its docstring.
* :class:`TimerWheel` — a heap of pending stage moments for every open incident.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]

from pingan.routing.rules import Match, parse_match
from pingan.routing.tomlfile import ConfigError, TomlDocument, read_toml

SHANGHAI = ZoneInfo("Asia/Shanghai")
STEPS: dict[str, str] = {
    "sign_for": "签收",
    "arrive": "到场",
    "finish": "处置完毕",
    "call_back": "回访",
}
STAGES: dict[str, str] = {"warning": "提醒", "supervise": "督办", "notice": "通报"}
URGENCIES = (1, 2, 3, 4)
POLICY_KEYS = ("name", "match", *STEPS)

IncidentId = int | str


@dataclass(frozen=True)
class Policy:
    """Limits for one category: step → value per urgency 1…4 (minutes or working days)."""

    name: str
    match: Match
    limits: Mapping[str, tuple[float, ...]]
    working_days: bool
    order: int = 0
    line: int = 0


@dataclass(frozen=True)
class TimeLimits:
    version: str
    warning_at: float
    notice_grace: float
    police: tuple[Policy, ...]
    tickets: tuple[Policy, ...]
    _cache: dict[tuple[str, bool], Policy | None] = field(
        default_factory=dict, repr=False, compare=False
    )

    def policy_for(self, code: str, police: bool) -> Policy | None:
        """The most specific policy (code > group > any, then file order)."""
        key = (code, police)
        if key not in self._cache:
            matching = [
                p for p in (self.police if police else self.tickets) if p.match.covers(code)
            ]
            self._cache[key] = (
                max(matching, key=lambda p: (p.match.rank, -p.order)) if matching else None
            )
        return self._cache[key]


class Deadlines(dict[str, dt.datetime]):
    """Step → due time, plus how it was computed (``policy``, ``unit``, ``notes``)."""

    def __init__(
        self,
        items: Mapping[str, dt.datetime],
        *,
        policy: str,
        unit: str,
        notes: Iterable[str] = (),
    ) -> None:
        super().__init__(items)
        self.policy = policy
        self.unit = unit
        self.notes = list(notes)


# --- configuration ---------------------------------------------------------------------------


def load_time_limits(path_or_text: str | Path, *, source: str = "timelimits.toml") -> TimeLimits:
    """Read and check ``timelimits.toml``; raise :class:`ConfigError` listing every problem."""
    doc = read_toml(path_or_text, default_source=source)
    data = doc.data
    errors: list[tuple[int, str]] = []
    top = doc.top()
    for key in data:
        if key not in ("version", "warning_at", "notice_grace", "police", "ticket"):
            errors.append((doc.line_of(key, top), f"未知的键 '{key}'"))
    version = data.get("version")
    if not isinstance(version, str) or not version:
        errors.append((doc.line_of("version", top), "缺少 version（字符串）"))
        version = ""
    warning_at = data.get("warning_at", 0.8)
    if (
        isinstance(warning_at, bool)
        or not isinstance(warning_at, int | float)
        or not 0 < warning_at < 1
    ):
        errors.append((doc.line_of("warning_at", top), "warning_at 须是 0 到 1 之间的小数，如 0.8"))
        warning_at = 0.8
    grace = data.get("notice_grace", 0.5)
    if isinstance(grace, bool) or not isinstance(grace, int | float) or grace < 0:
        errors.append((doc.line_of("notice_grace", top), "notice_grace 须是不小于 0 的数，如 0.5"))
        grace = 0.5
    police = _policies(doc, "police", working_days=False, errors=errors)
    tickets = _policies(doc, "ticket", working_days=True, errors=errors)
    if errors:
        raise ConfigError(
            f"{doc.where(line)}：{message}" for line, message in sorted(errors, key=lambda e: e[0])
        )
    return TimeLimits(version, float(warning_at), float(grace), police, tickets)


def _policies(
    doc: TomlDocument, table: str, *, working_days: bool, errors: list[tuple[int, str]]
) -> tuple[Policy, ...]:
    raw_list = doc.data.get(table, [])
    sections = doc.items(table)
    unit = "工作日" if working_days else "分钟"
    policies = []
    if not isinstance(raw_list, list):
        errors.append((doc.top().first, f"{table} 须写成 [[{table}]] 表数组"))
        return ()
    for order, raw in enumerate(raw_list):
        section = sections[order] if order < len(sections) else doc.top()
        for key in raw:
            if key not in POLICY_KEYS:
                errors.append(
                    (
                        doc.line_of(key, section),
                        f"[[{table}]] 未知的键 '{key}'；步骤可选：{'、'.join(STEPS)}",
                    )
                )
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            errors.append((section.first, f"[[{table}]] 缺少 name"))
            name = f"#{order + 1}"
        match = parse_match(raw.get("match"), doc.line_of("match", section), errors)
        limits: dict[str, tuple[float, ...]] = {}
        for step in STEPS:
            if step not in raw:
                continue
            values = raw[step]
            line = doc.line_of(step, section)
            valid = (
                isinstance(values, list)
                and len(values) == len(URGENCIES)
                and all(
                    not isinstance(v, bool)
                    and (isinstance(v, int) if working_days else isinstance(v, int | float))
                    and v > 0
                    for v in values
                )
            )
            if not valid:
                kind = "正整数（工作日）" if working_days else "正数（分钟）"
                errors.append((line, f"{step} 须是 4 个{kind}的列表，依次对应紧急程度 1–4"))
                continue
            limits[step] = tuple(float(v) for v in values)
        ordered = [step for step in STEPS if step in limits]
        for earlier, later in itertools.pairwise(ordered):
            for urgency, (a, b) in enumerate(zip(limits[earlier], limits[later], strict=True), 1):
                if a > b:
                    errors.append(
                        (
                            doc.line_of(later, section),
                            f"「{name}」紧急程度 {urgency}：{later} 的时限 {b:g} {unit}早于 "
                            f"{earlier} 的 {a:g} {unit}（时限都从接警起算）",
                        )
                    )
        if not limits:
            errors.append((section.first, f"「{name}」没有任何步骤的时限"))
        if match is not None:
            policies.append(Policy(name, match, limits, working_days, order, section.first))
    return tuple(policies)


@cache
def default_time_limits() -> TimeLimits:
    """The shipped ``pingan/data/routing/timelimits.toml``, read on first use."""
    text = resources.files("pingan.data.routing").joinpath("timelimits.toml").read_text("utf-8")
    return load_time_limits(text)


# --- working days ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(working day?, known to the holiday calendar?) — Monday–Friday when the year is unknown."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_working_days(start: dt.datetime, days: int) -> tuple[dt.datetime, list[str]]:
    """``start`` plus ``days`` working days, at the same clock time (Asia/Shanghai).

    Received on a rest day, the count starts at 00:00 of the next working day, so one working
    day then means "by the end of that day".  Returns the due time and notes on the calendar.
    """
    local = start.astimezone(SHANGHAI)
    day, from_midnight, unknown = _working_days_after(local.date(), days)
    clock = dt.time(0) if from_midnight else local.time()
    due = dt.datetime.combine(day, clock, tzinfo=SHANGHAI)
    notes = [
        f"{year} 年的法定节假日安排未知（chinese_calendar 未收录），按周一至周五计工作日"
        for year in unknown
    ]
    return due, notes


@functools.lru_cache(maxsize=4096)
def _working_days_after(day: dt.date, days: int) -> tuple[dt.date, bool, tuple[int, ...]]:
    """The day ``days`` working days after ``day``, whether the count started at midnight (``day``
    is a rest day), and the years the holiday calendar does not know (the same for every
    incident received that day, so a bulk import counts each day once)."""
    unknown: set[int] = set()

    def working(candidate: dt.date) -> bool:
        value, known = is_working_day(candidate)
        if not known:
            unknown.add(candidate.year)
        return value

    from_midnight = not working(day)
    while not working(day):
        day += dt.timedelta(days=1)
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if working(day):
            counted += 1
    return day, from_midnight, tuple(sorted(unknown))


# --- due times, stages, pauses ---------------------------------------------------------------


def due_times(
    code: str,
    urgency: int,
    police: bool,
    received_at: dt.datetime,
    *,
    limits: TimeLimits | None = None,
) -> Deadlines:
    """Step → due time for an incident of call type ``code`` received at ``received_at``.

    Police matters count minutes; non-police tickets count working days.  Every limit runs from
    receipt.  Steps the policy leaves out have no entry.
    """
    if received_at.tzinfo is None:
        raise ValueError("due_times() needs a timezone-aware time (received_at)")
    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be 1–4, not {urgency!r}")
    table = limits or default_time_limits()
    policy = table.policy_for(code, police)
    if policy is None:
        return Deadlines({}, policy="", unit="", notes=[f"没有适用于 {code} 的时限策略"])
    result: dict[str, dt.datetime] = {}
    notes: list[str] = []
    for step, values in policy.limits.items():
        value = values[urgency - 1]
        if policy.working_days:
            due, step_notes = add_working_days(received_at, int(value))
            notes += [n for n in step_notes if n not in notes]
        else:
            due = received_at + dt.timedelta(minutes=value)
        result[step] = due
    unit = "working_days" if policy.working_days else "minutes"
    return Deadlines(result, policy=policy.name, unit=unit, notes=notes)


def stages(
    due: dt.datetime, started: dt.datetime, *, limits: TimeLimits | None = None
) -> dict[str, dt.datetime]:
    """The moments of 提醒 (warning), 督办 (supervise) and 通报 (notice) for one limit.

    With the shipped settings: warning at 80 % of the time from ``started`` to ``due``,
    supervise at ``due``, notice at ``due`` plus half the allowed time.
    """
    table = limits or default_time_limits()
    allowed = due - started
    if allowed < dt.timedelta(0):
        raise ValueError("due is before started")
    return {
        "warning": started + allowed * table.warning_at,
        "supervise": due,
        "notice": due + allowed * table.notice_grace,
    }


def extend_for_pause(
    due: dt.datetime, paused_seconds: float, *, paused_at: dt.datetime | None = None
) -> dt.datetime:
    """Move a due time later by the time an incident spent paused (挂起).

    While an incident is paused (waiting for the citizen or a third party, with approval), its
    clocks stop: on resume, every due time — and every stage moment — that had not passed when
    the pause began moves later by exactly the paused wall-clock seconds.  A limit that had
    already passed when the pause began stays passed (pass ``paused_at`` to enforce this), so
    pausing cannot rescue a missed limit.  For working-day limits the shift is still wall-clock
    time: a pause from Friday 17:00 to Monday 09:00 adds 64 hours.
    """
    if not math.isfinite(paused_seconds) or paused_seconds < 0:
        raise ValueError("paused_seconds must be a finite number ≥ 0")
    if paused_at is not None and due <= paused_at:
        return due
    return due + dt.timedelta(seconds=paused_seconds)


# --- timer wheel -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fired:
    """A stage moment that has come: e.g. incident 42, step ``sign_for``, stage ``supervise``."""

    incident_id: IncidentId
    step: str
    stage: str
    at: dt.datetime


_Entry = tuple[float, int, IncidentId, str, str, dt.datetime]


class TimerWheel:
    """Pending stage moments of every open incident, in a heap (pure: no threads, no clock).

    The server calls :meth:`due` with the current time a few times a second and acts on what it
    returns.  ``cancel`` is lazy (a cancelled entry is skipped when it surfaces) and the heap is
    compacted when stale entries outnumber live ones.  Adding the same incident, step and stage
    again replaces the earlier moment.
    """

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._live: dict[tuple[IncidentId, str], dict[str, _Entry]] = {}
        self._steps: dict[IncidentId, set[str]] = {}
        self._seq = itertools.count()
        self._count = 0

    def __len__(self) -> int:
        """The number of pending (not fired, not cancelled) stage moments."""
        return self._count

    def add(self, incident_id: IncidentId, step: str, stage: str, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("TimerWheel needs timezone-aware times")
        entry: _Entry = (at.timestamp(), next(self._seq), incident_id, step, stage, at)
        stages_of = self._live.setdefault((incident_id, step), {})
        if stage not in stages_of:
            self._count += 1
        stages_of[stage] = entry
        self._steps.setdefault(incident_id, set()).add(step)
        heapq.heappush(self._heap, entry)
        self._maybe_compact()

    def cancel(self, incident_id: IncidentId, step: str | None = None) -> int:
        """Cancel every stage of ``step`` (or of every step of the incident); return how many."""
        steps = [step] if step is not None else list(self._steps.get(incident_id, ()))
        cancelled = 0
        for name in steps:
            stages_of = self._live.pop((incident_id, name), None)
            if stages_of:
                cancelled += len(stages_of)
            known = self._steps.get(incident_id)
            if known is not None:
                known.discard(name)
                if not known:
                    del self._steps[incident_id]
        self._count -= cancelled
        return cancelled

    def due(self, now: dt.datetime) -> list[Fired]:
        """Remove and return every pending moment at or before ``now``, earliest first."""
        limit = now.timestamp()
        heap = self._heap
        fired: list[Fired] = []
        while heap and heap[0][0] <= limit:
            entry = heapq.heappop(heap)
            _, _, incident_id, step, stage, at = entry
            key = (incident_id, step)
            stages_of = self._live.get(key)
            if stages_of is None or stages_of.get(stage) is not entry:
                continue
            del stages_of[stage]
            self._count -= 1
            if not stages_of:
                del self._live[key]
                known = self._steps[incident_id]
                known.discard(step)
                if not known:
                    del self._steps[incident_id]
            fired.append(Fired(incident_id, step, stage, at))
        return fired

    def next_at(self) -> dt.datetime | None:
        """The earliest pending moment, or ``None``."""
        while self._heap:
            entry = self._heap[0]
            stages_of = self._live.get((entry[2], entry[3]))
            if stages_of is not None and stages_of.get(entry[4]) is entry:
                return entry[5]
            heapq.heappop(self._heap)
        return None

    def rebuild(self, items: Iterable[tuple[IncidentId, str, str, dt.datetime]]) -> None:
        """Replace everything with ``items`` (incident_id, step, stage, at), e.g. after a restart
        from the open incidents in the database; moments already past fire on the next ``due``.
        """
        self._heap = []
        self._live = {}
        self._steps = {}
        self._count = 0
        for incident_id, step, stage, at in items:
            if at.tzinfo is None:
                raise ValueError("TimerWheel needs timezone-aware times")
            entry: _Entry = (at.timestamp(), next(self._seq), incident_id, step, stage, at)
            stages_of = self._live.setdefault((incident_id, step), {})
            if stage not in stages_of:
                self._count += 1
            stages_of[stage] = entry
            self._steps.setdefault(incident_id, set()).add(step)
        self._heap = [entry for stages_of in self._live.values() for entry in stages_of.values()]
        heapq.heapify(self._heap)

    def _maybe_compact(self) -> None:
        if len(self._heap) > 2 * self._count + 4096:
            self._heap = [e for stages_of in self._live.values() for e in stages_of.values()]
            heapq.heapify(self._heap)

    def to_list(self) -> list[tuple[IncidentId, str, str, dt.datetime]]:
        """Every pending moment (for inspection or to hand to another wheel's ``rebuild``)."""
        entries = sorted(e for stages_of in self._live.values() for e in stages_of.values())
        return [(e[2], e[3], e[4], e[5]) for e in entries]
