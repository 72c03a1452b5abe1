"""``pingan triage …`` commands: batch triage of JSON lines, training, evaluation.

The lead engineer mounts :data:`app` on the ``pingan`` command.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

if TYPE_CHECKING:
    from pingan.triage.model import Model

app = typer.Typer(help="分诊：警情文本分类、训练与评测", no_args_is_help=True)


def _emit(out: TextIO, value: dict[str, Any]) -> None:
    out.write(json.dumps(value, ensure_ascii=False) + "\n")


BLOCK = 256  # lines triaged together (one batch per default place)


def triage_lines(
    lines: TextIO,
    out: TextIO,
    *,
    model_dir: Path | None = None,
    default_place: str | None = None,
    resolve_place: bool = True,
) -> tuple[int, int]:
    """Triage each JSON line ``{"id", "text", "address"?, "channel"?, "default_place"?}``, in
    blocks (see :func:`pingan.triage.decide.triage_many`); one line out per line in, in order.
    Returns (done, failed)."""
    from pingan.triage.decide import default_model
    from pingan.triage.model import load_model

    model = load_model(model_dir) if model_dir else default_model()
    done = failed = 0
    block: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal done, failed
        for answer in _triage_block(block, model, default_place, resolve_place):
            if "error" in answer:
                failed += 1
            else:
                done += 1
            _emit(out, answer)
        block.clear()

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        block.append((number, line))
        if len(block) >= BLOCK:
            flush()
    flush()
    return done, failed


@dataclass(frozen=True)
class _Item:
    ident: Any
    text: str
    address: str | None
    channel: str | None
    default_place: str | None


def _parse(number: int, line: str, default_place: str | None) -> _Item:
    item = json.loads(line)
    if not isinstance(item, dict):
        raise ValueError("a line must be a JSON object")
    ident = item.get("id", number)
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _LineError(ident, "text is missing or empty")
    address, channel = item.get("address"), item.get("channel")
    return _Item(
        ident,
        text,
        address if isinstance(address, str) else None,
        str(channel) if isinstance(channel, str | int) and str(channel).strip() else None,
        item.get("default_place") or default_place,
    )


class _LineError(ValueError):
    def __init__(self, ident: Any, message: str) -> None:
        super().__init__(message)
        self.ident = ident


def _triage_block(
    block: list[tuple[int, str]],
    model: Model,
    default_place: str | None,
    resolve_place: bool,
) -> list[dict[str, Any]]:
    from pingan.triage.decide import triage, triage_many

    answers: list[dict[str, Any] | None] = [None] * len(block)
    groups: dict[str | None, list[tuple[int, _Item]]] = {}
    for k, (number, line) in enumerate(block):
        try:
            item = _parse(number, line, default_place)
        except _LineError as error:
            answers[k] = {"id": error.ident, "error": str(error)}
            continue
        except (ValueError, TypeError) as error:
            answers[k] = {"id": number, "error": str(error)}
            continue
        groups.setdefault(item.default_place, []).append((k, item))
    for place, members in groups.items():
        items = [item for _, item in members]
        try:
            results = triage_many(
                [item.text for item in items],
                [item.address for item in items],
                place,
                model=model,
                resolve_place=resolve_place,
                channels=[item.channel for item in items],
            )
        except (ValueError, TypeError):
            results = None  # find the line at fault one by one
        for position, (k, item) in enumerate(members):
            try:
                result = (
                    results[position]
                    if results is not None
                    else triage(
                        item.text,
                        item.address,
                        place,
                        model=model,
                        resolve_place=resolve_place,
                        channel=item.channel,
                    )
                )
            except (ValueError, TypeError) as error:
                answers[k] = {"id": item.ident, "error": str(error)}
                continue
            answers[k] = {"id": item.ident, **result.to_dict()}
    return [answer for answer in answers if answer is not None]


@app.command("triage")
def triage_command(
    model_dir: Annotated[
        Path | None, typer.Option("--model", help="模型目录（默认随包模型）")
    ] = None,
    default_place: Annotated[
        str | None, typer.Option("--default-place", help="默认辖区（区划代码或名称）")
    ] = None,
    no_place: Annotated[bool, typer.Option("--no-place", help="不解析地点")] = False,
) -> None:
    """从标准输入读 JSON 行 {"id","text","address"?,"channel"?}，每行输出一条分诊结果。"""
    done, failed = triage_lines(
        sys.stdin,
        sys.stdout,
        model_dir=model_dir,
        default_place=default_place,
        resolve_place=not no_place,
    )
    typer.echo(f"{done} 条完成，{failed} 条出错", err=True)


@app.command("train")
def train_command(
    data: Annotated[
        Path, typer.Option("--data", help="带标注的 CSV 或 JSONL（text, code, gov_category?）")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="模型输出目录（默认随包模型目录）")
    ] = None,
) -> None:
    """用已确认的历史警情训练分诊模型。"""
    from pingan.triage.decide import default_model_dir
    from pingan.triage.model import save_model
    from pingan.triage.train import read_rows, train_model

    if not data.exists():
        typer.echo(f"错误：找不到文件 {data}", err=True)
        raise typer.Exit(2)
    try:
        rows = read_rows(data)
        model = train_model(rows)
    except (ValueError, KeyError) as error:
        typer.echo(f"错误：{error}", err=True)
        raise typer.Exit(2) from None
    target = save_model(model, out or default_model_dir())
    held_out = model.metadata["held_out"]
    typer.echo(f"{len(rows)} 条训练；留出准确率 {held_out['code_accuracy']}；已写入 {target}")


@app.command("eval-triage")
def eval_command(
    data: Annotated[Path, typer.Option("--data", help="评测 JSONL（code 或 label 字段）")],
    model_dir: Annotated[
        Path | None, typer.Option("--model", help="模型目录（默认随包模型）")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出完整报告")] = False,
) -> None:
    """在带标注的数据上评测分诊：准确率、宏 F1、混淆、校准。"""
    from pingan.triage.decide import default_model, triage
    from pingan.triage.evaluation import evaluate, read_jsonl, summary_lines
    from pingan.triage.model import load_model

    if not data.exists():
        typer.echo(f"错误：找不到文件 {data}", err=True)
        raise typer.Exit(2)
    model = load_model(model_dir) if model_dir else default_model()
    report = evaluate(
        read_jsonl(data), lambda text: triage(text, model=model, resolve_place=False).to_dict()
    )
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for line in summary_lines(report):
            typer.echo(line)


if __name__ == "__main__":
    app()
