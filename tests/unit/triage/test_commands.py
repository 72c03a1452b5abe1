"""The batch command: one JSON line out per line in, bad lines reported and skipped."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pingan.triage.commands import app
from pingan.triage.model import Model, save_model


def test_batch_triage_answers_every_line_and_survives_bad_ones(
    tiny_model: Model, tmp_path: Path
) -> None:
    save_model(tiny_model, tmp_path / "model")
    lines = [
        json.dumps({"id": "a1", "text": "厨房着火了，火很大"}, ensure_ascii=False),
        "this is not json",
        json.dumps({"id": "a3", "text": ""}),
        json.dumps({"id": "a4", "text": "公司欠薪三个月", "address": "某小区"}, ensure_ascii=False),
    ]
    result = CliRunner().invoke(
        app,
        ["triage", "--model", str(tmp_path / "model"), "--no-place"],
        input="\n".join(lines) + "\n",
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [o["id"] for o in out] == ["a1", 2, "a3", "a4"]
    assert out[0]["urgency"] == 1 and out[0]["police"] is True
    assert "error" in out[1] and "error" in out[2]
    assert out[3]["code"] == "600300" and out[3]["police"] is False
    assert out[3]["department"] == "human_resources"


def test_train_then_evaluate_on_a_users_own_file(tmp_path: Path) -> None:
    rows = [
        {"text": "被偷了手机", "code": "201000"},
        {"text": "钱包被偷走了", "code": "201000"},
        {"text": "电动车被偷", "code": "201000"},
        {"text": "有人在打架", "code": "200100"},
        {"text": "两伙人打起来了", "code": "200100"},
        {"text": "门口打架斗殴", "code": "200100"},
    ]
    data = tmp_path / "history.csv"
    data.write_text(
        "text,code\n" + "".join(f"{r['text']},{r['code']}\n" for r in rows), encoding="utf-8"
    )
    runner = CliRunner()
    trained = runner.invoke(app, ["train", "--data", str(data), "--out", str(tmp_path / "m")])
    assert trained.exit_code == 0, trained.output
    jsonl = tmp_path / "eval.jsonl"
    jsonl.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    evaluated = runner.invoke(
        app, ["eval-triage", "--data", str(jsonl), "--model", str(tmp_path / "m"), "--json"]
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["code"]["accuracy"] >= 5 / 6


def test_missing_training_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["train", "--data", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "找不到文件" in result.output
