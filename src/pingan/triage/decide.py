"""Triage: text (+ address, + channel) → call type, police or not, owner, urgency, place, and why.

The model proposes a probability for each call type.  On top of it:

1. police or not is decided first: the matter goes to another body (the best 60xxxx type) when
   the 社会联动 types together hold at least the model's threshold of probability, else it stays
   with the police (the best police type), whichever single type is on top.  The threshold is
   fitted in training on held-out predictions: police recall ≥ 97% first (the one-sided 95%
   lower bound of the held-out figure, not the figure alone), then as many non-police matters
   sent on as that allows.  When the channel the text came in by is known
   (110, 12345, app …) and the model has a prior for it, the share is first moved by that
   channel's prior (a 12345 message is far more often a matter for another body than a 110
   call) and compared with the threshold fitted for channel-adjusted shares;
2. threshold rules (amount, aggravating circumstance, injury level) choose between the criminal
   and the public-order code of a pair where the text is explicit;
3. danger rules raise urgency; a danger happening now or about to (a weapon drawn, a fire
   burning, someone trapped, a fight under way, a threat of suicide) keeps the matter with the
   police, and the model cannot outvote it.  An injury that is over or being treated raises
   urgency less and does not move the matter (see :mod:`pingan.triage.rules`).

Every text also gets the first-level government category the government-category model gives
it (``gov_category``), whichever side of the police decision it falls: a dispatcher who
overrules the model and sends a matter on needs it, and a citizen message the model keeps with
the police is still about one of those categories.  Only a matter for another body gets an
owning unit type (``department``, see :mod:`pingan.triage.ownership`).

A text is read once (:func:`pingan.triage.text.read`) and what is read is passed along.
:func:`triage_many` classifies a batch with one product of the batch's feature vectors and the
weights; :func:`triage` is a batch of one, so both give the same answer for a text.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pingan.taxonomy import GROUP_NAMES, NON_POLICE_GROUPS, call_types
from pingan.triage.model import Model, Scored, load_model
from pingan.triage.ownership import default_urgency, department_for
from pingan.triage.rules import danger_hits, threshold_decision
from pingan.triage.text import Reading, read

NON_POLICE_SHARE = 0.5
ALTERNATIVES = 2
BATCH = 128  # texts scored together; bounds the memory of one product


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


def warm_up() -> None:
    """Load the shipped model, its n-gram look-up tables and the gazetteer now (the first texts
    would otherwise wait for them: about 0.2 s), then move everything loaded so far out of the
    garbage collector's way: they live as long as the process, and ``gc.freeze`` stops full
    collections from walking them again and again (bulk intake runs about 14% faster)."""
    model = default_model()
    for part in (model.code, model.gov):
        if part is not None:
            part.index.known_ids("启动预热")  # built on first use: long texts and batches use it
    triage("启动预热：新昌县南明街道", "新昌县七星街道人民路1号")
    gc.freeze()


@cache
def non_police_mask(classes: tuple[str, ...]) -> npt.NDArray[np.bool_]:
    return np.array([c[:2] in NON_POLICE_GROUPS for c in classes])


def channel_key(channel: str | None) -> str | None:
    """The channel as the model's priors name it (None: unknown)."""
    if channel is None or not str(channel).strip():
        return None
    return str(channel).strip().lower()


def non_police_probability(
    share: float, channel: str | None, metadata: Mapping[str, Any]
) -> tuple[float, float, str]:
    """(value, threshold, how) for the 社会联动 decision: the model's share as it is, or moved
    by the channel's prior when the channel is known to the model."""
    threshold = float(metadata.get("non_police_threshold", NON_POLICE_SHARE))
    prior = metadata.get("channel_prior") or {}
    key = channel_key(channel)
    offsets = prior.get("offsets") or {}
    if key is None or key not in offsets:
        return share, threshold, "社会联动合计"
    clipped = min(max(share, 1e-6), 1 - 1e-6)
    logit = float(prior["slope"]) * math.log(clipped / (1 - clipped))
    logit += float(prior["intercept"]) + float(offsets[key])
    value = 1.0 / (1.0 + math.exp(-logit))
    return value, float(prior["threshold"]), f"社会联动（渠道 {key}）"


def classify(
    reading: Reading,
    scored: Scored,
    model: Model,
    channel: str | None = None,
    *,
    explain: bool = True,
) -> tuple[str, float, list[dict[str, Any]], list[dict[str, Any]], bool]:
    """Code, confidence, alternatives, evidence and police flag for the text, rules applied.

    Without ``explain`` the same answer comes without the alternatives and the n-grams behind
    it (the rules that fired are still named): what a new incident stores needs neither.
    """
    code_model = model.code
    probabilities = scored.probabilities
    classes = code_model.classes
    evidence: list[dict[str, Any]] = []
    order = np.argsort(-probabilities)
    code = classes[int(order[0])]
    non_police = non_police_mask(classes)
    non_police_share = float(probabilities[non_police].sum())
    value, threshold, how = non_police_probability(non_police_share, channel, model.metadata)
    goes_elsewhere = value >= threshold
    if goes_elsewhere != (code[:2] in NON_POLICE_GROUPS):
        side = non_police if goes_elsewhere else ~non_police
        code = classes[int(np.argmax(np.where(side, probabilities, -1.0)))]
        evidence.append(
            {
                "kind": "rule",
                "name": "non_police_share",
                "detail": f"{how} {value:.2f}，阈值 {threshold:.2f}",
            }
        )
    winner = classes.index(code)
    if explain:
        evidence.extend(
            {"kind": "feature", "text": gram, "weight": weight}
            for gram, weight in code_model.top_features(scored, winner)
        )
    decision = threshold_decision(code, reading.folded, list(reading.amounts))
    confidence = float(probabilities[winner])
    if decision is not None:
        evidence.append({"kind": "rule", "name": decision.rule, "detail": decision.reason})
        if decision.code != code and decision.code in classes:
            pair = float(probabilities[winner] + probabilities[classes.index(decision.code)])
            code, confidence = decision.code, pair
    police = code[:2] not in NON_POLICE_GROUPS
    calibrated = code_model.calibrated(confidence)
    if not explain:
        return code, calibrated, [], evidence, police
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
    channel: str | None = None,
) -> Triage:
    """Triage one incident text (see the module docstring)."""
    return triage_many(
        [text],
        [address],
        default_place,
        model=model,
        resolve_place=resolve_place,
        channels=[channel],
    )[0]


@dataclass
class _Decided:
    reading: Reading
    code: str
    confidence: float
    alternatives: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    police: bool
    urgency: int


def triage_many(
    texts: Sequence[str],
    addresses: Sequence[str | None] | None = None,
    default_place: str | None = None,
    *,
    model: Model | None = None,
    resolve_place: bool = True,
    channels: Sequence[str | None] | None = None,
    explain: bool = True,
) -> list[Triage]:
    """Triage a batch of texts (bulk intake): the same answers as :func:`triage` one by one.

    ``addresses`` and ``channels``, when given, run alongside ``texts``. Without ``explain``
    the answers carry no alternatives and no n-gram evidence (see :func:`classify`), the rest
    unchanged: for recording incidents, which store neither.
    """
    for name, values in (("addresses", addresses), ("channels", channels)):
        if values is not None and len(values) != len(texts):
            raise ValueError(f"{name} and texts differ in length")
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text is empty")
    model = model or default_model()
    results: list[Triage] = []
    for start in range(0, len(texts), BATCH):
        stop = min(start + BATCH, len(texts))
        readings = [read(text) for text in texts[start:stop]]
        scored = model.code.score_many([r.normalised for r in readings])
        decided = [
            _decide(
                reading,
                one,
                model,
                channels[start + k] if channels is not None else None,
                explain,
            )
            for k, (reading, one) in enumerate(zip(readings, scored, strict=True))
        ]
        gov = _gov_categories(decided, model, explain)
        for k, item in enumerate(decided):
            index = start + k
            address = addresses[index] if addresses is not None else None
            place = locate(texts[index], address, default_place) if resolve_place else None
            results.append(_result(item, gov[k], place))
    return results


def _decide(
    reading: Reading, scored: Scored, model: Model, channel: str | None, explain: bool
) -> _Decided:
    code, confidence, alternatives, evidence, police = classify(
        reading, scored, model, channel, explain=explain
    )
    urgency = default_urgency(code)
    hits = danger_hits(reading.folded)
    for hit in hits:
        urgency = min(urgency, hit.urgency)
        evidence.append({"kind": "rule", "name": hit.rule, "detail": f"{hit.label}：{hit.match}"})
    if not police and any(hit.keeps_police for hit in hits):
        police = True
        evidence.append(
            {"kind": "rule", "name": "danger_keeps_police", "detail": "危险信号，警方先期处置"}
        )
    return _Decided(reading, code, confidence, alternatives, evidence, police, urgency)


def _gov_categories(
    decided: Sequence[_Decided], model: Model, explain: bool = True
) -> list[tuple[str | None, list[dict[str, Any]]]]:
    """The government category (and its evidence) of every matter, police or not.

    A matter kept with the police gets one too: a dispatcher who overrules the police decision
    and sends it on needs it, and a message to government that the model wrongly keeps with the
    police still says which government category it is about.  Only matters for another body
    get a ``department`` (see :func:`_result`).
    """
    found: list[tuple[str | None, list[dict[str, Any]]]] = [(None, [])] * len(decided)
    gov_model = model.gov
    if gov_model is None or not decided:
        return found
    scored = gov_model.score_many([item.reading.normalised for item in decided])
    for k, one in enumerate(scored):
        best = int(np.argmax(one.probabilities))
        evidence = (
            [
                {"kind": "gov_feature", "text": gram, "weight": weight}
                for gram, weight in gov_model.top_features(one, best, limit=3)
            ]
            if explain
            else []
        )
        found[k] = (gov_model.classes[best], evidence)
    return found


def _for_another_body(item: _Decided) -> bool:
    return not item.police or item.code[:2] in NON_POLICE_GROUPS


def _result(
    item: _Decided,
    gov: tuple[str | None, list[dict[str, Any]]],
    place: dict[str, Any] | None,
) -> Triage:
    gov_category, gov_evidence = gov
    department: str | None = None
    if _for_another_body(item):
        department = department_for(item.code, gov_category, item.reading.folded)
    call_type = call_types().get(item.code)
    return Triage(
        code=item.code,
        name=call_type.name if call_type else item.code,
        group=item.code[:2],
        group_name=GROUP_NAMES.get(item.code[:2], ""),
        police=item.police,
        gov_category=gov_category,
        department=department,
        urgency=item.urgency,
        confidence=round(item.confidence, 4),
        evidence=item.evidence + gov_evidence,
        place=place,
        alternatives=item.alternatives,
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
