"""Build the shipped triage model from src/pingan/data/triage/corpus/*.jsonl.

    .venv/bin/python scripts/train_default_model.py [--out DIR]

Prints the out-of-fold (held-out) accuracy of the call-type and government-category models and
writes code.npz, gov.npz and model.json to src/pingan/data/triage/model/ (or DIR).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pingan.triage.model import save_model
from pingan.triage.train import read_rows, train_model

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "src" / "pingan" / "data" / "triage" / "corpus"
MODEL = ROOT / "src" / "pingan" / "data" / "triage" / "model"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL)
    args = parser.parse_args()
    files = sorted(CORPUS.glob("*.jsonl"))
    if not files:
        print(f"no corpus files in {CORPUS}", file=sys.stderr)
        return 1
    rows = [row for path in files for row in read_rows(path)]
    print(f"corpus: {len(rows)} rows from {len(files)} files; training …", flush=True)
    model = train_model(rows)
    held_out = model.metadata["held_out"]
    print(
        f"held-out ({held_out['method']}): code accuracy {held_out['code_accuracy']:.3f}"
        f" on {held_out['code_rows']} rows"
    )
    print(
        f"held-out: 12-group accuracy {held_out['group_accuracy']:.3f} (model top type alone:"
        f" police recall {held_out['police_recall']:.3f},"
        f" non-police recall {held_out['non_police_recall']:.3f})"
    )
    settings = model.metadata["settings"]
    print(
        f"non-police threshold {model.metadata['non_police_threshold']:.2f}"
        f" (police recall ≥ {settings['police_recall_target']:.0%} at a lower bound of"
        f" z = {settings['police_recall_z']}): held-out police recall"
        f" {held_out['police_recall_at_threshold']:.3f},"
        f" non-police recall {held_out['non_police_recall_at_threshold']:.3f}"
    )
    prior = model.metadata.get("channel_prior") or {}
    if prior:
        print(
            f"channel prior (threshold {prior['threshold']:.2f}): held-out police recall"
            f" {prior['police_recall']:.3f}, non-police recall {prior['non_police_recall']:.3f}"
        )
        for name, figures in prior["channels"].items():
            print(f"  {name}: {figures}")
    if held_out.get("gov_accuracy") is not None:
        print(
            f"held-out: gov category accuracy {held_out['gov_accuracy']:.3f}"
            f" on {held_out['gov_rows']} rows"
        )
    print(
        f"temperature: code {model.code.temperature:.3f}"
        + (f", gov {model.gov.temperature:.3f}" if model.gov else "")
    )
    save_model(model, args.out)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
