"""A trained model survives save/load unchanged, and its files hold no pickle."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from pingan.triage.decide import triage
from pingan.triage.model import Model, load_model, save_model

TEXTS = ["昨晚家里被盗，丢了现金5000元", "工地老板欠薪不给", "楼下两个人打架", "厨房着火了"]


def test_saved_model_gives_identical_answers_after_loading(
    tiny_model: Model, tmp_path: Path
) -> None:
    save_model(tiny_model, tmp_path)
    loaded = load_model(tmp_path)
    assert loaded.code.classes == tiny_model.code.classes
    assert loaded.code.temperature == tiny_model.code.temperature
    for text in TEXTS:
        before = triage(text, model=tiny_model, resolve_place=False).to_dict()
        after = triage(text, model=loaded, resolve_place=False).to_dict()
        assert before == after
        assert np.array_equal(tiny_model.code.probabilities(text), loaded.code.probabilities(text))


def test_model_files_are_plain_arrays_and_json(tiny_model: Model, tmp_path: Path) -> None:
    save_model(tiny_model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["code.npz", "gov.npz", "model.json"]
    for archive in tmp_path.glob("*.npz"):
        with zipfile.ZipFile(archive) as members:
            for name in members.namelist():
                header = members.read(name)[:128]
                assert header.startswith(b"\x93NUMPY")
                assert b"'O'" not in header and b"|O" not in header  # no object arrays
        with np.load(archive, allow_pickle=False) as arrays:
            assert {"terms", "classes", "weights", "bias", "idf"} <= set(arrays.files)
    description = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert description["corpus_sha256"] and description["parts"]["code"]["temperature"] > 0


def test_shipped_model_loads_and_records_its_corpus() -> None:
    from pingan.triage.decide import default_model

    model = default_model()
    assert len(model.code.classes) >= 50
    assert model.gov is not None
    assert len(model.metadata["corpus_sha256"]) == 64
    assert model.metadata["held_out"]["code_accuracy"] > 0.5
