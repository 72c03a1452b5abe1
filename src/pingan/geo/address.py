"""Address understanding: find the Zhejiang division (down to village) that a text talks about.

A :class:`Gazetteer` indexes every division name of the shipped tree with the short forms people
write (绍兴/绍兴市, 新昌/新昌县, 南明/南明街道, 高钱/高钱村), the names of abolished or renamed
divisions (江干区, 绍兴县 …), roads, communities and POIs a deployment imports, and the provinces
and cities outside Zhejiang (as evidence *against* a Zhejiang reading).

Matching works on a bare address and on a whole incident description:

1. every name found in the text is a *mention* with one or more candidate divisions; overlapping
   mentions are settled strong-first, then longest-first;
2. a mention right after a place outside Zhejiang (江西省南昌市 | 西湖区) belongs to that place;
3. each candidate is a hypothesis; its support is the weight of every mention that names it or one
   of its ancestors, so that 柯桥区 + 华舍街道 reinforce each other;
4. town and village names, and short forms that are also common words (城关, 天台, 路桥 …), count
   only when a mentioned (or the deployment's default) county/city/town contains them, or when
   the name is unique in the province and long enough;
5. the best-supported hypothesis wins; equal candidates of one ambiguous name fall back to their
   common ancestor; shallower levels win remaining ties.

Pure Python and stdlib only.  Nothing is built at import time: :func:`default_gazetteer` builds
the shipped gazetteer on first use (about a second) and keeps it.
"""

from __future__ import annotations

import csv
import math
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any, get_args

from pingan.geo.coords import CoordinateSystem, to_wgs84
from pingan.geo.names import display_name, short_forms
from pingan.geo.outside_names import OTHER_CITIES, OTHER_PROVINCES
from pingan.geo.places_file import (
    LEVELS,
    FormerDivision,
    PlaceRecord,
    PlaceTree,
    UnknownPlaceError,
    load_former_divisions,
    load_place_tree,
)

USER_PLACE_KINDS = ("road", "community", "poi")

# How much a mention of each level counts, by full name and by short form.
_FULL_WEIGHT = {"province": 1.0, "city": 3.0, "county": 3.0, "town": 2.0, "village": 1.0}
_SHORT_WEIGHT = {"province": 0.8, "city": 2.5, "county": 2.0, "town": 1.2, "village": 0.6}
_COMMON_WORD_WEIGHT = 1.0
_USER_PLACE_WEIGHT = 2.0
_OUTSIDE_FULL_WEIGHT = 3.0
_OUTSIDE_SHORT_WEIGHT = 1.5
_DEFAULT_WEIGHT = 0.5
_REPEAT_WEIGHT = 0.1
_FORMER_PENALTY = 0.1
_FORMER_PART_PENALTY = 0.3
_VARIANT_PENALTY = 0.2

# Two-character short forms that are ordinary words as well as place names: they count only
# when a surrounding place agrees with them.
_COMMON_WORDS = frozenset(
    {
        "天台",
        "路桥",
        "江山",
        "城关",
        "新华",
        "中心",
        "人民",
        "解放",
        "和平",
        "胜利",
        "建设",
        "光明",
        "东方",
        "前进",
        "红旗",
        "东风",
        "幸福",
        "太平",
        "长安",
        "中山",
        "大桥",
        "新村",
        "花园",
        "工业",
        "商业",
        "文化",
        "体育",
        "公园",
    }
)
# A two-character form made only of these (城东, 上城, 新城, 前后 …) is treated as a common word.
_GENERIC_CHARACTERS = frozenset("东南西北中上下前后内外新老旧大小城关镇乡村里头")

# What may follow a bare short form and turns it into the name of something else: 新昌路 is a
# road, 清泉花园 an estate, 钱塘江 a river.
_NAME_CONTINUATIONS = (
    "路",
    "巷",
    "弄",
    "大道",
    "大街",
    "公路",
    "高速",
    "桥",
    "小区",
    "花园",
    "公寓",
    "新村",
    "家园",
    "苑",
    "府",
    "大厦",
    "广场",
    "公园",
    "中学",
    "小学",
    "大学",
    "学院",
    "医院",
    "宾馆",
    "酒店",
    "饭店",
    "商场",
    "寺",
)
_DIRECTION_CHARACTERS = frozenset("东西南北中")
_DIVISION_SUFFIX_CHARACTERS = frozenset("省市县区镇乡村")
# "XX县" is not a county name when XX ends (or starts) with one of these (本县, 回到县, 某县) or
# 县 is followed by one of the words after it (县城, 县委, 县政府 …).
_NOT_COUNTY_STEM_ENDINGS = frozenset("本该全各邻外此某在到回出进往去来我你他其原省市州区")
_NOT_COUNTY_FOLLOWERS = ("城", "委", "政府", "级", "长", "里", "域", "内", "外", "上", "境")
_ORDINAL_CHARACTERS = frozenset("一二三四五六七八九十")
_STREET_CHARACTERS = frozenset("路街")

# Outside places own the divisions written right after them ("江西省南昌市西湖区"), across a
# gap of at most this many characters when the gap ends like a division name (鼓楼区).
_CLAIM_GAP = 1
# Agreeing mentions at most this far apart belong to one written address (for the span).
_SPAN_GAP = 4
_CLAIM_DIVISION_GAP = 6
_DIVISION_ENDINGS = ("区", "县", "市", "旗", "镇", "乡", "街道")

# Town and village names are accepted without a surrounding place only when unique and at
# least this long (including the 镇/街道/村 suffix).
_STANDALONE_LENGTH = {"town": 3, "village": 4}

_LEVEL_INDEX = {level: index for index, level in enumerate(LEVELS)}

# Full-width ASCII and the ideographic space, mapped one character to one so spans stay put.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WIDE = re.compile("[\uff01-\uff5e\u3000]")
_NARROW = {chr(wide): chr(narrow) for wide, narrow in _FULLWIDTH.items()}

# resolve_address remembers this many answers (texts up to _REMEMBERED_LENGTH characters): an
# address repeated in a batch or across the next few batches is matched once.
_REMEMBERED = 1024
_REMEMBERED_LENGTH = 200


class UserPlacesError(ValueError):
    """A user places CSV that cannot be read; ``errors`` lists every bad row."""

    def __init__(self, path: Path, errors: Sequence[str]) -> None:
        self.path = path
        self.errors = list(errors)
        shown = "; ".join(self.errors[:10])
        more = f" (and {len(self.errors) - 10} more)" if len(self.errors) > 10 else ""
        super().__init__(f"{path}: {shown}{more}")


@dataclass(frozen=True, slots=True)
class UserPlace:
    """A road, community (小区) or POI a deployment knows, below village level.

    ``place_code`` is the division it lies in (town or village usually); ``lon``/``lat`` are
    WGS-84 or None when the file gave no point.
    """

    name: str
    kind: str
    place_code: str
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class PlaceMatch:
    """Where a text is, as far as it can be told: names from province down, or None where the
    text does not reach that level."""

    province: str | None
    city: str | None
    county: str | None
    town: str | None
    village: str | None
    code: str
    level: str
    span: str
    lon: float | None
    lat: float | None
    score: float
    evidence: list[str] = field(default_factory=list)
    poi: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "province": self.province,
            "city": self.city,
            "county": self.county,
            "town": self.town,
            "village": self.village,
            "code": self.code,
            "level": self.level,
            "span": self.span,
            "lon": self.lon,
            "lat": self.lat,
            "score": self.score,
            "evidence": list(self.evidence),
            "poi": self.poi,
        }


@dataclass(frozen=True, slots=True)
class _Entry:
    """One reading of a surface form: the division it names and how much it counts."""

    code: str
    level: str
    weight: float
    short: bool = False
    needs_context: bool = False
    standalone: bool = False
    note: str | None = None
    user_place: int | None = None
    outside: bool = False
    # A town that moved to another county also agrees with the county it used to be in.
    former_parent: str | None = None
    former_note: str | None = None
    # The level the name was written at, when it differs (龙港镇 names a town, now 龙港市).
    written_level: str | None = None
    # False for spellings we derive (柯桥镇 for 柯桥街道, 东山村 for 东山社区): never alone.
    official: bool = True


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    surface: str
    entries: list[_Entry]
    outside: bool = False
    strong: bool = True  # wins overlaps: a full name, a county or city, a user place


# Names by level, level, lon and lat of a division (see Gazetteer._place_of).
_Place = tuple[dict[str, str | None], str, float | None, float | None]


@dataclass(slots=True)
class _Hypothesis:
    mention: int
    entry: _Entry
    support: float
    grounds: str | None  # the name (or 默认辖区) that made a context-bound name count


def _is_common_word(form: str) -> bool:
    return form in _COMMON_WORDS or (
        len(form) == 2 and form[0] in _GENERIC_CHARACTERS and form[1] in _GENERIC_CHARACTERS
    )


def _continues_as_other_name(text: str, end: int) -> bool:
    """True when the text after ``end`` makes the preceding short form part of another name."""
    if end >= len(text):
        return False
    if text.startswith(_NAME_CONTINUATIONS, end):
        return True
    head = text[end]
    following = text[end + 1 : end + 2]
    if head in _DIVISION_SUFFIX_CHARACTERS:
        return True  # 朝阳县 is another division than the 朝阳 we know, or it would have matched
    if head == "街":
        return following != "道"
    if head in _DIRECTION_CHARACTERS or head in _ORDINAL_CHARACTERS:
        return following in _STREET_CHARACTERS or text.startswith("大道", end + 1)
    return False


def _former_verb(record: FormerDivision) -> str:
    note = record.note.lower()
    if "statistical zone" in note:
        return "功能区"
    if note.startswith("part"):
        return "部分划入"
    if "moved from county" in note:
        return "调整隶属"
    if "abolished" in note:
        return "撤销"
    if "villages now under" in note or "merged" in note:
        return "撤并"
    return "更名"


def _former_evidence(record: FormerDivision, current: PlaceRecord) -> str:
    verb = _former_verb(record)
    when = f"{record.changed}年" if record.changed else ""
    return f"{record.former_name}→{current.name}（{when}{verb}）"


def _former_level(record: FormerDivision, current: PlaceRecord) -> str:
    code = record.former_code or ""
    if len(code) == 6:
        return "county"
    if len(code) == 9:
        return "town"
    return current.level if current.level in ("city", "county") else "town"


class Gazetteer:
    """Every Zhejiang division name (and a deployment's own places) ready for matching text."""

    def __init__(
        self,
        tree: PlaceTree,
        former: Iterable[FormerDivision] = (),
        *,
        user_places: Iterable[UserPlace] = (),
    ) -> None:
        self.tree = tree
        self.user_places = list(user_places)
        records = tree.records()
        self._chain: dict[str, tuple[str, ...]] = {}
        self._chain_set: dict[str, frozenset[str]] = {}
        for record in records:
            chain = self._chain_of(record)
            self._chain[record.code] = chain
            self._chain_set[record.code] = frozenset(chain)
        index: dict[str, list[_Entry]] = defaultdict(list)
        self._add_divisions(index, records)
        self._add_former(index, former)
        self._add_outside(index)
        self._add_user_places(index)
        self._mark_standalone(index)
        self._index = dict(index)
        # For scanning: the beginnings of longer forms, the forms with short readings (which
        # the text after them may cancel) and the forms that win overlaps.
        self._prefixes = {form[:cut] for form in self._index for cut in range(1, len(form))}
        # Every form has two characters or more: a scan goes on only where the next two
        # characters begin one (15 thousand pairs, against most characters beginning one).
        self._heads = {form[:2] for form in self._index}
        self._longest = max(map(len, self._index), default=0)
        self._with_short = {form for form, entries in self._index.items() if _any_short(entries)}
        self._strong = {form for form, entries in self._index.items() if _is_strong(entries)}
        self._places: dict[str, _Place] = {}  # filled as matches are made (see _place_of)

    # -- building ---------------------------------------------------------------------------

    def _chain_of(self, record: PlaceRecord) -> tuple[str, ...]:
        chain = [record.code]
        parent = record.parent_code
        while parent is not None:
            chain.append(parent)
            above = self.tree.get_or_none(parent)
            parent = above.parent_code if above is not None else None
        return tuple(reversed(chain))

    @staticmethod
    def _put(index: dict[str, list[_Entry]], form: str, entry: _Entry) -> None:
        entries = index[form]
        for position, existing in enumerate(entries):
            if existing.code == entry.code and existing.user_place == entry.user_place:
                if entry.weight > existing.weight:
                    entries[position] = entry
                return
        entries.append(entry)

    def _add_divisions(self, index: dict[str, list[_Entry]], records: list[PlaceRecord]) -> None:
        for record in records:
            if record.level not in _FULL_WEIGHT:
                continue
            forms = self.tree.forms(record.code)
            shown = display_name(record.name, record.level)
            for position, form in enumerate(forms):
                # A village committee title and the village name are both "full" names.
                full = position == 0 or form == shown
                if not full and record.level == "village" and _is_common_word(form):
                    continue  # 城西, 人民: too common to be read as a village
                self._put(index, form, self._division_entry(record, form, full=full))
            for form in _suffix_variants(shown, record.level):
                if form not in forms:
                    entry = self._division_entry(record, form, full=True)
                    weight = entry.weight - _VARIANT_PENALTY
                    self._put(index, form, replace(entry, weight=weight, official=False))

    @staticmethod
    def _division_entry(record: PlaceRecord, form: str, *, full: bool) -> _Entry:
        common = not full and _is_common_word(form)
        needs_context = record.level in ("town", "village") or common
        if common:
            weight = min(_COMMON_WORD_WEIGHT, _SHORT_WEIGHT[record.level])
        else:
            weight = (_FULL_WEIGHT if full else _SHORT_WEIGHT)[record.level]
        return _Entry(
            code=record.code,
            level=record.level,
            weight=weight,
            short=not full,
            needs_context=needs_context,
        )

    def _add_former(self, index: dict[str, list[_Entry]], former: Iterable[FormerDivision]) -> None:
        seen_names: dict[str, int] = defaultdict(int)
        for record in former:
            current = self.tree.get_or_none(record.current_code)
            if current is None or current.level not in _FULL_WEIGHT:
                continue
            order = seen_names[record.former_name]
            seen_names[record.former_name] += 1
            level = _former_level(record, current)
            penalty = _FORMER_PENALTY + (_FORMER_PART_PENALTY if order else 0.0)
            evidence = _former_evidence(record, current)
            moved = self._moved_from(record, current)
            for position, form in enumerate(short_forms(record.former_name, level)):
                existing = index.get(form, [])
                same = [e for e in existing if e.code == current.code and e.note is None]
                if same:
                    # The same name is still in use there; remember the county it came from.
                    if moved is not None:
                        index[form] = [
                            replace(e, former_parent=moved[0], former_note=moved[1])
                            if e in same
                            else e
                            for e in existing
                        ]
                    continue
                full = position == 0
                if not full and any(
                    e.note is None and e.level in ("province", "city", "county") for e in existing
                ):
                    continue  # 绍兴 (from 绍兴县) means 绍兴市, not 柯桥区
                weight = (_FULL_WEIGHT if full else _SHORT_WEIGHT)[level] - penalty
                needs_context = level in ("town", "village") or (not full and _is_common_word(form))
                entry = _Entry(
                    code=current.code,
                    level=current.level,
                    weight=weight,
                    short=not full,
                    needs_context=needs_context,
                    note=evidence,
                    former_parent=moved[0] if moved is not None else None,
                    written_level=level if level != current.level else None,
                )
                self._put(index, form, entry)

    def _moved_from(self, record: FormerDivision, current: PlaceRecord) -> tuple[str, str] | None:
        """For a town now in another county: the county it was in and a note saying so."""
        code = record.former_code or ""
        if len(code) != 9 or current.code.startswith(code[:6]):
            return None
        before = self.tree.get_or_none(code[:6])
        if before is None or before.level != "county":
            return None
        now = next(
            (
                self.tree.get(c).name
                for c in self._chain[current.code]
                if self.tree.get(c).level == "county"
            ),
            current.name,
        )
        return before.code, f"{record.former_name}：原属{before.name}，今属{now}"

    def _add_outside(self, index: dict[str, list[_Entry]]) -> None:
        """Provinces and cities outside Zhejiang.  A Zhejiang town or higher keeps its name
        (丹东 is a town stem here); a Zhejiang village stem gives way (南昌 is a city first)."""
        names: list[tuple[str, str]] = [
            (short, suffix) for short, suffix in OTHER_PROVINCES.items()
        ]
        names += [(city, "市") for city in OTHER_CITIES]
        for short, suffix in names:
            for form, weight in (
                (short + suffix, _OUTSIDE_FULL_WEIGHT),
                (short, _OUTSIDE_SHORT_WEIGHT),
            ):
                existing = index.get(form, [])
                if any(e.level != "village" or not e.short for e in existing):
                    continue
                index[form] = [
                    _Entry(
                        code="", level="outside", weight=weight, short=form == short, outside=True
                    )
                ]

    def _add_user_places(self, index: dict[str, list[_Entry]]) -> None:
        for number, place in enumerate(self.user_places):
            record = self.tree.get_or_none(place.place_code)
            if record is None:
                raise UnknownPlaceError(place.place_code)
            for form in _user_place_forms(place):
                entry = _Entry(
                    code=record.code,
                    level=record.level,
                    weight=_USER_PLACE_WEIGHT,
                    needs_context=True,
                    user_place=number,
                )
                self._put(index, form, entry)

    def _mark_standalone(self, index: dict[str, list[_Entry]]) -> None:
        """A town, village or user place name that is unique and long enough counts alone."""
        for form, entries in index.items():
            local = [e for e in entries if not e.outside]
            if not local or len({(e.code, e.user_place) for e in local}) != 1:
                continue
            entry = local[0]
            if not entry.needs_context or not entry.official or _is_common_word(_stem(form)):
                continue
            if entry.user_place is not None:
                alone = len(form) >= 3
            else:
                level = "town" if entry.level == "county" else entry.level
                alone = not entry.short and len(form) >= _STANDALONE_LENGTH.get(level, 99)
            if alone:
                index[form] = [replace(e, standalone=True) if e is entry else e for e in entries]

    # -- matching -----------------------------------------------------------------------------

    def match(self, text: str, default_place: str | None = None) -> PlaceMatch | None:
        """The division ``text`` is about, or None when it names none (and no default is given)
        or names a place outside Zhejiang.

        ``default_place`` is the code of the deployment's own division (the county whose 110 took
        the call): it breaks ties, lets bare town and village names count, and is returned itself
        when the text names nothing.
        """
        default = self._default_record(default_place)
        normal = _narrow(text)
        mentions = self._select(self._find(normal))
        outside_score, outside_decisive = self._claim(normal, mentions)
        local = [m for m in mentions if not m.outside and m.entries]
        ends = {m.end for m in mentions}
        hypotheses = self._hypotheses(normal, local, ends, default)
        if not hypotheses:
            if outside_score > 0 and (outside_decisive or default is None):
                return None
            return self._default_match(default) if default is not None else None
        best = hypotheses[0]
        local_support = best.support - (_DEFAULT_WEIGHT if best.grounds == "默认辖区" else 0.0)
        if outside_score > local_support:
            return None
        return self._build(text, local, hypotheses, default)

    def _default_record(self, default_place: str | None) -> PlaceRecord | None:
        if default_place is None or not default_place.strip():
            return None
        code = default_place.strip()
        record = self.tree.get_or_none(code) or self.tree.get_by_nbs_code(code)
        if record is not None:
            return record
        found = self.tree.find_by_name(code)
        if len(found) == 1 or (found and found[0].level in ("province", "city", "county")):
            return found[0]
        raise UnknownPlaceError(code)

    def _find(self, text: str) -> list[_Mention]:
        found: list[_Mention] = []
        size = len(text)
        index = self._index
        prefixes = self._prefixes
        heads = self._heads
        longest = self._longest
        strong_forms = self._strong
        with_short = self._with_short
        for start in range(size - 1):
            if text[start : start + 2] not in heads:
                continue
            for end in range(start + 2, min(size, start + longest) + 1):
                surface = text[start:end]
                entries = index.get(surface)
                if entries is not None:
                    strong = surface in strong_forms
                    if (
                        surface in with_short
                        and _continues_as_other_name(text, end)
                        and not self._names_place_at(text, end)
                    ):
                        entries = [e for e in entries if not e.short]
                        strong = _is_strong(entries)
                    if entries:
                        found.append(
                            _Mention(start, end, surface, entries, entries[0].outside, strong)
                        )
                if surface not in prefixes:
                    break
        found.extend(self._unknown_counties(text))
        return found

    def _unknown_counties(self, text: str) -> list[_Mention]:
        """ "XX县" that is no Zhejiang county (current or former) is a county elsewhere: every
        Zhejiang county is in the gazetteer.  (本县, 该县, 县城 … are not names.)"""
        found: list[_Mention] = []
        position = text.find("县", 2)
        while position != -1:
            stem = text[position - 2 : position]
            if (
                all("\u4e00" <= char <= "\u9fff" for char in stem)
                and stem[-1] not in _NOT_COUNTY_STEM_ENDINGS
                and stem[0] not in _NOT_COUNTY_STEM_ENDINGS
                and not text.startswith(_NOT_COUNTY_FOLLOWERS, position + 1)
                and stem + "县" not in self._index
            ):
                entry = _Entry(code="", level="outside", weight=_OUTSIDE_FULL_WEIGHT, outside=True)
                found.append(_Mention(position - 2, position + 1, stem + "县", [entry], True, True))
            position = text.find("县", position + 1)
        return found

    def _names_place_at(self, text: str, start: int) -> bool:
        """True when a county or town name starts at ``start`` (台州|路桥, not 台州路)."""
        for end in range(start + 2, min(len(text), start + self._longest) + 1):
            surface = text[start:end]
            entries = self._index.get(surface)
            if entries and any(e.level in ("county", "town") and not e.outside for e in entries):
                return True
            if surface not in self._prefixes:
                return False
        return False

    @staticmethod
    def _select(found: list[_Mention]) -> list[_Mention]:
        """Non-overlapping mentions: strong names first, then longer, then earlier."""

        def rank(mention: _Mention) -> tuple[int, int, int]:
            return (0 if mention.strong else 1, mention.start - mention.end, mention.start)

        taken: list[_Mention] = []
        used: set[int] = set()
        for mention in sorted(found, key=rank):
            span = range(mention.start, mention.end)
            if not used.isdisjoint(span):
                continue
            used.update(span)
            taken.append(mention)
        taken.sort(key=lambda m: m.start)
        return taken

    @staticmethod
    def _claim(text: str, mentions: list[_Mention]) -> tuple[float, bool]:
        """Mark mentions that follow a place outside Zhejiang as belonging to it.

        Returns the weight of the outside evidence and whether it reads like an address
        (a full name such as 江西省, a following division, or the very start of the text).
        """
        score = 0.0
        decisive = False
        claim_end: int | None = None
        for mention in mentions:
            if mention.outside:
                entry = mention.entries[0]
                score += entry.weight
                decisive = decisive or not entry.short or mention.start <= 1
                claim_end = mention.end
                continue
            if (
                claim_end is not None
                and _follows(text, claim_end, mention.start)
                and not any(e.level in ("province", "city") for e in mention.entries)
            ):
                mention.outside = True
                decisive = True
                score += max(e.weight for e in mention.entries)
                claim_end = mention.end
                continue
            claim_end = None
        return score, decisive

    def _hypotheses(
        self,
        text: str,
        mentions: list[_Mention],
        ends: set[int],
        default: PlaceRecord | None,
    ) -> list[_Hypothesis]:
        default_area = self._default_area(default)
        by_code: dict[str, list[tuple[int, _Entry]]] = defaultdict(list)
        for number, mention in enumerate(mentions):
            for entry in mention.entries:
                by_code[entry.code].append((number, entry))
        found: list[_Hypothesis] = []
        for number, mention in enumerate(mentions):
            for entry in mention.entries:
                grounds = self._grounds(number, entry, mentions, by_code, default, default_area)
                if grounds is None:
                    continue
                if (
                    grounds == ""
                    and entry.standalone
                    and _after_unknown_division(text, mention, ends)
                ):
                    continue  # 松溪县松源镇: a town of a county we do not know
                support = self._support(number, entry, by_code)
                if default_area is not None and default_area in self._chain_set[entry.code]:
                    support += _DEFAULT_WEIGHT
                    if default is not None and default.code in self._chain_set[entry.code]:
                        support += _DEFAULT_WEIGHT / 2
                found.append(_Hypothesis(number, entry, support, grounds))
        found.sort(
            key=lambda h: (
                -round(h.support, 6),
                _LEVEL_INDEX[h.entry.level],
                mentions[h.mention].start,
            )
        )
        return found

    def _depth(self, code: str) -> int:
        return len(self._chain[code])

    def _reach(self, entry: _Entry) -> frozenset[str]:
        """The divisions a reading agrees with: its chain, and the county a moved town left."""
        chain = self._chain_set[entry.code]
        return chain if entry.former_parent is None else chain | {entry.former_parent}

    def _default_area(self, default: PlaceRecord | None) -> str | None:
        """The division inside which bare town and village names may be read: the default's
        county (or the default itself when it is a city or county); never the whole province."""
        if default is None or default.level == "province":
            return None
        if default.level in ("city", "county"):
            return default.code
        for code in self._chain[default.code]:
            record = self.tree.get(code)
            if record.level == "county":
                return code
        return default.code

    def _grounds(
        self,
        number: int,
        entry: _Entry,
        mentions: list[_Mention],
        by_code: dict[str, list[tuple[int, _Entry]]],
        default: PlaceRecord | None,
        default_area: str | None,
    ) -> str | None:
        """Why a name counts: "" when it needs no context, else the name of the mentioned place
        that contains it (or agrees with it), or 默认辖区; None when nothing supports it."""
        if not entry.needs_context:
            return ""
        chain = self._chain[entry.code]
        bare_village = entry.level == "village" and entry.short and entry.user_place is None
        if entry.user_place is not None:
            above = set(chain[1:])  # its own division counts, the province does not
        elif entry.level in ("city", "county"):
            above = set(chain[:-1])  # 浙江天台
        elif bare_village:
            above = {chain[-2]}  # a bare village stem (高钱) needs its town: too many collide
        else:
            above = set(chain[1:-1])
        if entry.former_parent is not None:
            above.add(entry.former_parent)
        own = mentions[number].surface
        found: str | None = None
        for code in sorted(above):  # a fixed order: the same evidence in every process
            for other, _candidate in by_code.get(code, ()):
                if (
                    other != number
                    and mentions[other].surface != own
                    and (found is None or self._depth(code) > self._depth(found))
                ):
                    found = code  # the closest mentioned ancestor explains best
        if found is None and entry.level == "county":
            for other, mention in enumerate(mentions):  # 天台 … 平桥镇
                if other == number or mention.surface == own:
                    continue
                for candidate in mention.entries:
                    if (
                        not candidate.short
                        and candidate.code != entry.code
                        and entry.code in self._chain_set[candidate.code]
                    ):
                        found = candidate.code
        if found is not None:
            return self.tree.get(found).name
        if bare_village:
            if default is not None and default.code == chain[-2]:
                return "默认辖区"
        elif default_area is not None and default_area in self._chain_set[entry.code]:
            return "默认辖区"
        if entry.standalone:
            return ""
        return None

    def _support(
        self, number: int, entry: _Entry, by_code: dict[str, list[tuple[int, _Entry]]]
    ) -> float:
        """The weight of the mentions that agree with ``entry``: each level of its chain counts
        once, with a little more for each further mention of it (余杭区临平 names 临平区 once,
        then the town 临平街道)."""
        code = entry.code
        best: dict[int, _Entry] = {}
        for step in sorted(self._reach(entry)):
            for other, candidate in by_code.get(step, ()):
                if other == number:
                    continue
                if candidate.user_place is not None and candidate.code != code:
                    continue  # a POI supports only the division it lies in
                known = best.get(other)
                if known is None or candidate.weight > known.weight:
                    best[other] = candidate
        by_level: dict[str, float] = {_level_key(entry): entry.weight}
        repeated = 0
        for candidate in best.values():
            key = _level_key(candidate)
            if key in by_level:
                repeated += 1
            by_level[key] = max(by_level.get(key, 0.0), candidate.weight)
        return sum(by_level.values()) + _REPEAT_WEIGHT * repeated

    # -- results ------------------------------------------------------------------------------

    def _build(
        self,
        text: str,
        mentions: list[_Mention],
        hypotheses: list[_Hypothesis],
        default: PlaceRecord | None,
    ) -> PlaceMatch:
        best = hypotheses[0]
        code = best.entry.code
        user_place = best.entry.user_place
        rules: list[str] = []
        ties = [
            h
            for h in hypotheses[1:]
            if h.mention == best.mention
            and abs(h.support - best.support) < 1e-6
            and (h.entry.code, h.entry.user_place) != (code, user_place)
        ]
        used = self._supporting(mentions, best)
        surface = text[mentions[best.mention].start : mentions[best.mention].end]
        if ties:
            codes = list(dict.fromkeys([code] + [h.entry.code for h in ties]))
            if len(codes) > 1:
                code = self._common_ancestor(codes)
                names = "、".join(self._label(c) for c in codes[:4])
                rules.append(f"{surface}有多处（{names}），取共同上级")
            user_place = None
        elif best.grounds and self._ambiguous(mentions[best.mention]):
            rules.append(f"{surface}：据{best.grounds}确定")
        elif best.grounds == "默认辖区":
            rules.append("默认辖区")
        if default is not None and code != default.code and code in self._chain_set[default.code]:
            code = default.code
            rules.append("默认辖区")
        chain = self._reach(best.entry) if code == best.entry.code else self._chain_set[code]
        evidence: list[str] = []
        for number in used:
            mention = mentions[number]
            found = text[mention.start : mention.end]
            entry = self._entry_within(mention, chain, code)
            if entry is None:
                continue
            if entry.former_note and entry.former_parent in chain:
                moved_from_mentioned = any(
                    e.code == entry.former_parent for n in used for e in mentions[n].entries
                )
                if moved_from_mentioned:
                    evidence.append(entry.former_note)
            if entry.note:
                evidence.append(entry.note)
            elif entry.user_place is not None:
                if entry.user_place == user_place:
                    evidence.append(f"{found}（{self.user_places[entry.user_place].kind}）")
            else:
                name = self.tree.get(entry.code).name
                evidence.append(found if found == name else f"{found}→{name}")
        start, end = _cluster(mentions, used, best.mention)
        scale = 0.8 if ties else 1.0
        score = round(scale * min(0.99, 1.0 - 0.5 ** (best.support / 2.5)), 3)
        poi = self.user_places[user_place] if user_place is not None else None
        return self._match_for(
            code, span=text[start:end], score=score, evidence=_dedupe(evidence + rules), poi=poi
        )

    def _supporting(self, mentions: list[_Mention], best: _Hypothesis) -> list[int]:
        chain = self._reach(best.entry)
        return [
            number
            for number, mention in enumerate(mentions)
            if number == best.mention or any(e.code in chain for e in mention.entries)
        ]

    @staticmethod
    def _entry_within(mention: _Mention, chain: frozenset[str], code: str) -> _Entry | None:
        inside = [e for e in mention.entries if e.code in chain]
        if not inside:
            return None
        return max(inside, key=lambda e: (e.code == code, e.weight))

    @staticmethod
    def _ambiguous(mention: _Mention) -> bool:
        return len({e.code for e in mention.entries}) > 1

    def _common_ancestor(self, codes: list[str]) -> str:
        chains = [self._chain[c] for c in codes]
        common = chains[0][0]
        for level in range(min(len(c) for c in chains)):
            step = {c[level] for c in chains}
            if len(step) != 1:
                break
            common = chains[0][level]
        return common

    def _label(self, code: str) -> str:
        chain = self._chain[code]
        names = [self.tree.get(c).name for c in chain[2:]] if len(chain) > 2 else []
        return "".join(names) or self.tree.get(code).name

    def _default_match(self, default: PlaceRecord) -> PlaceMatch:
        return self._match_for(default.code, span="", score=0.2, evidence=["默认辖区"], poi=None)

    def _place_of(self, code: str) -> _Place:
        """The names of the division and of those above it, its level and its point (or the
        nearest one above it that has a point)."""
        names: dict[str, str | None] = dict.fromkeys(
            ("province", "city", "county", "town", "village")
        )
        lon: float | None = None
        lat: float | None = None
        for step in self._chain[code]:
            record = self.tree.get(step)
            if record.level in names:
                names[record.level] = display_name(record.name, record.level)
            if record.point is not None:
                lon, lat = record.point
        return names, self.tree.get(code).level, lon, lat

    def _match_for(
        self,
        code: str,
        *,
        span: str,
        score: float,
        evidence: list[str],
        poi: UserPlace | None,
    ) -> PlaceMatch:
        place = self._places.get(code)
        if place is None:
            place = self._places[code] = self._place_of(code)
        names, level, lon, lat = place
        if poi is not None and poi.lon is not None and poi.lat is not None:
            lon, lat = poi.lon, poi.lat
        return PlaceMatch(
            province=names["province"],
            city=names["city"],
            county=names["county"],
            town=names["town"],
            village=names["village"],
            code=code,
            level=level,
            span=span,
            lon=lon,
            lat=lat,
            score=score,
            evidence=evidence,
            poi=poi.name if poi is not None else None,
        )


def _any_short(entries: list[_Entry]) -> bool:
    return any(e.short for e in entries)


def _is_strong(entries: list[_Entry]) -> bool:
    """Names that win an overlap: full names, counties and cities, user places.  Short forms
    of towns and villages (and of places outside Zhejiang) give way (望江|西园, not 望|江西)."""
    return any(
        e.user_place is not None
        or not e.short
        or (e.level in ("province", "city", "county") and not e.needs_context)
        for e in entries
    )


def _stem(name: str) -> str:
    """The name without its level suffix (城东街道 → 城东)."""
    for suffix in ("街道", "社区", "镇", "乡", "村"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _level_key(entry: _Entry) -> str:
    if entry.user_place is not None:
        return "poi"
    return entry.written_level or entry.level


_SUFFIX_FAMILIES = {"town": ("街道", "镇", "乡"), "village": ("社区", "村")}


def _suffix_variants(name: str, level: str) -> list[str]:
    """Spellings with the suffix of a sibling status.  Towns change status (乡→镇→街道) and
    people keep the old suffix (柯桥街道 is still written 柯桥镇); 村 and 社区 are used loosely."""
    family = _SUFFIX_FAMILIES.get(level, ())
    for suffix in family:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            stem = name[: -len(suffix)]
            return [stem + other for other in family if other != suffix]
    return []


def _cluster(mentions: list[_Mention], used: list[int], centre: int) -> tuple[int, int]:
    """The stretch of text around the deciding mention where agreeing mentions follow each
    other closely: the address inside a longer description."""
    ordered = sorted(used, key=lambda n: mentions[n].start)
    position = ordered.index(centre)
    first = last = position
    while first > 0 and mentions[ordered[first]].start - mentions[ordered[first - 1]].end <= (
        _SPAN_GAP
    ):
        first -= 1
    while last + 1 < len(ordered) and (
        mentions[ordered[last + 1]].start - mentions[ordered[last]].end <= _SPAN_GAP
    ):
        last += 1
    return mentions[ordered[first]].start, mentions[ordered[last]].end


def _after_unknown_division(text: str, mention: _Mention, ends: set[int]) -> bool:
    """True when a name directly follows a division name we did not recognise (通海县|九龙街道)."""
    start = mention.start
    if start in ends:
        return False
    before = text[max(0, start - 2) : start]
    if before.endswith(("街道", "社区")):
        return True
    return (
        len(before) == 2
        and before.endswith(_DIVISION_ENDINGS)
        and before[0] not in _NOT_COUNTY_STEM_ENDINGS  # 本市, 该县 refer to a known place
    )


def _follows(text: str, claim_end: int, start: int) -> bool:
    gap = start - claim_end
    if gap <= _CLAIM_GAP:
        return True
    return gap <= _CLAIM_DIVISION_GAP and text[claim_end:start].endswith(_DIVISION_ENDINGS)


def _narrow(text: str) -> str:
    """``text.translate(_FULLWIDTH)``, faster: only the wide characters present are replaced."""
    for wide in set(_WIDE.findall(text)):
        text = text.replace(wide, _NARROW[wide])
    return text


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _user_place_forms(place: UserPlace) -> list[str]:
    name = place.name.strip().translate(_FULLWIDTH).replace(" ", "")
    forms = [name]
    if place.kind == "community" and name.endswith("小区") and len(name) >= 5:
        forms.append(name[:-2])
    return forms


def load_user_places(path: Path | str, *, tree: PlaceTree | None = None) -> list[UserPlace]:
    """Roads, communities and POIs from a CSV with ``name,kind,place_code,lon,lat`` and an
    optional ``coord_system`` column (wgs84, gcj02 or bd09; wgs84 when absent or empty).

    Points are converted to WGS-84.  ``place_code`` must be a division of ``tree`` (the shipped
    gazetteer by default).  Every bad row is reported at once in a :class:`UserPlacesError`.
    """
    path = Path(path)
    tree = tree if tree is not None else load_place_tree()
    systems = get_args(CoordinateSystem)
    places: list[UserPlace] = []
    errors: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"name", "kind", "place_code", "lon", "lat"} - set(reader.fieldnames or ())
        if missing:
            raise UserPlacesError(path, [f"missing column(s): {', '.join(sorted(missing))}"])
        for line, row in enumerate(reader, start=2):
            try:
                places.append(_user_place_from_row(row, tree, systems))
            except ValueError as error:
                errors.append(f"line {line}: {error}")
    if errors:
        raise UserPlacesError(path, errors)
    return places


def _user_place_from_row(
    row: dict[str, str | None], tree: PlaceTree, systems: tuple[str, ...]
) -> UserPlace:
    name = (row.get("name") or "").strip()
    kind = (row.get("kind") or "").strip().lower()
    code = (row.get("place_code") or "").strip()
    system = (row.get("coord_system") or "").strip().lower() or "wgs84"
    if not name:
        raise ValueError("name is empty")
    if kind not in USER_PLACE_KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(USER_PLACE_KINDS)}")
    record = tree.get_or_none(code) or (tree.get_by_nbs_code(code) if code else None)
    if record is None:
        raise ValueError(f"place_code {code!r} is not a Zhejiang division")
    if system not in systems:
        raise ValueError(f"coord_system {system!r} is not one of {', '.join(systems)}")
    lon_text = (row.get("lon") or "").strip()
    lat_text = (row.get("lat") or "").strip()
    if not lon_text and not lat_text:
        return UserPlace(name=name, kind=kind, place_code=record.code)
    try:
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        raise ValueError(f"lon/lat {lon_text!r}, {lat_text!r} are not numbers") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"lon/lat {lon}, {lat} are out of range")
    lon, lat = to_wgs84(lon, lat, system)  # type: ignore[arg-type]
    return UserPlace(name=name, kind=kind, place_code=record.code, lon=lon, lat=lat)


@cache
def default_gazetteer() -> Gazetteer:
    """The shipped gazetteer (divisions and former names), built on first use and kept."""
    return Gazetteer(load_place_tree(), load_former_divisions())


class RecentMatches:
    """The answers of :meth:`Gazetteer.match` for the last ``size`` (text, default place) pairs
    asked, least recently used first out.  Texts longer than ``longest`` are matched every time
    (a long description seldom comes twice).  Safe to share between threads."""

    def __init__(
        self, gazetteer: Gazetteer, size: int = _REMEMBERED, longest: int = _REMEMBERED_LENGTH
    ) -> None:
        self.gazetteer = gazetteer
        self.size = size
        self.longest = longest
        # Answers are kept as tuples of plain values: the garbage collector stops tracking those,
        # so that keeping a thousand answers does not make its full collections more frequent.
        self._answers: OrderedDict[tuple[str, str | None], tuple[Any, ...] | None] = OrderedDict()
        self._lock = threading.Lock()

    def match(self, text: str, default_place: str | None = None) -> PlaceMatch | None:
        """The same answer as ``gazetteer.match(text, default_place)`` (a copy of it)."""
        if len(text) > self.longest:
            return self.gazetteer.match(text, default_place)
        key = (text, default_place)
        with self._lock:
            kept = self._answers.get(key, _UNKNOWN)
            if kept is not _UNKNOWN:
                self._answers.move_to_end(key)
        if kept is not _UNKNOWN:
            return None if kept is None else _thawed(kept)
        answer = self.gazetteer.match(text, default_place)
        with self._lock:
            self._answers[key] = None if answer is None else _frozen(answer)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer


_UNKNOWN: Any = object()
_MATCH_FIELDS = tuple(item.name for item in fields(PlaceMatch))


def _frozen(match: PlaceMatch) -> tuple[Any, ...]:
    """The match as plain values, its evidence a tuple (see :class:`RecentMatches`)."""
    return tuple(
        tuple(value) if isinstance(value, list) else value
        for value in map(match.__getattribute__, _MATCH_FIELDS)
    )


def _thawed(values: tuple[Any, ...]) -> PlaceMatch:
    kept = dict(zip(_MATCH_FIELDS, values, strict=True))
    kept["evidence"] = list(kept["evidence"])
    return PlaceMatch(**kept)


@cache
def recent_matches() -> RecentMatches:
    """The remembered answers of the shipped gazetteer (see :func:`resolve_address`)."""
    return RecentMatches(default_gazetteer())


def resolve_address(text: str, default_place: str | None = None) -> PlaceMatch | None:
    """Where ``text`` (an address or an incident description) is, with the shipped gazetteer.

    The last answers are remembered (:class:`RecentMatches`), so that an address repeated in a
    bulk import is matched once.
    """
    remembered = recent_matches()
    if remembered.gazetteer is not default_gazetteer():  # the gazetteer was built again
        recent_matches.cache_clear()
        remembered = recent_matches()
    return remembered.match(text, default_place)
