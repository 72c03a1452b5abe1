"""Evaluation maths on a hand-made example whose answers are worked out by hand."""

from __future__ import annotations

import pytest

from pingan.triage.evaluation import calibration, evaluate, score


def test_accuracy_macro_f1_and_confusions() -> None:
    truth = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "c", "c"]
    report = score(truth, predicted)
    assert report.accuracy == pytest.approx(4 / 6)
    by_label = {s.label: s for s in report.per_class}
    # a: P 2/2, R 2/3; b: P 1/2, R 1/2; c: P 1/2, R 1/1
    assert by_label["a"].precision == 1.0 and by_label["a"].recall == pytest.approx(2 / 3)
    assert by_label["b"].f1 == pytest.approx(0.5)
    assert by_label["c"].f1 == pytest.approx(2 / 3)
    assert report.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert report.top_confusions == [("a", "b", 1), ("b", "c", 1)]


def test_expected_calibration_error_and_reliability_bins() -> None:
    correct = [True, True, False, False]
    confidence = [0.95, 0.95, 0.15, 0.15]
    ece, table = calibration(correct, confidence)
    # bin 0.9-1.0: accuracy 1 vs 0.95; bin 0.1-0.2: accuracy 0 vs 0.15
    assert ece == pytest.approx(0.5 * 0.05 + 0.5 * 0.15)
    assert [(row["rows"], row["accuracy"]) for row in table] == [(2, 0.0), (2, 1.0)]


def test_evaluate_reports_groups_and_police_recall() -> None:
    answers = {
        "t1": {"code": "100100", "police": True, "confidence": 0.9},
        "t2": {"code": "201000", "police": True, "confidence": 0.6},
        "t3": {"code": "600600", "police": False, "confidence": 0.8},
        "t4": {"code": "200200", "police": True, "confidence": 0.5},
    }
    rows = [
        {"text": "t1", "code": "100100"},
        {"text": "t2", "code": "100100"},
        {"text": "t3", "code": "600600"},
        {"text": "t4", "code": "600300"},
    ]
    report = evaluate(rows, lambda text: answers[text])
    assert report["code"]["accuracy"] == 0.5
    assert report["group"]["accuracy"] == 0.5  # 10≠20 and 60≠20
    assert report["police"] == {"accuracy": 0.75, "police_recall": 1.0, "non_police_recall": 0.5}


def test_evaluate_gov_category_rows_count_as_non_police() -> None:
    answers = {
        "m1": {"gov_category": "城乡建设", "police": False},
        "m2": {"gov_category": None, "police": True},
    }
    rows = [{"text": "m1", "label": "城乡建设"}, {"text": "m2", "label": "交通运输"}]
    report = evaluate(rows, lambda text: answers[text])
    assert report["gov_category"]["accuracy"] == 0.5
    assert report["police"]["non_police_recall"] == 0.5
