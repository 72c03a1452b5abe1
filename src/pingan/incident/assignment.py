"""Sending incidents to the units that own them (联勤联动): rules → units → assignment.

The pure router (``pingan.routing``) decides from the call type and the place's chain of
divisions; this module gives it the units from the database — one query for a whole batch — and
turns decisions into history events, assignment rows and a stored decision with its trace.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from pingan.area.models import Place
from pingan.incident.explanations import explanation_ids
from pingan.incident.models import Incident, RoutingDecision
from pingan.routing.engine import SHANGHAI, Decision, PlaceRef, UnitRef, route
from pingan.routing.rules import RuleSet, default_rules
from pingan.routing.timelimits import due_times
from pingan.unit.models import Unit, UnitCoverage
from pingan.user.scope import Actor

ROUTING_ACTOR = Actor(id=None, username="routing", role="admin")
PROVINCE = "330000"
DUE_COLUMNS = {
    "sign_for": "sign_for_due",
    "arrive": "arrive_due",
    "finish": "finish_due",
    "call_back": "call_back_due",
}


@cache
def shipped_rules() -> RuleSet:
    return default_rules()


def chain_codes(place: Place) -> list[str]:
    """The place and its ancestors, most specific first, ending at the province."""
    codes = [place.code, place.village_code, place.town_code, place.county_code, place.city_code]
    return list(dict.fromkeys(c for c in [*codes, PROVINCE] if c))


@dataclass
class UnitDirectory:
    """Active units by (type, covered place), for the places of one batch."""

    by_type_place: dict[tuple[str, str], list[UnitRef]]
    names: dict[str, str]
    # Decisions already made for this batch: the same call type at the same place (and, where a
    # candidate rule depends on the hour, the same minute) is routed the same way.
    decided: dict[tuple[Any, ...], Decision] = field(default_factory=dict)

    def units_for(self, unit_type: str, place_code: str) -> list[UnitRef]:
        return self.by_type_place.get((unit_type, place_code), [])

    def chain(self, place: Place) -> list[PlaceRef]:
        return [PlaceRef(code, self.names.get(code, code)) for code in chain_codes(place)]


_COVERING = (
    select(Unit.id, Unit.name, Unit.type, UnitCoverage.place_code)
    .join(UnitCoverage, UnitCoverage.unit_id == Unit.id)
    .where(UnitCoverage.place_code.in_(bindparam("codes", expanding=True)), Unit.active.is_(True))
    .order_by(Unit.id)
)
_NAMES = select(Place.code, Place.name).where(Place.code.in_(bindparam("codes", expanding=True)))


def load_directory(session: Session, places: Iterable[Place]) -> UnitDirectory:
    codes = sorted({code for place in places for code in chain_codes(place)})
    connection = session.connection()
    by_type_place: dict[tuple[str, str], list[UnitRef]] = defaultdict(list)
    for unit_id, name, unit_type, place_code in connection.execute(_COVERING, {"codes": codes}):
        by_type_place[(unit_type, place_code)].append(UnitRef(unit_id, name, unit_type))
    names = {code: name for code, name in connection.execute(_NAMES, {"codes": codes})}
    return UnitDirectory(dict(by_type_place), names)


def decide(
    directory: UnitDirectory,
    code: str,
    place: Place,
    at: dt.datetime,
    *,
    rules: RuleSet | None = None,
    exclude: Sequence[int] = (),
) -> Decision:
    """Route one incident; units in ``exclude`` (e.g. the one that returned it) are skipped."""
    skip = set(exclude)
    rules = rules or shipped_rules()
    timed = any(rule.hours is not None for rule in rules.candidates(code))
    key = (
        code,
        place.code,
        rules.version,
        tuple(sorted(skip)),
        at.astimezone(SHANGHAI).strftime("%H:%M") if timed else None,
    )
    known = directory.decided.get(key)
    if known is not None:
        return known

    def units_for(unit_type: str, place_code: str) -> list[UnitRef]:
        return [u for u in directory.units_for(unit_type, place_code) if u.id not in skip]

    decision = route(code, directory.chain(place), at=at, rules=rules, units_for=units_for)
    directory.decided[key] = decision
    return decision


def routing_event(decision: Decision) -> tuple[str, dict[str, Any]]:
    """The history event a decision becomes: ``assign`` to its units, or ``unroutable``."""
    if decision.lead is None or decision.unroutable:
        return "unroutable", {
            "reason": decision.reason,
            "rules_version": decision.rules_version,
        }
    return "assign", {
        "units": [decision.lead.id, *(a.id for a in decision.assists)],
        "rule": decision.rule,
        "rules_version": decision.rules_version,
        "reason": decision.reason,
    }


def decision_row(
    incident_id: int,
    decision: Decision,
    at: dt.datetime,
    explanation_id: int,
    assists: list[int] | None = None,
) -> dict[str, Any]:
    """The stored decision, with the id of its stored explanation (``explanations``) and
    ``assists`` (the assisting units' ids) when the caller has them already — rows sharing
    them store them alike."""
    return {
        "incident_id": incident_id,
        "at": at,
        "rules_version": decision.rules_version,
        "rule": decision.rule,
        "lead_unit_id": decision.lead.id if decision.lead else None,
        "assist_unit_ids": assists if assists is not None else [a.id for a in decision.assists],
        "unroutable": decision.unroutable or decision.lead is None,
        "reason": decision.reason,
        "explanation_id": explanation_id,
    }


def due_columns(
    code: str | None, urgency: int | None, police: bool | None, received: dt.datetime
) -> dict[str, dt.datetime | None]:
    """The incident's due-time columns under the shipped time-limit policy."""
    columns: dict[str, dt.datetime | None] = dict.fromkeys(DUE_COLUMNS.values())
    if code is None:
        return columns
    deadlines = due_times(code, urgency or 3, True if police is None else police, received)
    for step, column in DUE_COLUMNS.items():
        columns[column] = deadlines.get(step)
    return columns


def reroute(
    session: Session, incident: Incident, *, exclude: Sequence[int] = (), at: dt.datetime
) -> Decision:
    """A fresh decision for an incident (e.g. after a return, without the unit that returned
    it), stored with its trace as a suggestion for the dispatcher."""
    place = session.get(Place, incident.place_code) if incident.place_code else None
    if place is None:
        raise ValueError("incident has no place")
    directory = load_directory(session, [place])
    decision = decide(directory, incident.final_code or "999900", place, at, exclude=exclude)
    (explanation,) = explanation_ids(session.connection(), [decision.to_dict()])
    row = decision_row(incident.id, decision, at, explanation)
    session.execute(insert(RoutingDecision.__table__), [row])  # type: ignore[arg-type]
    return decision


def decisions_of(session: Session, incident: Incident) -> list[RoutingDecision]:
    return list(
        session.scalars(
            select(RoutingDecision)
            .where(RoutingDecision.incident_id == incident.id)
            .order_by(RoutingDecision.id.desc())
        )
    )
