"""Measuring triage on labelled text: accuracy, macro-F1, per class, confusions, calibration.

Two formats of JSON lines are read:

- rows with ``code`` (a 110 call-type code): the predicted code is compared with it, and so are
  the 12 groups (2-digit prefix) and police/non-police;
- rows with ``label`` (a first-level government category, messages to government): the predicted
  ``gov_category`` is compared with it, and every such row counts as non-police.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pingan.taxonomy import NON_POLICE_GROUPS

BINS = 10


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    """Agreement between ``truth`` and ``predicted`` labels, with confidences when given."""

    rows: int
    accuracy: float
    macro_f1: float
    per_class: list[ClassScore]
    top_confusions: list[tuple[str, str, int]]
    ece: float | None = None
    reliability: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "per_class": [
                {
                    "label": s.label,
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.support,
                }
                for s in self.per_class
            ],
            "top_confusions": [
                {"truth": t, "predicted": p, "count": n} for t, p, n in self.top_confusions
            ],
            "ece": None if self.ece is None else round(self.ece, 4),
            "reliability": self.reliability,
        }


def score(
    truth: Sequence[str],
    predicted: Sequence[str],
    confidence: Sequence[float] | None = None,
    *,
    confusions: int = 10,
) -> Report:
    """The report for paired labels (and the confidence of each prediction)."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    if not truth:
        raise ValueError("nothing to score")
    pairs = Counter(zip(truth, predicted, strict=True))
    true_count = Counter(truth)
    predicted_count = Counter(predicted)
    correct = sum(n for (t, p), n in pairs.items() if t == p)
    per_class: list[ClassScore] = []
    for label in sorted(set(truth) | set(predicted)):
        hit = pairs.get((label, label), 0)
        precision = hit / predicted_count[label] if predicted_count[label] else 0.0
        recall = hit / true_count[label] if true_count[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append(ClassScore(label, precision, recall, f1, true_count[label]))
    supported = [s for s in per_class if s.support]
    wrong = sorted(
        ((t, p, n) for (t, p), n in pairs.items() if t != p), key=lambda x: (-x[2], x[0], x[1])
    )
    report = Report(
        rows=len(truth),
        accuracy=correct / len(truth),
        macro_f1=sum(s.f1 for s in supported) / len(supported),
        per_class=per_class,
        top_confusions=wrong[:confusions],
    )
    if confidence is not None:
        report.ece, report.reliability = calibration(
            [t == p for t, p in zip(truth, predicted, strict=True)], confidence
        )
    return report


def calibration(
    correct: Sequence[bool], confidence: Sequence[float], bins: int = BINS
) -> tuple[float, list[dict[str, float]]]:
    """Expected calibration error and a reliability table of equal-width confidence bins."""
    table: list[dict[str, float]] = []
    ece = 0.0
    total = len(correct)
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [
            i for i, c in enumerate(confidence) if low <= c < high or (b == bins - 1 and c == 1.0)
        ]
        if not members:
            continue
        mean_confidence = sum(confidence[i] for i in members) / len(members)
        accuracy = sum(1 for i in members if correct[i]) / len(members)
        ece += len(members) / total * abs(accuracy - mean_confidence)
        table.append(
            {
                "from": low,
                "to": high,
                "rows": len(members),
                "confidence": round(mean_confidence, 4),
                "accuracy": round(accuracy, 4),
            }
        )
    return ece, table


Predict = Callable[[str], Mapping[str, Any]]


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _is_police(code: str) -> bool:
    return code[:2] not in NON_POLICE_GROUPS


def _recall(truth: Sequence[bool], predicted: Sequence[bool], value: bool) -> float | None:
    relevant = [p for t, p in zip(truth, predicted, strict=True) if t is value]
    return sum(1 for p in relevant if p is value) / len(relevant) if relevant else None


def evaluate(rows: Iterable[Mapping[str, Any]], predict: Predict) -> dict[str, Any]:
    """Run ``predict`` (text → triage dict) over labelled rows and report.

    Rows with ``code`` report code, group and police/non-police; rows with ``label`` report the
    government category and non-police recall.
    """
    coded: list[tuple[str, Mapping[str, Any]]] = []
    categorised: list[tuple[str, Mapping[str, Any]]] = []
    for row in rows:
        text = str(row.get("text") or "")
        if row.get("title") and str(row["title"]) not in text:
            text = f"{row['title']}\n{text}"
        result = predict(text)
        if row.get("code"):
            coded.append((str(row["code"]), result))
        elif row.get("label"):
            categorised.append((str(row["label"]), result))
    report: dict[str, Any] = {}
    if coded:
        truth = [c for c, _ in coded]
        codes = [str(r["code"]) for _, r in coded]
        confidence = [float(r.get("confidence", 0.0)) for _, r in coded]
        police_truth = [_is_police(c) for c in truth]
        police_predicted = [bool(r["police"]) for _, r in coded]
        report["code"] = score(truth, codes, confidence).to_dict()
        report["group"] = score([c[:2] for c in truth], [c[:2] for c in codes]).to_dict()
        report["police"] = {
            "accuracy": round(
                sum(t is p for t, p in zip(police_truth, police_predicted, strict=True))
                / len(coded),
                4,
            ),
            "police_recall": _rounded(_recall(police_truth, police_predicted, True)),
            "non_police_recall": _rounded(_recall(police_truth, police_predicted, False)),
        }
    if categorised:
        truth = [label for label, _ in categorised]
        predicted = [str(r.get("gov_category") or "(police)") for _, r in categorised]
        report["gov_category"] = score(truth, predicted).to_dict()
        police_predicted = [bool(r["police"]) for _, r in categorised]
        report["police"] = {
            "non_police_recall": _rounded(
                _recall([False] * len(categorised), police_predicted, False)
            ),
        }
    return report


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summary_lines(report: Mapping[str, Any]) -> list[str]:
    """A few lines for people: the headline figures and the top confusions."""
    lines: list[str] = []
    for part in ("code", "group", "gov_category"):
        if part in report:
            r = report[part]
            line = f"{part}: accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}"
            line += f"  rows {r['rows']}"
            if r.get("ece") is not None:
                line += f"  ECE {r['ece']:.3f}"
            lines.append(line)
    if "police" in report:
        lines.append("police: " + "  ".join(f"{k} {v}" for k, v in report["police"].items()))
    for part in ("code", "gov_category"):
        if part in report and report[part]["top_confusions"]:
            shown = ", ".join(
                f"{c['truth']}→{c['predicted']}×{c['count']}"
                for c in report[part]["top_confusions"][:6]
            )
            lines.append(f"top confusions ({part}): {shown}")
    return lines
