"""Floors on real labelled data in ../shared/eval (measurement only; skipped when absent).

The floors sit a little below the figures measured when the shipped model was built; they may
only rise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pingan.triage.decide import triage
from pingan.triage.evaluation import evaluate, read_jsonl

EVAL = Path(__file__).resolve().parents[3].parent / "shared" / "eval"

pytestmark = pytest.mark.eval


def run(name: str) -> dict[str, Any]:
    path = EVAL / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return evaluate(read_jsonl(path), lambda text: triage(text, resolve_place=False).to_dict())


def test_criminal_case_facts() -> None:
    report = run("cail2018_facts_dev.jsonl")
    assert report["code"]["accuracy"] >= 0.85
    assert report["group"]["accuracy"] >= 0.905
    assert report["police"]["police_recall"] >= 0.97
    assert report["code"]["ece"] <= 0.08


def test_citizen_messages_to_government() -> None:
    report = run("tipdm2020_messages_dev.jsonl")
    assert report["police"]["non_police_recall"] >= 0.87
    # gov_category is given for every message, also those the model keeps with the police.
    assert report["gov_category"]["accuracy"] >= 0.80
