"""From call type and place to concrete units: the routing decision and its trace.

:func:`route` picks the most specific rule (see :mod:`pingan.routing.rules`), then finds a unit of
the rule's lead type, walking the place chain from the most specific place up to the province:
when no unit of that type covers the town, the county's unit is used, and the trace says so.
Nothing is ever dropped: a call type without a rule, or a lead type with no unit anywhere up the
chain, gives ``unroutable=True`` with a reason, and the caller sends it to the dispatcher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from pingan.routing.rules import Rule, RuleSet
from pingan.routing.vocabulary import unit_type_phrase
from pingan.taxonomy import get_call_type

SHANGHAI = ZoneInfo("Asia/Shanghai")


class PlaceRef(NamedTuple):
    """A place of the jurisdiction tree: division code and name (``("330624", "新昌县")``)."""

    code: str
    name: str


@dataclass(frozen=True)
class UnitRef:
    """A handling unit as the router sees it."""

    id: int
    name: str
    type: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type}


UnitsFor = Callable[[str, str], Sequence[UnitRef]]
"""``units_for(unit_type, place_code)``: active units of that type covering exactly that place,
in order of preference (the first is chosen)."""


@dataclass(frozen=True)
class TraceStep:
    """One line of a decision's explanation.

    ``kind`` is ``rule`` (a rule considered), ``unit`` (a unit considered), ``place`` (a place
    where no unit of a type was found) or ``result``; ``chosen`` says whether it was taken.
    """

    kind: str
    subject: str
    chosen: bool
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "chosen": self.chosen, "why": self.why}


@dataclass(frozen=True)
class Assist:
    unit_type: str
    unit: UnitRef | None
    place: PlaceRef | None


@dataclass(frozen=True)
class Decision:
    code: str
    lead: UnitRef | None
    assists: tuple[UnitRef, ...]
    rule: str | None
    rules_version: str
    matched_place: PlaceRef | None
    unroutable: bool
    reason: str
    trace: tuple[TraceStep, ...] = field(default=())
    lead_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "lead": self.lead.to_dict() if self.lead else None,
            "lead_type": self.lead_type,
            "assists": [unit.to_dict() for unit in self.assists],
            "rule": self.rule,
            "rules_version": self.rules_version,
            "matched_place": (
                {"code": self.matched_place.code, "name": self.matched_place.name}
                if self.matched_place
                else None
            ),
            "unroutable": self.unroutable,
            "reason": self.reason,
            "trace": [step.to_dict() for step in self.trace],
        }


def route(
    code: str,
    place_chain: Sequence[PlaceRef],
    *,
    at: dt.datetime,
    rules: RuleSet,
    units_for: UnitsFor,
) -> Decision:
    """Decide which unit leads and which assist for call type ``code`` at ``place_chain``.

    ``place_chain`` runs from the most specific place to the province, e.g. village, town,
    county, city, ``("330000", "浙江省")``.  ``at`` (timezone-aware) selects rules with ``hours``
    by the time of day in Asia/Shanghai.
    """
    if at.tzinfo is None:
        raise ValueError("route() needs a timezone-aware time (at)")
    trace: list[TraceStep] = []
    call_type = get_call_type(code)
    if call_type is None:
        return _unroutable(
            code, rules, f"报警类型代码 '{code}' 不在 110 警情类别表中，转调度员人工分派", trace
        )
    label = f"{call_type.name}（{code}）"
    chain = [PlaceRef(*place) for place in place_chain]
    place_codes = [place.code for place in chain]
    clock = at.astimezone(SHANGHAI).time()

    winner, winner_prefix = _choose_rule(rules.candidates(code), place_codes, clock, trace)
    if winner is None:
        reason = (
            f"{label}没有适用的路由规则（{rules.source} 版本 {rules.version}），转调度员人工分派"
        )
        return _unroutable(code, rules, reason, trace)
    if not chain:
        reason = (
            f"{label}按规则「{winner.name}」应由{unit_type_phrase(winner.lead)}主办，"
            "但事发地点不明，转调度员人工分派"
        )
        return _unroutable(code, rules, reason, trace, rule=winner)

    lead, lead_place, misses = _find_unit(winner.lead, chain, units_for, trace, role="主办")
    if lead is None or lead_place is None:
        where = chain[0].name
        reason = (
            f"{label}按规则「{winner.name}」应由{unit_type_phrase(winner.lead)}主办，"
            f"但没有{unit_type_phrase(winner.lead)}覆盖{where}或其上级区划，转调度员人工分派"
        )
        return _unroutable(code, rules, reason, trace, rule=winner)

    assists: list[Assist] = []
    for unit_type in winner.assists:
        unit, place, _ = _find_unit(unit_type, chain, units_for, trace, role="协办")
        assists.append(Assist(unit_type, unit, place))

    type_name = unit_type_phrase(winner.lead)
    if misses:
        passed = "、".join(place.name for place in misses)
        located = f"{passed}无{type_name}，上溯至{lead_place.name}，由{lead.name}主办"
    else:
        located = f"{lead.name}覆盖{lead_place.name}"
    reason = f"{label}按规则「{winner.name}」由{type_name}主办：{located}"
    found = [a.unit.name for a in assists if a.unit is not None]
    if found:
        reason += "；协办：" + "、".join(found)
    missing = [unit_type_phrase(a.unit_type) for a in assists if a.unit is None]
    if missing:
        reason += "；未找到协办单位：" + "、".join(missing)
    if winner_prefix:
        reason += f"（适用区划 {winner_prefix}）"
    trace.append(TraceStep("result", lead.name, True, reason))
    return Decision(
        code=code,
        lead=lead,
        assists=tuple(a.unit for a in assists if a.unit is not None),
        rule=winner.name,
        rules_version=rules.version,
        matched_place=lead_place,
        unroutable=False,
        reason=reason,
        trace=tuple(trace),
        lead_type=winner.lead,
    )


def _choose_rule(
    candidates: Sequence[Rule], place_codes: Sequence[str], clock: dt.time, trace: list[TraceStep]
) -> tuple[Rule | None, str]:
    applicable: list[tuple[tuple[int, int, int, int], Rule, str]] = []
    for rule in candidates:
        prefix = rule.place_prefix(place_codes)
        if prefix is None:
            trace.append(
                TraceStep("rule", rule.name, False, f"不适用：只管区划 {'、'.join(rule.places)}")
            )
            continue
        if rule.hours is not None and not rule.hours.contains(clock):
            trace.append(
                TraceStep(
                    "rule",
                    rule.name,
                    False,
                    f"不适用：只管 {rule.hours.text} 时段，现在是 {clock:%H:%M}",
                )
            )
            continue
        applicable.append((rule.specificity(prefix), rule, prefix))
    if not applicable:
        return None, ""
    best_key, best, best_prefix = max(applicable, key=lambda item: item[0])
    trace.append(
        TraceStep(
            "rule", best.name, True, f"胜出：{_scope(best, best_prefix)}（第 {best.line} 行）"
        )
    )
    for key, rule, prefix in applicable:
        if rule is not best:
            why = _why_lost(best, best_key, best_prefix, rule, key, prefix)
            trace.append(TraceStep("rule", rule.name, False, why))
    return best, best_prefix


def _scope(rule: Rule, prefix: str) -> str:
    parts = [f"按{rule.match.describe()}匹配"]
    parts.append(f"区划 {prefix}" if prefix else "不限区划")
    parts.append(f"时段 {rule.hours.text}" if rule.hours else "不限时段")
    return "，".join(parts)


def _why_lost(
    best: Rule,
    best_key: tuple[int, int, int, int],
    best_prefix: str,
    rule: Rule,
    key: tuple[int, int, int, int],
    prefix: str,
) -> str:
    kinds = {2: "精确代码", 1: "大类", 0: "任意类型"}
    if key[0] != best_key[0]:
        return f"也适用，但按{kinds[key[0]]}匹配，不如「{best.name}」按{kinds[best_key[0]]}匹配具体"
    if key[1] != best_key[1]:
        own = f"区划 {prefix}" if prefix else "不限区划"
        return f"也适用，但{own}不如「{best.name}」的区划 {best_prefix} 具体"
    if key[2] != best_key[2]:
        window = best.hours.text if best.hours else ""
        return f"也适用，但不限时段，「{best.name}」限定 {window} 时段更具体"
    return f"也适用，与「{best.name}」同样具体，「{best.name}」在文件中更靠前（第 {best.line} 行）"


def _find_unit(
    unit_type: str,
    chain: Sequence[PlaceRef],
    units_for: UnitsFor,
    trace: list[TraceStep],
    *,
    role: str,
) -> tuple[UnitRef | None, PlaceRef | None, list[PlaceRef]]:
    type_name = unit_type_phrase(unit_type)
    misses: list[PlaceRef] = []
    for place in chain:
        units = units_for(unit_type, place.code)
        if not units:
            misses.append(place)
            continue
        chosen = units[0]
        if misses:
            passed = "、".join(p.name for p in misses)
            why = (
                f"{role}：{passed}无{type_name}，上溯至{place.name}，{chosen.name}覆盖{place.name}"
            )
        else:
            why = f"{role}：{chosen.name}覆盖{place.name}"
        trace.append(TraceStep("unit", chosen.name, True, why))
        for other in units[1:]:
            trace.append(
                TraceStep(
                    "unit",
                    other.name,
                    False,
                    f"{role}备选：同样覆盖{place.name}，但排序在{chosen.name}之后",
                )
            )
        return chosen, place, misses
    names = "、".join(p.name for p in misses)
    trace.append(TraceStep("place", type_name, False, f"{role}：{names}均无{type_name}"))
    return None, None, misses


def _unroutable(
    code: str, rules: RuleSet, reason: str, trace: list[TraceStep], *, rule: Rule | None = None
) -> Decision:
    trace.append(TraceStep("result", "调度员", False, reason))
    return Decision(
        code=code,
        lead=None,
        assists=(),
        rule=rule.name if rule else None,
        rules_version=rules.version,
        matched_place=None,
        unroutable=True,
        reason=reason,
        trace=tuple(trace),
        lead_type=rule.lead if rule else None,
    )
