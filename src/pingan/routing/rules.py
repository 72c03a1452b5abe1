"""Routing rules as data: which unit type leads (主办) and which assist (协办), by type and place.

The file (``data/routing/rules.toml``, edited by administrators) holds a ``version`` and a list of
``[[rule]]`` tables.  :func:`load_rules` checks every rule and reports *all* problems at once, each
with its line; :class:`RuleSet` indexes the rules by call-type code so that finding the candidates
for an incident is one dictionary lookup.

Precedence (the most specific matching rule wins), compared in this order:

1. the category: an exact code (``code``/``codes``) beats a group (``group``/``groups``), which
   beats ``any``;
2. the place: the longest matching ``places`` prefix wins (a town beats a county beats a city),
   and any place restriction beats none;
3. the time: a rule with ``hours`` beats one without;
4. the file order: the earlier rule wins.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pingan.routing.tomlfile import ConfigError, Section, TomlDocument, read_toml
from pingan.routing.vocabulary import UNIT_TYPES
from pingan.taxonomy import GROUP_NAMES, call_types

RULE_KEYS = ("name", "match", "places", "hours", "lead", "assist", "note")
MATCH_KEYS = ("code", "codes", "group", "groups", "any")
TOP_KEYS = ("version", "rule")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_PLACE = re.compile(r"^\d{2,12}$")


@dataclass(frozen=True)
class Match:
    """What a rule (or a time-limit policy) applies to: codes, groups, or any call type."""

    kind: str  # "code" | "group" | "any"
    codes: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    @property
    def rank(self) -> int:
        """2 for exact codes, 1 for groups, 0 for any."""
        return {"code": 2, "group": 1, "any": 0}[self.kind]

    def covers(self, code: str) -> bool:
        if self.kind == "code":
            return code in self.codes
        if self.kind == "group":
            return code[:2] in self.groups
        return True

    def describe(self) -> str:
        if self.kind == "code":
            table = call_types()
            return "代码 " + "、".join(f"{c}（{table[c].name}）" for c in sorted(self.codes))
        if self.kind == "group":
            return "大类 " + "、".join(f"{g}（{GROUP_NAMES[g]}）" for g in sorted(self.groups))
        return "任意类型"


@dataclass(frozen=True)
class TimeWindow:
    """A time of day window such as ``22:00-06:00``; it may wrap past midnight."""

    text: str
    start: int  # minutes after midnight
    end: int

    def contains(self, moment: dt.time) -> bool:
        minute = moment.hour * 60 + moment.minute
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end


@dataclass(frozen=True)
class Rule:
    name: str
    match: Match
    lead: str
    assists: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    hours: TimeWindow | None = None
    note: str = ""
    line: int = 0
    order: int = 0

    def place_prefix(self, place_codes: Sequence[str]) -> str | None:
        """The longest of the rule's place prefixes that any of ``place_codes`` starts with.

        ``""`` when the rule is not limited to places; ``None`` when it does not apply here.
        """
        if not self.places:
            return ""
        best: str | None = None
        for prefix in self.places:
            if (best is None or len(prefix) > len(best)) and any(
                code.startswith(prefix) for code in place_codes
            ):
                best = prefix
        return best

    def specificity(self, prefix: str) -> tuple[int, int, int, int]:
        """The precedence key when the rule applies with ``prefix``: larger wins."""
        return (self.match.rank, len(prefix), 1 if self.hours else 0, -self.order)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "match": self.match.describe(),
            "places": list(self.places),
            "hours": self.hours.text if self.hours else None,
            "lead": self.lead,
            "assist": list(self.assists),
            "note": self.note,
            "line": self.line,
        }


@dataclass(frozen=True)
class RuleSet:
    """Validated rules, indexed by call-type code, and the version that identifies them exactly."""

    rules: tuple[Rule, ...]
    declared_version: str
    version: str
    source: str = "rules.toml"
    warnings: tuple[str, ...] = ()
    _by_code: dict[str, tuple[Rule, ...]] = field(default_factory=dict, repr=False, compare=False)

    def candidates(self, code: str) -> tuple[Rule, ...]:
        """Rules whose category covers ``code``, most specific category first, then file order."""
        found = self._by_code.get(code)
        if found is not None:
            return found
        return _ordered(r for r in self.rules if r.match.covers(code))

    def codes_without_rule(self) -> list[str]:
        """Codes of the 110 table that no rule covers at all."""
        return [code for code in call_types() if not self.candidates(code)]


def _ordered(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(sorted(rules, key=lambda r: (-r.match.rank, r.order)))


def load_rules(path_or_text: str | Path, *, source: str = "rules.toml") -> RuleSet:
    """Read and check a rules file (a path) or rules text; raise :class:`ConfigError` listing
    every problem, each naming its line, e.g.
    ``rules.toml 第 42 行：lead 的单位类型 'polce_station' 不存在（是否想写
    'police_station'？）；可选：…``.
    """
    document = read_toml(path_or_text, default_source=source)
    errors: list[tuple[int, str]] = []
    data = document.data
    top = document.top()
    for key in data:
        if key not in TOP_KEYS:
            errors.append(
                (document.line_of(key, top), f"未知的键 '{key}'；可用：version、[[rule]]")
            )
    declared = data.get("version")
    if not isinstance(declared, str) or not declared.strip():
        errors.append((document.line_of("version", top), '缺少 version（字符串，如 "2026.1"）'))
        declared = ""
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        errors.append((top.first, "没有任何 [[rule]] 规则"))
        raw_rules = []
    sections = document.items("rule")
    rules: list[Rule] = []
    names: dict[str, int] = {}
    for order, raw in enumerate(raw_rules):
        section = sections[order] if order < len(sections) else top
        rule = _parse_rule(raw, order, section, document, errors)
        if rule is None:
            continue
        if rule.name in names:
            errors.append((rule.line, f"规则名「{rule.name}」与第 {names[rule.name]} 行的规则重复"))
        names.setdefault(rule.name, rule.line)
        rules.append(rule)
    if errors:
        raise ConfigError(
            f"{document.where(line)}：{message}" for line, message in sorted(errors, key=_first)
        )
    by_code = {code: _ordered(r for r in rules if r.match.covers(code)) for code in call_types()}
    canonical = json.dumps(
        {"version": declared, "rule": raw_rules}, ensure_ascii=False, sort_keys=True, default=str
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]
    return RuleSet(
        rules=tuple(rules),
        declared_version=declared,
        version=f"{declared}+{digest}",
        source=document.source,
        warnings=tuple(_dead_rules(rules, by_code, document)),
        _by_code=by_code,
    )


@cache
def default_rules() -> RuleSet:
    """The shipped rules (``pingan/data/routing/rules.toml``), read on first use."""
    text = resources.files("pingan.data.routing").joinpath("rules.toml").read_text("utf-8")
    return load_rules(text, source="rules.toml")


def _first(item: tuple[int, str]) -> int:
    return item[0]


def _parse_rule(
    raw: Any,
    order: int,
    section: Section,
    document: TomlDocument,
    errors: list[tuple[int, str]],
) -> Rule | None:
    def line(key: str) -> int:
        return document.line_of(key, section)

    def fail(key: str, message: str) -> None:
        errors.append((line(key), message))

    if not isinstance(raw, dict):
        errors.append((section.first, "[[rule]] 必须是表"))
        return None
    before = len(errors)
    for key in raw:
        if key not in RULE_KEYS:
            fail(key, f"未知的键 '{key}'{_suggest(key, RULE_KEYS)}；可用：{'、'.join(RULE_KEYS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append((section.first, "规则缺少 name（显示给用户的规则名）"))
        name = f"#{order + 1}"
    match = parse_match(
        raw.get("match"), line("match") if "match" in raw else section.first, errors
    )
    lead = raw.get("lead")
    if lead is None:
        errors.append((section.first, f"规则「{name}」缺少 lead（主办单位类型）"))
    elif not isinstance(lead, str) or lead not in UNIT_TYPES:
        fail("lead", f"lead 的单位类型 {lead!r} 不存在{_suggest(lead, UNIT_TYPES)}；{_choices()}")
    assists: list[str] = []
    raw_assist = raw.get("assist", [])
    if not isinstance(raw_assist, list):
        fail("assist", 'assist 必须是单位类型的列表，如 ["village_committee"]')
    else:
        for item in raw_assist:
            if not isinstance(item, str) or item not in UNIT_TYPES:
                fail(
                    "assist",
                    f"assist 的单位类型 {item!r} 不存在{_suggest(item, UNIT_TYPES)}；{_choices()}",
                )
            elif item == lead:
                fail("assist", f"'{item}' 已是主办单位，不能同时协办")
            elif item in assists:
                fail("assist", f"assist 中 '{item}' 重复")
            else:
                assists.append(item)
    places: list[str] = []
    raw_places = raw.get("places", [])
    if not isinstance(raw_places, list) or (not raw_places and "places" in raw):
        fail("places", 'places 必须是非空的区划代码前缀列表，如 ["3306", "330624"]')
    else:
        for item in raw_places:
            if not isinstance(item, str) or not _PLACE.match(item):
                fail("places", f"places 中的 {item!r} 不是区划代码前缀（2–12 位数字的字符串）")
            elif item in places:
                fail("places", f"places 中 '{item}' 重复")
            else:
                places.append(item)
    hours = None
    if "hours" in raw:
        hours = parse_hours(raw["hours"])
        if hours is None:
            fail("hours", f'hours {raw["hours"]!r} 格式不对；应为 "HH:MM-HH:MM"，如 "22:00-06:00"')
    note = raw.get("note", "")
    if not isinstance(note, str):
        fail("note", "note 必须是字符串")
        note = ""
    if len(errors) > before or match is None or not isinstance(lead, str):
        return None
    return Rule(
        name=name,
        match=match,
        lead=lead,
        assists=tuple(assists),
        places=tuple(places),
        hours=hours,
        note=note.strip(),
        line=section.first,
        order=order,
    )


def parse_match(raw: Any, line: int, errors: list[tuple[int, str]]) -> Match | None:
    """Check a ``match = { … }`` table; append ``(line, message)`` for each problem."""
    usage = (
        'match 须是 { code = "600200" }、{ codes = [...] }、{ group = "60" }、'
        "{ groups = [...] } 或 { any = true } 之一"
    )
    if raw is None:
        errors.append((line, f"缺少 match；{usage}"))
        return None
    if not isinstance(raw, dict):
        errors.append((line, usage))
        return None
    unknown = [key for key in raw if key not in MATCH_KEYS]
    for key in unknown:
        errors.append((line, f"match 中未知的键 '{key}'{_suggest(key, MATCH_KEYS)}；{usage}"))
    known = [key for key in raw if key in MATCH_KEYS]
    if len(known) != 1:
        if not unknown:
            errors.append((line, f"match 须恰好有一个键，现有 {len(known)} 个；{usage}"))
        return None
    key = known[0]
    value = raw[key]
    table = call_types()
    if key == "any":
        if value is not True:
            errors.append((line, "match 的 any 只能是 true"))
            return None
        return Match("any")
    values = [value] if key in ("code", "group") else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        errors.append(
            (
                line,
                f"match 的 {key} 须是{'字符串' if key in ('code', 'group') else '非空字符串列表'}",
            )
        )
        return None
    ok = True
    if key in ("code", "codes"):
        for code in values:
            if code not in table:
                hint = _suggest(code, table)
                errors.append((line, f"代码 '{code}' 不在 110 警情类别表中{hint}"))
                ok = False
        return Match("code", codes=frozenset(values)) if ok else None
    for group in values:
        if group not in GROUP_NAMES:
            choices = "、".join(f"{g} {n}" for g, n in GROUP_NAMES.items())
            errors.append((line, f"大类 '{group}' 不存在；可选：{choices}"))
            ok = False
    return Match("group", groups=frozenset(values)) if ok else None


def parse_hours(raw: Any) -> TimeWindow | None:
    if not isinstance(raw, str):
        return None
    found = _HOURS.match(raw.strip())
    if not found:
        return None
    start = int(found.group(1)) * 60 + int(found.group(2))
    end = int(found.group(3)) * 60 + int(found.group(4))
    if end > 24 * 60 or start == end % (24 * 60):
        return None
    return TimeWindow(raw.strip(), start, end % (24 * 60))


def _suggest(value: object, choices: Iterable[str]) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"（是否想写 '{close[0]}'？）" if close else ""


def _choices() -> str:
    return "可选：" + "、".join(f"{key}（{name}）" for key, name in UNIT_TYPES.items())


def _dead_rules(
    rules: list[Rule], by_code: dict[str, tuple[Rule, ...]], document: TomlDocument
) -> list[str]:
    """Rules that can never win: wherever they apply, another rule always beats them."""
    warnings = []
    for rule in rules:
        codes = [code for code in call_types() if rule.match.covers(code)]
        beaten_by: Rule | None = None
        for code in codes:
            winner = next((other for other in by_code[code] if _always_beats(other, rule)), None)
            if winner is None:
                beaten_by = None
                break
            beaten_by = beaten_by or winner
        if beaten_by is None:
            continue
        if beaten_by.match.rank > rule.match.rank:
            advice = (
                "先比类别精确度（代码 > 大类 > 任意），再比区划，再比时段；"
                f"要按区划覆盖，请写出具体代码（如 {_example_codes(codes)}）"
            )
        else:
            advice = "两条规则范围相同，排在后面的永远不会被选中；请删除或合并"
        warnings.append(
            f"{document.where(rule.line)}：规则「{rule.name}」永远不会生效——它适用的每个代码"
            f"都有更优先的规则（如第 {beaten_by.line} 行「{beaten_by.name}」）。{advice}"
        )
    return warnings


def _always_beats(other: Rule, rule: Rule) -> bool:
    if other is rule or other.hours is not None:
        return False
    if other.places:
        if not rule.places:
            return False
        if not all(any(p.startswith(q) for q in other.places) for p in rule.places):
            return False
    if other.match.rank != rule.match.rank:
        return other.match.rank > rule.match.rank
    same_scope = set(other.places) == set(rule.places) and other.hours == rule.hours
    return same_scope and other.order < rule.order


def _example_codes(codes: list[str]) -> str:
    shown = codes[:2]
    return "codes = [" + ", ".join(f'"{c}"' for c in shown) + (", …]" if len(codes) > 2 else "]")


def markdown_table(rules: RuleSet) -> str:
    """The rules as a Markdown table (docs/routing.md embeds the shipped one; a test compares)."""
    lines = [
        f"Rules version `{rules.declared_version}` ({len(rules.rules)} rules).",
        "",
        "| rule | match | places | hours | lead | assist |",
        "|---|---|---|---|---|---|",
    ]
    for rule in rules.rules:
        assists = "、".join(f"{UNIT_TYPES[a]} `{a}`" for a in rule.assists) or "—"
        lines.append(
            f"| {rule.name} | {rule.match.describe()} | {'、'.join(rule.places) or '—'} "
            f"| {rule.hours.text if rule.hours else '—'} | {UNIT_TYPES[rule.lead]} `{rule.lead}` "
            f"| {assists} |"
        )
    return "\n".join(lines) + "\n"
