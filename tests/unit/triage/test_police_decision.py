"""Police or not: the threshold keeps police recall first, and the channel moves the decision."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from pingan.triage.commands import app
from pingan.triage.decide import triage
from pingan.triage.model import LinearTextModel, Model, save_model
from pingan.triage.train import LabelledText, fit_threshold, train_model


def test_threshold_is_the_lowest_that_keeps_97_percent_of_police_matters() -> None:
    # 100 police rows with shares 0.00..0.99, 50 non-police rows at 0.50..0.99.
    police_share = np.arange(100) / 100
    other_share = 0.5 + np.arange(50) / 100
    share = np.concatenate([police_share, other_share])
    police = np.array([True] * 100 + [False] * 50)
    kept = np.zeros(150, dtype=bool)
    threshold, police_recall, non_police_recall = fit_threshold(share, police, kept)
    assert threshold == 0.97  # 97 of the 100 police rows lie below it; 0.96 keeps only 96
    assert police_recall == 0.97
    assert non_police_recall == 3 / 50
    # A danger rule that keeps the three highest police rows lets the threshold come down.
    kept[97:100] = True
    threshold, police_recall, non_police_recall = fit_threshold(share, police, kept)
    assert threshold == 0.94
    assert (police_recall, non_police_recall) == (0.97, 6 / 50)


def test_with_a_confidence_bound_the_threshold_leaves_room_for_sampling_noise() -> None:
    # 1,000 police rows with shares 0.000..0.999: at z = 0 the point recall decides (0.97); with
    # z = 1.645 the lower 95 % bound of the recall must reach 97 %, which needs a higher one.
    share = np.concatenate([np.arange(1000) / 1000, np.full(10, 0.999)])
    police = np.array([True] * 1000 + [False] * 10)
    kept = np.zeros(1010, dtype=bool)
    plain, plain_recall, _ = fit_threshold(share, police, kept)
    bounded, bounded_recall, _ = fit_threshold(share, police, kept, z=1.645)
    assert plain == 0.97 and plain_recall == 0.97
    assert bounded > plain and bounded_recall > plain_recall


def test_unreachable_target_gives_the_highest_police_recall_at_the_lowest_threshold() -> None:
    share = np.array([0.995, 0.995, 0.1, 0.999])
    police = np.array([True, True, True, False])
    threshold, police_recall, non_police_recall = fit_threshold(
        share, police, np.zeros(4, dtype=bool)
    )
    assert (threshold, police_recall, non_police_recall) == (0.11, 1 / 3, 1.0)


def undecided_model() -> Model:
    """Half 社会联动, half dispute, whatever the text; a prior that favours 12345 to go on."""
    part = LinearTextModel(
        classes=("200200", "600600"),
        terms=("的",),
        idf=np.ones(1, dtype=np.float32),
        weights=np.zeros((1, 2), dtype=np.float32),
        bias=np.zeros(2, dtype=np.float32),
    )
    prior = {
        "slope": 1.0,
        "intercept": 0.0,
        "offsets": {"110": -1.5, "12345": 2.0},
        "threshold": 0.6,
    }
    return Model(code=part, metadata={"non_police_threshold": 0.6, "channel_prior": prior})


def test_the_channel_prior_moves_an_undecided_text() -> None:
    model = undecided_model()
    text = "小区门口占道摆摊"
    assert triage(text, model=model, resolve_place=False).police is True  # 0.5 < 0.6
    assert triage(text, model=model, resolve_place=False, channel="110").police is True
    by_hotline = triage(text, model=model, resolve_place=False, channel="12345")
    assert by_hotline.police is False and by_hotline.code == "600600"
    # A channel the model has no prior for counts as unknown.
    assert triage(text, model=model, resolve_place=False, channel="walk_in").police is True


def test_json_lines_carry_the_channel(tmp_path: Path) -> None:
    save_model(undecided_model(), tmp_path / "model")
    lines = [
        json.dumps({"id": 1, "text": "占道摆摊", "channel": "12345"}, ensure_ascii=False),
        json.dumps({"id": 2, "text": "占道摆摊"}, ensure_ascii=False),
    ]
    result = CliRunner().invoke(
        app,
        ["triage", "--model", str(tmp_path / "model"), "--no-place"],
        input="\n".join(lines) + "\n",
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [(o["id"], o["police"]) for o in out] == [(1, False), (2, True)]


def test_training_fits_a_prior_per_channel_from_the_rows() -> None:
    police = ["有人在门口吵架", "两个人打起来了", "手机被偷了", "邻居吵得很凶", "有人打架"]
    others = ["路灯坏了没人修", "小区垃圾没人清", "占道经营摆摊", "噪声扰民工地", "停水了"]
    rows: list[LabelledText] = []
    for k in range(30):
        rows.append(LabelledText(f"{police[k % 5]}{k}", "200200", channel="110"))
        rows.append(LabelledText(f"{others[k % 5]}{k}", "600600", channel="12345"))
    for k in range(12):
        rows.append(LabelledText(f"{others[k % 5]}，{k}号", "600600", channel="110"))
        rows.append(LabelledText(f"{police[k % 5]}，{k}号", "200200", channel="12345"))
    model = train_model(rows, folds=3, use_seeds=False, min_df=1)
    prior = model.metadata["channel_prior"]
    assert set(prior["offsets"]) == {"110", "12345"}
    assert prior["offsets"]["12345"] > prior["offsets"]["110"]
    assert prior["police_recall"] >= 0.97
