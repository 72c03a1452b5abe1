"""Simulated incoming calls for one city or the whole province, and how each is later handled.

Pure: stdlib and numpy only, no database.  :func:`simulate` yields one day at a time: what each
caller said, where and when, and the tempo of the people who handle it.  It never decides a
category or a route — the platform's own pipeline (triage, routing, history, time limits) does.
The figures it follows (the product brief, "Figures for sizing and realism"):

* volume — Zhejiang's 10.34 million valid police incidents in Jan–Nov 2023 (≈ 31,000 a day) over
  its 2020 census population of 64,567,588: :data:`CALLS_PER_PERSON_DAY`;
* rhythm — calls peak 08:00–20:00 and are fewest 01:00–06:00; weekends differ (110 a little busier,
  offices quieter); summer is busier than winter; the Spring Festival days are among the quietest
  (real 初一 dates); one typhoon day a year makes the busiest day ≈ 1.8× the average day, and a
  few heavy-rain days are busy too; day-to-day noise is gamma-Poisson (negative binomial);
* mix — mostly 110, then 12345, grid and app; 47 % of 110 calls are non-police matters;
* places — each area's weight is its population times a lognormal factor with a "quiet" mode
  (hollowed mountain villages), so at full volume a few percent of villages see no call all year;
* handling — police urgent calls signed in about a minute and attended in about ten; non-police
  tickets signed in office hours and finished in days; some late, a few returned (退单) first, some
  never finished; moments after the simulated period are ``None`` (still open at its end).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import random
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import chinese_calendar  # type: ignore[import-untyped]
import numpy as np

from pingan.demo.texts import (
    ESTATES,
    ROADS,
    Locale,
    Template,
    TextBank,
    full_name,
    number,
    pick,
    surname,
)

UTC = dt.UTC
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991

ZJ_POPULATION_2020 = 64_567_588  # 2020 census, zj_county_census2020.csv (330000 row)
ZJ_INCIDENTS_PER_DAY = 10_340_000 / 334  # 1–11/2023 valid police incidents (data/stats/)
CALLS_PER_PERSON_DAY = ZJ_INCIDENTS_PER_DAY / ZJ_POPULATION_2020  # ≈ 4.8e-4

CHANNEL_SHARES = {"110": 0.66, "12345": 0.22, "grid": 0.08, "app": 0.04}
NON_POLICE_SHARE = {"110": 0.47, "grid": 0.6, "app": 0.45}  # 12345 keeps its own mix (~95 %)

# Relative calls per local hour 0…23.
HOURS = {
    "110": (2.6, 1.8, 1.3, 1.0, 0.9, 1.1, 1.9, 3.2, 4.6, 5.3, 5.5, 5.3,
            4.8, 4.7, 5.1, 5.3, 5.4, 5.6, 5.6, 5.7, 5.5, 5.0, 4.3, 3.4),
    "110_rest": (3.4, 2.5, 1.8, 1.3, 1.0, 1.0, 1.5, 2.4, 3.6, 4.6, 5.2, 5.3,
                 5.0, 4.9, 5.1, 5.3, 5.4, 5.6, 5.7, 5.9, 5.8, 5.4, 4.8, 4.0),
    "12345": (0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2.2, 5.2, 6.8, 7.0, 6.5,
              4.5, 4.8, 6.5, 6.7, 6.4, 5.6, 4.2, 3.8, 3.6, 3.2, 2.4, 1.5),
    "grid": (0, 0, 0, 0, 0, 0, 0.1, 0.8, 4.5, 7.0, 7.5, 6.5,
             3.0, 3.5, 6.5, 7.0, 6.5, 4.5, 1.5, 0.6, 0.3, 0.2, 0.1, 0),
    "app": (1.2, 0.7, 0.4, 0.3, 0.3, 0.4, 1.0, 2.2, 3.8, 4.8, 5.0, 4.8,
            4.2, 4.2, 4.7, 4.8, 4.7, 4.6, 4.5, 5.0, 5.3, 5.0, 3.9, 2.4),
}  # fmt: skip
WEEKDAY = {  # Monday…Sunday, mean 1
    "110": (0.98, 0.96, 0.96, 0.97, 1.02, 1.07, 1.04),
    "app": (0.97, 0.97, 0.97, 0.98, 1.00, 1.06, 1.05),
}
OFFICE = {"12345": (1.12, 0.72), "grid": (1.20, 0.50)}  # (working day, rest day)
SEASON_AMPLITUDE = 0.11  # ±11 %, peak in late July
SPRING_FESTIVAL = {  # 初一 (lunar new year's day)
    2023: dt.date(2023, 1, 22), 2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17), 2027: dt.date(2027, 2, 6), 2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13), 2030: dt.date(2030, 2, 3),
}  # fmt: skip
_FESTIVAL_DAYS = (0.60, 0.55, 0.60, 0.64, 0.68, 0.72, 0.76, 0.80)  # 除夕, 初一 … 初七
DUPLICATE_SHARE = 0.02  # 110 urgent calls that a second caller reports again minutes later
DAY_NOISE_SHAPE = 250.0  # gamma shape: ±6 % day-to-day beyond Poisson
PLATE_LETTERS = {"3301": "A", "3302": "B", "3303": "C", "3304": "F", "3305": "E", "3306": "D",
                 "3307": "G", "3308": "H", "3309": "L", "3310": "J", "3311": "K"}  # fmt: skip
_PREFIXES = """130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173
    175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"""
PHONE_PREFIXES = tuple(_PREFIXES.split())


@dataclass(frozen=True)
class Area:
    """A place calls can come from (a village/community or a town)."""

    code: str
    name: str
    town: str
    county: str
    population: float
    lon: float | None
    lat: float | None
    city: str = ""  # e.g. "绍兴市"; fills "A市" in texts when given


@dataclass(frozen=True)
class Handling:
    """The tempo of the people who handle a call, relative to its ``reported_at``.

    Order: [return_after] → sign_after → [arrive_after] → finish_after → close_after →
    [call_back_after].  When ``returned_first`` the first unit returns it (退单) at
    ``return_after`` and ``sign_after`` is the sign of the unit that then handles it.  ``None``
    means the step had not happened by the end of the simulated period (or never does).
    """

    sign_after: dt.timedelta | None
    arrive_after: dt.timedelta | None
    finish_after: dt.timedelta | None
    returned_first: bool
    close_after: dt.timedelta | None
    call_back_after: dt.timedelta | None
    satisfaction: int | None
    solved: bool | None
    return_after: dt.timedelta | None = None


@dataclass(frozen=True)
class SimCall:
    """One simulated call.  ``external_id`` looks like ``SIM-330600-20260301-000123`` (the
    areas' common city or province code, the local date, the rank in the day).

    ``source_code`` is the call-type code of the corpus line behind the text: ground truth for
    checking triage, not an input to it.  A call with ``duplicate_of`` is a second caller
    reporting the same emergency minutes later; its handling is empty (merge it into that call).
    """

    external_id: str
    channel: str
    reported_at: dt.datetime
    text: str
    address: str  # "" when the caller gave none
    area_code: str
    lon: float | None
    lat: float | None
    caller_name: str | None
    caller_phone: str | None
    handling: Handling
    source_code: str = ""  # code of the corpus line the text came from — ground truth, for checks
    duplicate_of: str | None = None  # another caller about the same event: merge into that call


def daily_volume(areas_population: float) -> float:
    """Mean calls a day (all channels) for a population, at Zhejiang's rate."""
    return areas_population * CALLS_PER_PERSON_DAY


def spring_festival(year: int) -> dt.date | None:
    """初一 of ``year`` (known 2023–2030)."""
    return SPRING_FESTIVAL.get(year)


def season_factor(day: dt.date) -> float:
    """Summer busier than winter: ±11 % around the year's mean, highest in late July."""
    return 1 + SEASON_AMPLITUDE * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365.25)


def festival_factor(day: dt.date) -> float:
    """Spring Festival: migrants leave in the weeks before; the holiday itself is quietest."""
    for year in (day.year, day.year + 1):
        new_year = SPRING_FESTIVAL.get(year)
        if new_year is None:
            continue
        d = (day - new_year).days
        if -21 <= d <= -8:
            return 1.0 - 0.15 * (d + 21) / 13
        if -7 <= d <= -2:
            return 0.84 - 0.06 * (d + 7) / 5
        if -1 <= d <= 6:
            return _FESTIVAL_DAYS[d + 1]
        if 7 <= d <= 20:
            return 0.82 + 0.18 * (d - 7) / 13
    return 1.0


@functools.lru_cache(maxsize=8192)
def is_working_day(day: dt.date) -> bool:
    """On the Chinese public-holiday calendar (调休 included); Monday–Friday if it is unknown."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def channel_factor(channel: str, day: dt.date) -> float:
    """Weekly / working-day rhythm of one channel on ``day`` (mean ≈ 1 over a year)."""
    working = is_working_day(day)
    if channel in OFFICE:
        return OFFICE[channel][0 if working else 1]
    table = WEEKDAY[channel]
    if working and day.weekday() >= 5:  # 调休 make-up working day
        return table[3]
    if not working and day.weekday() < 5:  # public holiday
        return table[5]
    return table[day.weekday()]


@functools.lru_cache(maxsize=64)
def surge_days(seed: int, year: int) -> dict[dt.date, float]:
    """Busy days of ``year``: a typhoon (≈ 1.8× an average day at landfall) and heavy rain."""
    rng = np.random.default_rng([seed, year, 71])
    landfall = dt.date(year, 7, 15) + dt.timedelta(days=int(rng.integers(0, 62)))
    base = season_factor(landfall) * channel_factor("110", landfall) * festival_factor(landfall)
    peak = float(rng.uniform(1.68, 1.86)) / base
    days = {
        landfall - dt.timedelta(days=1): 1 + (peak - 1) * 0.4,
        landfall: peak,
        landfall + dt.timedelta(days=1): 1 + (peak - 1) * 0.55,
    }
    for offset in rng.integers(100, 290, size=3):  # April–October
        day = dt.date(year, 1, 1) + dt.timedelta(days=int(offset))
        days.setdefault(day, float(rng.uniform(1.1, 1.3)))
    return days


def expected_calls(day: dt.date, mean: float, *, seed: int = 2026) -> float:
    """The expected number of calls on ``day`` (all channels) when the average day has ``mean``."""
    rhythm = sum(share * channel_factor(c, day) for c, share in CHANNEL_SHARES.items())
    surge = surge_days(seed, day.year).get(day, 1.0)
    return mean * season_factor(day) * festival_factor(day) * surge * rhythm


def _unit_hash(seed: int, text: str) -> tuple[float, float, int]:
    digest = hashlib.blake2b(f"{seed}:{text}".encode(), digest_size=16).digest()
    a, b, c = (int.from_bytes(digest[i : i + 5], "big") for i in (0, 5, 10))
    return (a + 0.5) / 2**40, (b + 0.5) / 2**40, c


_NORMAL = statistics.NormalDist()
QUIET_SHARE = 0.10  # areas in the quiet mode (hollowed or remote villages)


def area_factor(seed: int, code: str) -> float:
    """An area's activity relative to its population: lognormal, with a quiet mode (mean ≈ 1)."""
    u, v, _ = _unit_hash(seed, code)
    z = _NORMAL.inv_cdf(v)
    if u < QUIET_SHARE:
        return math.exp(math.log(0.005) + 1.0 * z)
    return math.exp(1.0 * z - 0.5) / (1 - QUIET_SHARE)


@dataclass(frozen=True, slots=True)
class _Place:
    area: Area
    locale: Locale
    grid_worker: tuple[str, str]
    regulars: tuple[tuple[str, str], ...]  # repeat callers of this place


def _phone(rnd: random.Random) -> str:
    return pick(rnd, PHONE_PREFIXES) + f"{int(rnd.random() * 1e8):08d}"


def _place(seed: int, area: Area) -> _Place:
    _, _, bits = _unit_hash(seed, "place:" + area.code)
    rnd = random.Random(bits)
    roads = tuple(rnd.sample(ROADS, 4))
    locale = Locale(
        city=area.city,
        county=area.county,
        town=area.town,
        name=area.name,
        roads=roads,
        estates=tuple(rnd.sample(ESTATES, 3)),
        plate_letter=PLATE_LETTERS.get(area.code[:4], "A"),
    )
    regulars = tuple((full_name(rnd), _phone(rnd)) for _ in range(3))
    return _Place(area, locale, (full_name(rnd), _phone(rnd)), regulars)


_PARTIAL_VILLAGE = ("村口", "村委会旁", "文化礼堂", "老街")
_LANDMARKS = ("菜市场", "汽车站", "卫生院", "中心小学", "加油站")
_MISSING_ADDRESS = {"110": 0.1, "12345": 0.2, "grid": 0.02, "app": 0.15}


def _address(place: _Place, channel: str, rnd: random.Random) -> str:
    """Where the caller says it is: full, partial as people say it, or nothing ("")."""
    area, loc = place.area, place.locale
    missing = _MISSING_ADDRESS[channel]
    roll = rnd.random()
    if roll < missing:
        return ""
    road = pick(rnd, loc.roads)
    village = area.name.endswith("村")
    if roll < missing + 0.2:
        form = int(rnd.random() * 5)
        if form == 0:
            return f"{area.town}{road}附近"
        if form == 1:
            return f"{road}{number(rnd, 1, 300)}号附近"
        if form == 2:
            if village:
                return area.name + pick(rnd, _PARTIAL_VILLAGE)
            return f"{road}与{pick(rnd, loc.roads)}交叉口"
        if form == 3:
            return f"{pick(rnd, loc.estates)}{number(rnd, 1, 30)}幢楼下"
        return area.town + pick(rnd, _LANDMARKS)
    head = f"{area.county}{area.town}{area.name}"
    if rnd.random() < 0.5:
        if village:
            return f"{head}{number(rnd, 1, 12)}组{number(rnd, 1, 90)}号"
        estate = pick(rnd, loc.estates)
        return f"{head}{estate}{number(rnd, 1, 30)}幢{number(rnd, 1, 4)}单元"
    return f"{head}{road}{number(rnd, 1, 300)}号"


# --- handling tempo ------------------------------------------------------------------------

URGENT_CODES = frozenset({"200100", "200600", "300100", "300300", "500100", "500400", "500600",
                          "500700", "500800"})  # fmt: skip
URGENT_GROUPS = ("10", "40", "70", "80")
DESK_CODES = frozenset({"500200", "999900"})
DESK_GROUPS = ("90", "95")
REPAIR_CODES = frozenset({"600200", "600700", "601300"})


@dataclass(frozen=True)
class Tempo:
    """Lognormal steps (median minutes, sigma) of one kind of call, and its odd cases."""

    sign: tuple[float, float]
    travel: tuple[float, float] | None  # from sign to arrival
    attend: float  # share attended on scene
    work: tuple[float, float]  # to finish, from arrival (or sign)
    close: tuple[float, float]
    call_back: tuple[float, float]
    called_back: float
    returned: float
    stuck: float  # signed but never finished
    late_after: float  # minutes from report: beyond this, finishing counts as late
    police: bool
    office_hours: bool = False


TEMPOS = {
    "urgent": Tempo((0.8, 0.6), (8.0, 0.4), 0.97, (50, 0.8), (15, 1.0), (1000, 0.6), 0.9,
                    0.01, 0.002, 240, True),
    "routine": Tempo((1.5, 0.7), (9.0, 0.4), 0.85, (60, 0.9), (30, 1.0), (1400, 0.6), 0.85,
                     0.015, 0.005, 480, True),
    "desk": Tempo((5.0, 1.0), None, 0.0, (360, 1.0), (60, 1.0), (2500, 0.6), 0.8,
                  0.02, 0.01, 4320, True),
    "repair": Tempo((25, 1.0), (60, 0.7), 0.95, (180, 0.9), (120, 1.0), (1400, 0.6), 0.85,
                    0.04, 0.01, 2880, False),
    "ticket": Tempo((40, 1.2), (1440, 0.8), 0.35, (2160, 0.8), (180, 1.0), (2160, 0.6), 0.85,
                    0.07, 0.02, 10080, False, office_hours=True),
}  # fmt: skip
SATISFACTION = {  # P(1…5)
    "police": (0.02, 0.02, 0.06, 0.20, 0.70),
    "ticket": (0.04, 0.04, 0.10, 0.27, 0.55),
    "troubled": (0.10, 0.10, 0.20, 0.30, 0.30),  # late or returned first
}
SOLVED = {1: 0.2, 2: 0.35, 3: 0.7, 4: 0.93, 5: 0.98}


@functools.cache
def tempo_of(code: str, channel: str) -> str:
    """Which tempo a call follows, from the code of its corpus line and its channel."""
    if code.startswith("60"):
        return "repair" if code in REPAIR_CODES else "ticket"
    if code in DESK_CODES or code.startswith(DESK_GROUPS) or channel == "12345":
        return "desk"
    if code in URGENT_CODES or code.startswith(URGENT_GROUPS):
        return "urgent" if channel in ("110", "app") else "routine"
    return "routine"


TEMPO_NAMES = tuple(TEMPOS)
_TEMPO_INDEX = {name: i for i, name in enumerate(TEMPO_NAMES)}
OFFICE_OPENS, OFFICE_CLOSES = 510, 1050  # 08:30 and 17:30, minutes after midnight


@functools.cache
def _tempo_table() -> dict[str, np.ndarray]:
    """TEMPOS as arrays indexed by tempo number, for drawing a whole day at once."""
    rows = [TEMPOS[name] for name in TEMPO_NAMES]
    no_travel = (1.0, 0.0)
    sat = [SATISFACTION[k] for k in ("police", "ticket", "troubled")]
    return {
        "sign": np.array([t.sign for t in rows]),
        "travel": np.array([t.travel or no_travel for t in rows]),
        "attend": np.array([t.attend if t.travel else 0.0 for t in rows]),
        "work": np.array([t.work for t in rows]),
        "close": np.array([t.close for t in rows]),
        "call_back": np.array([t.call_back for t in rows]),
        "called_back": np.array([t.called_back for t in rows]),
        "returned": np.array([t.returned for t in rows]),
        "stuck": np.array([t.stuck for t in rows]),
        "late_after": np.array([t.late_after for t in rows]),
        "police": np.array([t.police for t in rows]),
        "office": np.array([t.office_hours for t in rows]),
        "satisfaction": np.cumsum(np.array(sat), axis=1),
        "solved": np.array([0.0, *(SOLVED[k] for k in range(1, 6))]),
    }


def office_wait(day: dt.date, minute: np.ndarray) -> np.ndarray:
    """Minutes from ``minute`` (after local midnight of ``day``) until an office opens."""
    ahead = 1
    while not is_working_day(day + dt.timedelta(days=ahead)):
        ahead += 1
    after_hours = (1440 - minute) + 1440 * (ahead - 1) + OFFICE_OPENS
    if not is_working_day(day):
        return np.asarray(after_hours, dtype=np.float64)
    return np.where(
        minute < OFFICE_OPENS,
        OFFICE_OPENS - minute,
        np.where(minute < OFFICE_CLOSES, 0.0, after_hours),
    )


def handle(
    tempos: np.ndarray,
    day: dt.date,
    minute: np.ndarray,
    minutes_left: np.ndarray,
    rng: np.random.Generator,
) -> list[Handling]:
    """How calls of one day are handled.

    ``tempos`` indexes :data:`TEMPO_NAMES`; ``minute`` is each call's local time in minutes
    after midnight of ``day``; ``minutes_left`` runs to the end of the simulated period, after
    which no step has happened yet.
    """
    n = len(tempos)
    if n == 0:
        return []
    p = {key: value[tempos] for key, value in _tempo_table().items() if key != "satisfaction"}
    z = rng.standard_normal((n, 6))
    u = rng.random((n, 7))
    now = np.where(p["office"], office_wait(day, minute), 0.0)
    returned = u[:, 0] < p["returned"]
    returned_at = now + p["sign"][:, 0] * 6 * np.exp(z[:, 0])
    sign = np.where(
        returned,
        returned_at + (p["sign"][:, 0] * 2 + 2) * np.exp(z[:, 1]),
        now + p["sign"][:, 0] * np.exp(p["sign"][:, 1] * z[:, 1]),
    )
    attended = u[:, 1] < p["attend"]
    slow = np.where(u[:, 2] < 0.03, 2.5, 1.0)  # remote place, traffic
    arrive = sign + p["travel"][:, 0] * np.exp(p["travel"][:, 1] * z[:, 2]) * slow
    finish = np.where(attended, arrive, sign) + p["work"][:, 0] * np.exp(p["work"][:, 1] * z[:, 3])
    close = finish + p["close"][:, 0] * np.exp(p["close"][:, 1] * z[:, 4])
    call_back = close + p["call_back"][:, 0] * np.exp(p["call_back"][:, 1] * z[:, 5])
    stuck = u[:, 3] < p["stuck"]
    called = ~stuck & (u[:, 4] < p["called_back"])
    nan = np.nan
    moments = np.stack(
        [
            np.where(returned, returned_at, nan),
            sign,
            np.where(attended, arrive, nan),
            np.where(stuck, nan, finish),
            np.where(stuck, nan, close),
            np.where(called, call_back, nan),
        ],
        axis=1,
    )
    # A step after the end of the period, and every later one, has not happened yet.
    moments[np.logical_or.accumulate(moments > minutes_left[:, None], axis=1)] = nan
    late = returned | (finish > p["late_after"]) | (p["police"] & attended & (arrive > 20))
    mood = np.where(late, 2, np.where(p["police"], 0, 1))
    cumulative = _tempo_table()["satisfaction"][mood]
    satisfaction = 1 + (u[:, 5][:, None] >= cumulative[:, :4]).sum(axis=1)
    solved = u[:, 6] < _tempo_table()["solved"][satisfaction]
    whole = (np.nan_to_num(moments) * 60).astype(np.int64).astype("timedelta64[s]")
    steps = np.where(np.isnan(moments), np.timedelta64("NaT"), whole).tolist()  # NaT → None
    out: list[Handling] = []
    rows = zip(steps, satisfaction.tolist(), solved.tolist(), strict=True)
    for (back, signed, arrived, done, closed, called_back), score, ok in rows:
        answered = called_back is not None
        out.append(
            Handling(
                signed,
                arrived,
                done,
                back is not None,
                closed,
                called_back,
                score if answered else None,
                ok if answered else None,
                back,
            )
        )
    return out


_NOT_YET = Handling(None, None, None, False, None, None, None, None)


# --- the generator -------------------------------------------------------------------------


def area_weights(areas: Sequence[Area], seed: int) -> np.ndarray:
    """Probability that a call comes from each area (population × activity factor)."""
    raw = np.array([max(a.population, 0.0) * area_factor(seed, a.code) for a in areas])
    total = raw.sum()
    if total <= 0:
        raise ValueError("areas need a positive total population")
    return np.asarray(raw / total, dtype=np.float64)


def id_prefix(areas: Sequence[Area]) -> str:
    """The area code in the record numbers of these areas' calls (``SIM-<prefix>-…``)."""
    codes = {a.code[:4] for a in areas}
    if len(codes) == 1:
        return next(iter(codes)) + "00"
    return (areas[0].code[:2] + "0000") if areas else "000000"


def simulate(
    areas: Sequence[Area],
    start: dt.date,
    days: int,
    *,
    seed: int = 2026,
    scale: float = 1.0,
    texts: TextBank | None = None,
) -> Iterator[list[SimCall]]:
    """One list of calls per day from ``start`` (Asia/Shanghai days), in time order.

    Mean volume: :func:`daily_volume` of the areas' population × ``scale``.  Each date is drawn
    from its own seed, so its calls are the same whatever ``start`` was (only the steps cut at
    the end of the period differ).  Building a :class:`TextBank` takes about half a second:
    pass one in ``texts`` when simulating more than once.
    """
    end = dt.datetime.combine(start + dt.timedelta(days=days), dt.time(), SHANGHAI)
    dates = [start + dt.timedelta(days=offset) for offset in range(days)]
    yield from simulate_days(areas, dates, end=end, seed=seed, scale=scale, texts=texts)


def simulate_days(
    areas: Sequence[Area],
    dates: Sequence[dt.date],
    *,
    end: dt.datetime,
    seed: int = 2026,
    scale: float = 1.0,
    texts: TextBank | None = None,
) -> Iterator[list[SimCall]]:
    """:func:`simulate` for any dates in any order (the demo builds the newest days first):
    each date's calls are those ``simulate`` gives it; ``end`` is the end of the whole period."""
    if not areas:
        raise ValueError("simulate() needs at least one area")
    bank = texts or TextBank.from_corpus()
    weights = np.cumsum(area_weights(areas, seed))
    weights[-1] = 1.0
    places = [_place(seed, a) for a in areas]
    prefix = id_prefix(areas)
    mean = daily_volume(sum(a.population for a in areas)) * scale
    for day in dates:
        yield _day(day, places, weights, mean, bank, prefix, end, seed)


def _day(
    day: dt.date,
    places: Sequence[_Place],
    weights: np.ndarray,
    mean: float,
    bank: TextBank,
    prefix: str,
    end: dt.datetime,
    seed: int,
) -> list[SimCall]:
    rng = np.random.default_rng([seed, day.toordinal()])
    rnd = random.Random(seed * 1_000_003 + day.toordinal())
    surge = surge_days(seed, day.year).get(day, 1.0)
    noise = 1.0 if surge > 1.5 else float(rng.gamma(DAY_NOISE_SHAPE, 1 / DAY_NOISE_SHAPE))
    common = mean * season_factor(day) * festival_factor(day) * surge * noise
    rest = not is_working_day(day)
    storm_share = 0.6 * (1 - 1 / surge) if surge > 1 else 0.0
    # raw calls: (second of day, channel, place index, template, parent raw index or -1)
    raw: list[tuple[int, str, int, Template, int]] = []
    for channel, share in CHANNEL_SHARES.items():
        n = int(rng.poisson(common * share * channel_factor(channel, day)))
        if n == 0:
            continue
        profile = np.array(HOURS["110_rest" if channel == "110" and rest else channel])
        hours = rng.choice(24, size=n, p=profile / profile.sum())
        seconds = hours * 3600 + rng.integers(0, 3600, size=n)
        where = np.searchsorted(weights, rng.random(n), side="right")
        # Which pool each call draws from: storm-related (typhoon days), non-police, police.
        pools: list[Sequence[Template]]
        roll = rng.random(n)
        non_police = NON_POLICE_SHARE.get(channel)
        if non_police is None:
            pools, choice = [bank.everything(channel)], np.zeros(n, dtype=np.int64)
        else:
            pools = [bank.pool(channel, False), bank.pool(channel, True)]
            choice = (roll >= non_police).astype(np.int64)
        if channel == "110" and storm_share and bank.storm:
            pools.append(bank.storm)
            choice = np.where(rng.random(n) < storm_share, 2, choice)
        if not all(pools):
            continue
        sizes = np.array([len(pool) for pool in pools])
        index = (rng.random(n) * sizes[choice]).astype(np.int64)
        twin = rng.random(n) < (DUPLICATE_SHARE if channel == "110" else 0.0)
        columns = (seconds.tolist(), where.tolist(), choice.tolist(), index.tolist(), twin.tolist())
        for second, place, which, at, doubled in zip(*columns, strict=True):
            template = pools[which][at]
            raw.append((second, channel, place, template, -1))
            if doubled and template.police and tempo_of(template.code, channel) == "urgent":
                later = second + number(rnd, 60, 900)
                if later < 86400:
                    raw.append((later, channel, place, template, len(raw) - 1))
    seconds = np.array([r[0] for r in raw], dtype=np.float64)
    order: list[int] = np.argsort(seconds, kind="stable").tolist()
    stamp = day.strftime("%Y%m%d")
    ids = [""] * len(raw)
    for rank, i in enumerate(order, 1):
        ids[i] = f"SIM-{prefix}-{stamp}-{rank:06d}"
    midnight = dt.datetime.combine(day, dt.time(), SHANGHAI)
    midnight_utc = midnight.astimezone(UTC)
    tempo_index = np.array([_TEMPO_INDEX[tempo_of(r[3].code, r[1])] for r in raw], dtype=np.int64)
    end_second = (end - midnight).total_seconds()
    handled = handle(tempo_index, day, seconds / 60, (end_second - seconds) / 60, rng)
    calls: list[SimCall] = []
    for i in order:
        second, channel, index, template, parent = raw[i]
        place = places[index]
        since_midnight = dt.timedelta(0, second)
        local = midnight + since_midnight
        name, phone = _caller(place, channel, rnd)
        text = bank.compose(template, channel, place.locale, local, rnd, caller=name)
        lon = lat = None
        area = place.area
        if (
            area.lon is not None
            and area.lat is not None
            and rnd.random() < _WITH_COORDINATES.get(channel, 0.0)
        ):
            lon = round(area.lon + rnd.gauss(0, 0.004), 6)
            lat = round(area.lat + rnd.gauss(0, 0.003), 6)
        calls.append(
            SimCall(
                external_id=ids[i],
                channel=channel,
                reported_at=midnight_utc + since_midnight,
                text=text,
                address=_address(place, channel, rnd),
                area_code=area.code,
                lon=lon,
                lat=lat,
                caller_name=name,
                caller_phone=phone,
                handling=_NOT_YET if parent >= 0 else handled[i],
                source_code=template.code,
                duplicate_of=ids[parent] if parent >= 0 else None,
            )
        )
    return calls


_WITH_COORDINATES = {"app": 0.85, "grid": 0.95}
_NAMED = {"110": 0.6, "12345": 0.8, "app": 0.7}


def _caller(place: _Place, channel: str, rnd: random.Random) -> tuple[str | None, str | None]:
    if channel == "grid":
        return place.grid_worker
    if channel in ("110", "12345") and rnd.random() < 0.04:
        return pick(rnd, place.regulars)
    phone = _phone(rnd) if channel != "110" or rnd.random() < 0.97 else None
    if rnd.random() >= _NAMED[channel]:
        return None, phone
    if channel == "110" and rnd.random() < 0.7:
        return surname(rnd) + pick(rnd, ("先生", "女士")), phone
    return full_name(rnd), phone
