"""What simulated callers say: texts from the project's own triage corpus, varied per call.

:class:`TextBank` reads ``pingan/data/triage/corpus/*.jsonl`` (written by the project, see the
README there; the evaluation data is never used) and sorts the lines into pools by channel
register (110 notes are short, 12345 messages long) and police / non-police (60xxxx 社会联动).
Each line is parsed once into a template whose place placeholders ("A市A3区", "XX镇", "某小区"),
real Zhejiang place mentions, amounts and number plates are slots.  :meth:`TextBank.compose`
fills them for one call — the caller's county, town, village and roads, an amount moved a little
(never across a legal threshold such as 3,000 元 for theft), a plate of the caller's city — and
frames the text the way that channel writes it (报警人王先生称…, a time "今天下午3点左右" that
agrees with the call's own time, a 12345 greeting and closing), so that texts rarely repeat.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pingan.geo.names import short_forms
from pingan.geo.places_file import PlaceRecord, load_places

CHANNELS = ("110", "12345", "grid", "app")
STORM_CODES = frozenset(
    {"400200", "800400", "809900", "500500", "600200", "601300", "600400", "300100", "300400"}
)
# Amounts on either side of these (in 元) are coded differently (e.g. theft 3,000, fraud 6,000
# in Zhejiang), so a varied amount never crosses one.
AMOUNT_THRESHOLDS = (
    200, 500, 800, 1000, 2000, 3000, 5000, 6000, 10000, 20000, 30000, 50000, 60000, 100000,
    200000, 300000, 500000, 1000000,
)  # fmt: skip

T = TypeVar("T")
Slot = tuple[str, float, str]  # (kind, number, original text or unit)
Part = str | Slot


@dataclass(frozen=True, slots=True)
class BankText:
    text: str
    code: str
    channel: str


@dataclass(frozen=True, slots=True)
class Template:
    """One corpus line, parsed: its lead word (反映, 求助：…) and body with slots."""

    parts: tuple[Part, ...]
    code: str
    police: bool
    source_channel: str
    lead: str  # 反映 / 举报： / 求助： kept apart so a new reporter can be put before it
    reported_speech: bool  # began "报警人称 / 来电称 / 称": the reporter is ours to choose
    timed: bool  # already says when
    head: str = ""  # the first characters of the body, as written


@dataclass(frozen=True, slots=True)
class Locale:
    """Where the caller is: names used to fill place slots."""

    city: str
    county: str
    town: str
    name: str  # village or community
    roads: tuple[str, ...]
    estates: tuple[str, ...]
    plate_letter: str


SURNAMES = (
    "王陈张李周吴徐刘朱杨金黄胡沈何俞应钱孙马郑赵林方叶潘蒋章汪丁楼吕施姚袁许傅邵骆竺裘石梁卢韩"
    "程蔡冯谢杜毛任宋夏盛余戴唐邱鲁屠梅董严娄柴"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国民"
    "海波峰琴燕红玲飞斌浩亮云辉鹏宇婷雪梅兰萍晨佳欣"
)
_ROAD_NAMES = """
    人民路 解放路 中山路 建设路 环城东路 环城西路 鼓山路 江滨路 新建路 城东大道 沿江路
    北门街 南街 胜利路 和平路 青年路 兴业路 工业路 创业大道 振兴路 文化路 健康路 学府路
    东湖路 长城路 金山路 新华路 同心路 桥头街 后山路 前进路 民主路 光明路 育才路 园林路
    迎宾大道
"""
_ESTATE_NAMES = """
    金色家园 锦绣花园 阳光小区 东方名苑 滨江花园 翡翠城 世纪新城 桂花苑 和园 幸福里
    城东新村 百合公寓 江南名都 绿城玉园 银都花园 凤凰苑 学府名邸 香樟苑 丽都花园 龙山新村
    金桥小区 泰和园
"""
_PROPER_NAMES = "城东 城西 江滨 新华 金山 东湖 凤凰 青山 兴华 长乐 永安 华丰 明珠 红星"
ROADS = tuple(_ROAD_NAMES.split())
ESTATES = tuple(_ESTATE_NAMES.split())
PROPER = tuple(_PROPER_NAMES.split())
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
DIGITS = "0123456789"

_REPORTED = re.compile(r"^(?:报警人(?:自称|称|说)|来电人(?:自称|称|说)|报警称|来电称|称)")
_LEAD = re.compile(r"^(?:反映|举报[：:]?|求助[：:]|投诉[：:])")
_TIMED = re.compile(
    r"今天|今日|今早|今晨|昨天|昨晚|前天|凌晨|早上|上午|中午|下午|傍晚|晚上|夜里|半夜|深夜|刚才|刚刚"
    r"|\d+\s*[点时]|[一二三四五六七八九十]+点|分钟前|小时前|\d+月|\d+日|\d+号|\d{4}年|上周|前几天"
)
_GREETING = re.compile(
    r"^(?:尊敬的(?:各位)?领导(?:您好|你好)?[！!，,：:。]?|(?:领导)?(?:您好|你好)[！!，,：:。]?"
    r"|领导好[！!，,：:。]?|市长(?:您好)?[！!，,：:])"
)
_FIRST_PERSON = re.compile(r"我是|我家|本人|我住|我们小区|我们村")
_NO_REPORTER = re.compile(
    r"^(?:交警|消防|刑侦|治安|网安|经侦|禁毒|网格|指挥|再次|派出所|巡查|提供线索|来电|报警|我|【|本人)"
)
_PLACEHOLDER = re.compile(
    r"(?P<citycounty>A市A\d*[区县])|(?P<county>A\d+[区县]|X{1,2}县|某县)|(?P<city>[AX]市)"
    r"|(?P<town>X{1,2}(?:街道|镇|乡)|某(?:乡镇|街道|镇|乡))|(?P<village>X{1,2}村|某村)"
    r"|(?P<community>X{1,2}社区|某社区)|(?P<road>X{1,2}路)|(?P<estate>X{1,2}(?:小区|花园)|某小区)"
    r"|(?P<organisation>XX(?=[局所办委部科站处院]))|(?P<xx>XX)|(?P<plate>浙[A-L]·?[A-Z0-9]{5,6})"
    r"|(?P<amount>(?<![\dA-Za-z.])\d+(?:\.\d+)?)(?P<unit>万元|万块|万|元|块钱|块)"
)


class _Places:
    """Real city/county/town names, to move a text's place mention to the caller's place."""

    def __init__(self, places: Iterable[PlaceRecord]) -> None:
        counties: dict[str, str] = {}  # form → county code
        full_counties: set[str] = set()
        cities: list[str] = []
        towns: dict[str, list[str]] = {}
        for place in places:
            if place.level == "city":
                cities.extend(short_forms(place.name, "city"))
            elif place.level == "county":
                full_counties.add(place.name)
                for form in short_forms(place.name, "county"):
                    counties.setdefault(form, place.code)
            elif place.level == "town" and place.parent_code:
                towns.setdefault(place.parent_code, []).append(place.name)
        self.full_counties = frozenset(full_counties)
        self.county_of = counties
        self.towns = {code: sorted(names, key=len, reverse=True) for code, names in towns.items()}
        self.full_cities = frozenset(c for c in cities if c.endswith("市"))
        by_length = sorted(counties, key=len, reverse=True)
        city_forms = sorted(cities, key=len, reverse=True)
        self.pattern = (
            re.compile(
                f"(?P<city>{'|'.join(map(re.escape, city_forms))})?"
                f"(?P<county>{'|'.join(map(re.escape, by_length))})"
                f"|(?P<cityonly>{'|'.join(map(re.escape, sorted(self.full_cities)))})"
            )
            if counties
            else None
        )

    def split(self, text: str) -> list[Part]:
        if self.pattern is None:
            return [text]
        parts: list[Part] = []
        last = 0
        for m in self.pattern.finditer(text):
            if m.group("cityonly"):
                parts += [text[last : m.start()], ("city", 0.0, m.group(0))]
                last = m.end()
                continue
            county = m.group("county")
            end = m.end()
            town = next(
                (t for t in self.towns.get(self.county_of[county], ()) if text.startswith(t, end)),
                None,
            )
            if county not in self.full_counties and not (m.group("city") or town):
                continue  # a bare short form (天台, 路桥, 西湖 …) is too often something else
            kind = "county_town" if town else "county"
            if town:
                end += len(town)
            if m.group("city"):
                kind = "city_" + kind
            parts += [text[last : m.start()], (kind, 0.0, text[m.start() : end])]
            last = end
        parts.append(text[last:])
        return [p for p in parts if p != ""]


def _parse(text: str, places: _Places) -> list[Part]:
    parts: list[Part] = []
    for piece in places.split(text):
        if not isinstance(piece, str):
            parts.append(piece)
            continue
        last = 0
        for m in _PLACEHOLDER.finditer(piece):
            kind = m.lastgroup or ""
            if kind == "unit":
                value = float(m.group("amount"))
                slot: Slot = ("amount", value, m.group("unit"))
            else:
                slot = (kind, 0.0, m.group(0))
            parts += [piece[last : m.start()], slot]
            last = m.end()
        parts.append(piece[last:])
    return [p for p in parts if p != ""]


def _template(entry: BankText, places: _Places) -> Template:
    text = entry.text.strip()
    reported = _REPORTED.match(text)
    if reported:
        text = text[reported.end() :].lstrip("：:，, ")
    lead = _LEAD.match(text)
    lead_text = lead.group(0) if lead else ""
    text = text[len(lead_text) :]
    return Template(
        parts=tuple(_parse(text, places)),
        code=entry.code,
        police=not entry.code.startswith("60"),
        source_channel=entry.channel,
        lead=lead_text,
        reported_speech=bool(reported),
        timed=bool(_TIMED.search(entry.text)),
        head=text[:16],
    )


def pick(rnd: random.Random, items: Sequence[T]) -> T:
    """One of ``items`` (faster than ``Random.choice``; the generator draws millions)."""
    return items[int(rnd.random() * len(items))]


def number(rnd: random.Random, low: int, high: int) -> int:
    """An integer from ``low`` to ``high`` inclusive."""
    return low + int(rnd.random() * (high - low + 1))


def vary_amount(value: float, unit: str, rnd: random.Random) -> str:
    """``value`` (in ``unit``) moved by up to ±20 %, on the same side of every threshold."""
    factor = 10000.0 if unit.startswith("万") else 1.0
    yuan = value * factor
    new = yuan * rnd.uniform(0.8, 1.2)
    magnitude = 10 ** max(0, len(str(int(new))) - 2)
    new = round(new / magnitude) * magnitude if new >= 100 else round(new)
    if new <= 0 or any((yuan >= t) != (new >= t) for t in AMOUNT_THRESHOLDS):
        new = yuan
    shown = new / factor
    if factor > 1:
        return f"{shown:.1f}".rstrip("0").rstrip(".") if shown % 1 else f"{int(shown)}"
    return f"{int(shown)}" if float(shown).is_integer() else f"{shown:g}"


def plate(letter: str, rnd: random.Random) -> str:
    """A well-formed Zhejiang plate such as 浙D·3K5E1 (sometimes a 6-character new-energy one)."""
    if rnd.random() < 0.15:
        return f"浙{letter}·{pick(rnd, 'DF')}{''.join(rnd.choices(DIGITS, k=5))}"
    chars = [pick(rnd, DIGITS) for _ in range(5)]
    for position in rnd.sample(range(5), pick(rnd, (0, 1, 1, 2))):
        chars[position] = pick(rnd, PLATE_CHARS[:22])
    return f"浙{letter}·{''.join(chars)}"


# Common surnames first: weight falls off exponentially down the list.
_SURNAME_DRAWS = "".join(s * max(1, round(40 * 0.93**i)) for i, s in enumerate(SURNAMES))


def surname(rnd: random.Random) -> str:
    return _SURNAME_DRAWS[int(rnd.random() * len(_SURNAME_DRAWS))]


def full_name(rnd: random.Random) -> str:
    given = pick(rnd, GIVEN)
    return surname(rnd) + (given + pick(rnd, GIVEN) if rnd.random() < 0.67 else given)


_HOUR_WORDS = "零一两三四五六七八九十"


def _hour_words(hour: int, rnd: random.Random) -> str:
    if rnd.random() < 0.5:
        return str(hour)
    return _HOUR_WORDS[hour] if hour <= 10 else "十" + _HOUR_WORDS[hour - 10]


def time_phrase(local: dt.datetime, rnd: random.Random) -> str:
    """When it happened, said as callers say it, a little before the call's local time."""
    kind = rnd.random()
    if kind < 0.2:
        return pick(rnd, ("刚才", "刚刚", "就在刚才"))
    if kind < 0.38:
        return pick(
            rnd, ("5分钟前", "十分钟前", "15分钟前", "20分钟前", "半小时前", "一个多小时前")
        )
    when = local - dt.timedelta(minutes=number(rnd, 5, 100))
    day = "" if when.date() == local.date() else "昨天"
    if kind < 0.75:
        hour = when.hour
        period = (
            "凌晨"
            if hour < 6
            else "早上"
            if hour < 9
            else "上午"
            if hour < 12
            else "中午"
            if hour == 12
            else "下午"
            if hour < 18
            else "傍晚"
            if hour == 18
            else "晚上"
        )
        if day:
            period = "昨晚" if hour >= 18 else "昨天" + period
        elif rnd.random() < 0.4:
            period = "今天" + period
        twelve = hour % 12 or 12
        return f"{period}{_hour_words(twelve, rnd)}点{pick(rnd, ('左右', '多', '许', ''))}"
    minute = when.minute // 5 * 5
    clock = f"{when.hour}时{minute:02d}分许" if rnd.random() < 0.6 else f"{when.hour}时许"
    return (day or pick(rnd, ("", "", "今日"))) + clock


# Who the note says called: anonymous, by "王先生", or by full name (then {s} is the surname).
_ANONYMOUS = ("报警人", "报警人", "来电人", "一男子", "一女子", "群众")
_BY_TITLE = ("报警人{c}", "{c}", "市民{c}", "报警人（{c}）")
_BY_NAME = ("报警人{s}某", "{s}某某", "报警人{c}", "{c}", "报警人（{s}某）")
_SAYS = ("称", "称", "称", "来电称", "报警称")
_AFTER_SAYS = ("", "", "，", "：")
_SUFFIX_POLICE = (
    "，要求民警到场", "，请求出警", "，要求处理", "，报警人在现场等候", "，现场有人围观",
    "，请尽快派人", "，报警人情绪激动",
)  # fmt: skip
_SUFFIX_OTHER = ("，要求有关部门处理", "，希望尽快解决", "，要求协调", "，请帮忙联系相关部门")
_GREETINGS = (
    "", "", "您好，", "你好，", "尊敬的领导您好！", "尊敬的领导：", "领导您好，", "12345您好，",
    "市长您好！", "各位领导好，",
)  # fmt: skip
_CLOSINGS = (
    "谢谢！", "盼复。", "希望尽快处理，谢谢。", "恳请相关部门重视，谢谢！", "请尽快给个答复。",
    "麻烦了。", "望早日解决。", "感谢！",
)  # fmt: skip
_GRID_OPENINGS = (
    "网格员巡查发现：", "网格员{n}巡查发现，", "网格员走访获悉：", "网格上报：",
    "{n}（网格员）上报：", "日常巡查中发现，", "网格员入户走访时了解到，",
)  # fmt: skip
_APP_CLOSINGS = ("请尽快处理", "谢谢", "急！", "麻烦快点来人看看", "希望有人管一管")


class TextBank:
    """Pools of corpus templates by channel register and police / non-police."""

    def __init__(self, entries: Iterable[BankText], *, places: Iterable[PlaceRecord] = ()) -> None:
        matcher = _Places(places)
        templates = [
            _template(e, matcher) for e in entries if e.channel in CHANNELS and e.text.strip()
        ]
        self.templates = tuple(templates)
        pools: dict[tuple[str, bool], list[Template]] = {
            (c, p): [] for c in CHANNELS for p in (True, False)
        }
        for t in templates:
            pools[(t.source_channel, t.police)].append(t)
        # Grid workers report non-police matters too; the corpus writes those as calls and
        # tickets, which the grid framing turns into a grid worker's report.
        pools[("grid", False)] += [
            t
            for t in templates
            if not t.police
            and t.source_channel in ("110", "app")
            and not t.lead
            and not _NO_REPORTER.match(t.head)
            and "来电" not in t.head
        ]
        self.pools = {key: tuple(value) for key, value in pools.items()}
        self.by_channel = {c: self.pools[(c, True)] + self.pools[(c, False)] for c in CHANNELS}
        self.storm = tuple(
            t for t in templates if t.code in STORM_CODES and t.source_channel == "110"
        )

    @classmethod
    def from_corpus(cls, folder: Path | None = None) -> TextBank:
        """The shipped triage corpus (or ``folder`` of the same ``*.jsonl`` files)."""
        if folder is None:
            base = resources.files("pingan.data.triage").joinpath("corpus")
            files = [f for f in base.iterdir() if f.name.endswith(".jsonl")]
            texts = [f.read_text("utf-8") for f in sorted(files, key=lambda f: f.name)]
        else:
            texts = [p.read_text("utf-8") for p in sorted(folder.glob("*.jsonl"))]
        entries = []
        for content in texts:
            for line in content.splitlines():
                if line.strip():
                    row = json.loads(line)
                    entries.append(BankText(row["text"], row["code"], row["channel"]))
        return cls(entries, places=load_places())

    def pool(self, channel: str, police: bool) -> Sequence[Template]:
        """The templates a ``channel`` caller draws from; the other kind if that one is empty."""
        found = self.pools.get((channel, police), ())
        return found or self.pools.get((channel, not police), ())

    def everything(self, channel: str) -> Sequence[Template]:
        """All templates of a channel, police and not, in the corpus's own mix."""
        return self.by_channel.get(channel, ())

    def compose(
        self,
        template: Template,
        channel: str,
        locale: Locale,
        local_time: dt.datetime,
        rnd: random.Random,
        *,
        caller: str | None = None,
    ) -> str:
        """The text of one call: slots filled for ``locale`` and framed for ``channel``.

        ``caller`` is the caller's name as the call-taker wrote it (王先生, 李雪) or the grid
        worker's name; the text names the same person.
        """
        body = _fill(template.parts, locale, rnd)
        if channel == "110":
            return self._frame_110(template, body, local_time, caller, rnd)
        if channel == "12345":
            return self._frame_12345(template, body, locale, rnd)
        if channel == "grid":
            if body.startswith(("网格", "【网格")) or "网格员" in body[:30]:
                return template.lead + body
            opening = pick(rnd, _GRID_OPENINGS).format(n=caller or full_name(rnd))
            when = ""
            if not template.timed and rnd.random() < 0.4:
                when = time_phrase(local_time, rnd) + "，"
            return opening + when + body
        text = template.lead + body
        if not template.timed and rnd.random() < 0.3:
            text = time_phrase(local_time, rnd) + "，" + text
        if rnd.random() < 0.35:
            if text.endswith(("？", "?")):
                text += pick(rnd, _APP_CLOSINGS)
            else:
                text = text.rstrip("。！!") + "，" + pick(rnd, _APP_CLOSINGS)
        return text

    @staticmethod
    def _frame_110(
        template: Template, body: str, local: dt.datetime, caller: str | None, rnd: random.Random
    ) -> str:
        text = template.lead + body
        who = ""
        if template.reported_speech or (
            not _NO_REPORTER.match(text) and rnd.random() < (0.5 if template.lead else 0.3)
        ):
            if not caller:
                who = pick(rnd, _ANONYMOUS)
            elif caller.endswith(("先生", "女士")):
                who = pick(rnd, _BY_TITLE).format(c=caller)
            else:
                who = pick(rnd, _BY_NAME).format(c=caller, s=caller[0])
            if not template.lead:
                says = "称" if who.endswith(("人", "）")) else pick(rnd, _SAYS)
                who += says + pick(rnd, _AFTER_SAYS)
        if not template.timed and not template.lead and rnd.random() < 0.6:
            text = f"{time_phrase(local, rnd)}，{text}"
        text = who + text
        if rnd.random() < 0.25:
            end = "。" if text.endswith("。") else ""
            suffixes = _SUFFIX_POLICE if template.police else _SUFFIX_OTHER
            text = text.rstrip("。！!") + pick(rnd, suffixes) + end
        return text

    @staticmethod
    def _frame_12345(template: Template, body: str, locale: Locale, rnd: random.Random) -> str:
        text = template.lead + body
        for _ in range(2):  # 尊敬的领导：您好！
            greeting = _GREETING.match(text)
            if greeting:
                text = text[greeting.end() :]
        opening = pick(rnd, _GREETINGS)
        if not _FIRST_PERSON.search(text) and rnd.random() < 0.4:
            who = "村民" if locale.name.endswith("村") else pick(rnd, ("居民", "业主"))
            opening += pick(
                rnd,
                (f"我是{locale.town}{locale.name}的{who}，", f"我住在{locale.town}{locale.name}，"),
            )
        if rnd.random() < 0.6:
            text = text.rstrip() + pick(rnd, _CLOSINGS)
        return opening + text


def _fill(parts: Sequence[Part], locale: Locale, rnd: random.Random) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        kind, number, original = part
        out.append(_slot(kind, number, original, locale, rnd))
    return "".join(out)


def _slot(kind: str, number: float, original: str, locale: Locale, rnd: random.Random) -> str:
    county = locale.county
    city_county = locale.city + county if locale.city and locale.city != county else county
    if kind == "amount":
        return vary_amount(number, original, rnd) + original
    if kind == "plate":
        letter = locale.plate_letter if rnd.random() < 0.75 else pick(rnd, "ABCDEFGHJKL")
        return plate(letter, rnd)
    if kind == "citycounty":
        return city_county
    if kind == "county":
        return county
    if kind == "city":
        return locale.city or county
    if kind == "county_town":
        return county + locale.town
    if kind == "city_county":
        return city_county
    if kind == "city_county_town":
        return city_county + locale.town
    if kind == "town":
        return locale.town
    if kind == "village":
        return locale.name if locale.name.endswith("村") else pick(rnd, PROPER) + "村"
    if kind == "community":
        return locale.name if locale.name.endswith("社区") else pick(rnd, PROPER) + "社区"
    if kind == "road":
        return pick(rnd, locale.roads)
    if kind == "estate":
        return pick(rnd, locale.estates) if rnd.random() < 0.7 else "某小区"
    if kind == "organisation":
        return "某"
    if kind == "xx":
        return pick(rnd, PROPER)
    return original
