"""Triage: text (+ address) → call type, police or not, owner, urgency, place, and why.

The model proposes a probability for each call type.  On top of it:

1. police or not is decided first: the matter goes to another body (the best 60xxxx type) when
   the 社会联动 types together hold at least the model's threshold of probability (fitted in
   training on held-out predictions to meet police recall ≥ 97% and non-police recall ≥ 85% as
   nearly as possible), else it stays with the police (the best police type), whichever single
   type is on top;
2. threshold rules (amount, aggravating circumstance, injury level) choose between the criminal
   and the public-order code of a pair where the text is explicit;
3. danger rules set urgency 1 and keep the matter with the police; the model cannot outvote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pingan.taxonomy import GROUP_NAMES, NON_POLICE_GROUPS, call_types
from pingan.triage.model import Model, load_model
from pingan.triage.ownership import default_urgency, department_for
from pingan.triage.rules import danger_hits, threshold_decision
from pingan.triage.text import fold, parse_amounts

NON_POLICE_SHARE = 0.5
ALTERNATIVES = 2


@dataclass
class Triage:
    code: str
    name: str
    group: str
    group_name: str
    police: bool
    gov_category: str | None
    department: str | None
    urgency: int
    confidence: float
    evidence: list[dict[str, Any]] = field(default_factory=list)
    place: dict[str, Any] | None = None
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "group": self.group,
            "group_name": self.group_name,
            "police": self.police,
            "gov_category": self.gov_category,
            "department": self.department,
            "urgency": self.urgency,
            "confidence": self.confidence,
            "evidence": [dict(item) for item in self.evidence],
            "place": None if self.place is None else dict(self.place),
            "alternatives": [dict(item) for item in self.alternatives],
        }


def default_model_dir() -> Path:
    return Path(str(resources.files("pingan.data").joinpath("triage", "model")))


@cache
def default_model() -> Model:
    """The shipped model, loaded on first use and kept."""
    return load_model(default_model_dir())


@cache
def non_police_mask(classes: tuple[str, ...]) -> npt.NDArray[np.bool_]:
    return np.array([c[:2] in NON_POLICE_GROUPS for c in classes])


def classify(
    text: str, model: Model
) -> tuple[str, float, list[dict[str, Any]], list[dict[str, Any]], bool]:
    """Code, confidence, alternatives, evidence and police flag for the text, rules applied."""
    code_model = model.code
    scored = code_model.score(text)
    probabilities = scored.probabilities
    classes = code_model.classes
    evidence: list[dict[str, Any]] = []
    order = np.argsort(-probabilities)
    code = classes[int(order[0])]
    non_police = non_police_mask(classes)
    non_police_share = float(probabilities[non_police].sum())
    threshold = float(model.metadata.get("non_police_threshold", NON_POLICE_SHARE))
    goes_elsewhere = non_police_share >= threshold
    if goes_elsewhere != (code[:2] in NON_POLICE_GROUPS):
        side = non_police if goes_elsewhere else ~non_police
        code = classes[int(np.argmax(np.where(side, probabilities, -1.0)))]
        evidence.append(
            {
                "kind": "rule",
                "name": "non_police_share",
                "detail": f"社会联动合计 {non_police_share:.2f}，阈值 {threshold:.2f}",
            }
        )
    winner = classes.index(code)
    evidence.extend(
        {"kind": "feature", "text": gram, "weight": weight}
        for gram, weight in code_model.top_features(scored, winner)
    )
    folded = fold(text)
    decision = threshold_decision(code, folded, parse_amounts(folded))
    confidence = float(probabilities[winner])
    if decision is not None:
        evidence.append({"kind": "rule", "name": decision.rule, "detail": decision.reason})
        if decision.code != code and decision.code in classes:
            pair = float(probabilities[winner] + probabilities[classes.index(decision.code)])
            code, confidence = decision.code, pair
    police = code[:2] not in NON_POLICE_GROUPS
    calibrated = code_model.calibrated(confidence)
    # The alternatives share what the calibrated confidence leaves, in the model's proportions.
    others = [int(i) for i in order[: ALTERNATIVES + 1] if classes[int(i)] != code][:ALTERNATIVES]
    rest = float(probabilities.sum() - probabilities[classes.index(code)])
    alternatives = [
        {
            "code": classes[i],
            "probability": round((1.0 - calibrated) * float(probabilities[i]) / rest, 4)
            if rest > 0
            else 0.0,
        }
        for i in others
    ]
    return code, calibrated, alternatives, evidence, police


def triage(
    text: str,
    address: str | None = None,
    default_place: str | None = None,
    *,
    model: Model | None = None,
    resolve_place: bool = True,
) -> Triage:
    """Triage one incident text (see the module docstring)."""
    if not text or not text.strip():
        raise ValueError("text is empty")
    model = model or default_model()
    code, confidence, alternatives, evidence, police = classify(text, model)
    folded = fold(text)
    hits = danger_hits(folded)
    urgency = default_urgency(code)
    for hit in hits:
        urgency = min(urgency, hit.urgency)
        evidence.append({"kind": "rule", "name": hit.rule, "detail": f"{hit.label}：{hit.match}"})
    if hits and not police:
        police = True
        evidence.append(
            {"kind": "rule", "name": "danger_keeps_police", "detail": "危险信号，警方先期处置"}
        )
    gov_category: str | None = None
    department: str | None = None
    if not police or code[:2] in NON_POLICE_GROUPS:
        if model.gov is not None:
            gov_scored = model.gov.score(text)
            best = int(np.argmax(gov_scored.probabilities))
            gov_category = model.gov.classes[best]
            evidence.extend(
                {"kind": "gov_feature", "text": gram, "weight": weight}
                for gram, weight in model.gov.top_features(gov_scored, best, limit=3)
            )
        department = department_for(code, gov_category, folded)
    call_type = call_types().get(code)
    return Triage(
        code=code,
        name=call_type.name if call_type else code,
        group=code[:2],
        group_name=GROUP_NAMES.get(code[:2], ""),
        police=police,
        gov_category=gov_category,
        department=department,
        urgency=urgency,
        confidence=round(confidence, 4),
        evidence=evidence,
        place=locate(text, address, default_place) if resolve_place else None,
        alternatives=alternatives,
    )


def locate(text: str, address: str | None, default_place: str | None) -> dict[str, Any] | None:
    """The place of the address, else of the text, as a PlaceMatch dict (None when none)."""
    from pingan.geo.address import resolve_address

    for candidate in (address, text):
        if candidate and candidate.strip():
            match = resolve_address(candidate, default_place)
            if match is not None:
                return match.to_dict()
    return None
