"""Confidence means what it says on text the model has not seen (a held-out part of the corpus)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pingan.triage.decide import triage
from pingan.triage.evaluation import calibration
from pingan.triage.train import LabelledText, read_rows, train_model

CORPUS = Path(__file__).resolve().parents[3] / "src" / "pingan" / "data" / "triage" / "corpus"


def corpus_rows() -> list[LabelledText]:
    return [row for path in sorted(CORPUS.glob("*.jsonl")) for row in read_rows(path)]


def test_confidence_is_calibrated_on_held_out_corpus_text() -> None:
    rows = corpus_rows()
    if len(rows) < 500:
        pytest.skip("corpus too small to hold part of it out")
    random.Random(11).shuffle(rows)
    cut = int(len(rows) * 0.75)
    model = train_model(rows[:cut], folds=3)
    held_out = rows[cut:]
    results = [triage(r.text, model=model, resolve_place=False) for r in held_out]
    correct = [res.code == r.code for res, r in zip(results, held_out, strict=True)]
    ece, table = calibration(correct, [res.confidence for res in results])
    assert ece < 0.1, table
    confident = [c for c, res in zip(correct, results, strict=True) if res.confidence >= 0.9]
    if len(confident) >= 30:
        assert sum(confident) / len(confident) >= 0.8
