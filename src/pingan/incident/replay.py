"""What-if: how past incidents would have been routed under other rules (规则回放)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.area.models import Place
from pingan.incident.assignment import decide, load_directory, shipped_rules
from pingan.incident.models import Incident
from pingan.routing.rules import RuleSet

BATCH = 2000


def _lead_name(decision: Any) -> str:
    return decision.lead.name if decision.lead else "无法分派（调度员）"


def replay_rules(
    session: Session, rules: RuleSet, *, since: dt.datetime, examples: int = 3
) -> dict[str, Any]:
    """Route every incident reported since ``since`` under the shipped rules and under
    ``rules``; count the incidents whose lead unit would change, by (old → new)."""
    current = shipped_rules()
    moves: Counter[tuple[str, str]] = Counter()
    samples: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    total = changed = 0
    offset = 0
    while True:
        incidents = list(
            session.scalars(
                select(Incident)
                .where(Incident.reported_at >= since, Incident.final_code.is_not(None))
                .order_by(Incident.id)
                .offset(offset)
                .limit(BATCH)
            )
        )
        if not incidents:
            break
        offset += len(incidents)
        codes = {i.place_code for i in incidents if i.place_code}
        places = {p.code: p for p in session.scalars(select(Place).where(Place.code.in_(codes)))}
        directory = load_directory(session, places.values())
        for incident in incidents:
            place = places.get(incident.place_code or "")
            if place is None or incident.final_code is None:
                continue
            total += 1
            old = decide(directory, incident.final_code, place, incident.reported_at, rules=current)
            new = decide(directory, incident.final_code, place, incident.reported_at, rules=rules)
            key = (_lead_name(old), _lead_name(new))
            if key[0] == key[1]:
                continue
            changed += 1
            moves[key] += 1
            if len(samples[key]) < examples:
                samples[key].append(
                    {
                        "number": incident.number,
                        "code": incident.final_code,
                        "description": incident.description,
                        "new_reason": new.reason,
                    }
                )
    return {
        "incidents": total,
        "changed": changed,
        "old_version": current.version,
        "new_version": rules.version,
        "moves": [
            {"from": old, "to": new, "count": count, "examples": samples[(old, new)]}
            for (old, new), count in moves.most_common()
        ],
    }
