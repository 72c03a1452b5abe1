"""This checkout against another commit, one benchmark run after the other, in turns.

    python -m bench.compare REV [BENCHMARK] [--pairs N] [--figure NAME ...]

The machine's speed drifts from one quarter of an hour to the next, so two results taken at
different times do not tell whether a change made Pingan faster. Here the commit ``REV`` is
checked out beside this one (``git worktree``, removed afterwards) and the benchmark
(``intake`` unless named) runs ``--pairs`` times (3) on each side, alternating which side goes
first, each run in its own process with its own tree's code and data. For every figure the
benchmark prints, each pair gives a ratio (this checkout ÷ ``REV``); the median of those ratios
is reported beside every run's value: above 1, the figure is higher here. Both sides use this
checkout's environment (``.venv``), so ``REV`` should need the same packages.

The results go to ``bench/results/compare_<benchmark>.json`` (or the folder
``PINGAN_BENCH_RESULTS`` names, as for the benchmarks); the benchmark's own results file is left
alone. The benchmark's environment variables (``PINGAN_BENCH_INTAKE_ROWS`` …) apply to
both sides.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("PINGAN_BENCH_RESULTS") or ROOT / "bench" / "results")


def figures(result: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a benchmark's JSON (not the machine's details), by its dotted path."""
    if isinstance(result, dict):
        for key, value in result.items():
            if key != "_machine":
                yield from figures(value, f"{prefix}{key}.")
    elif isinstance(result, list):
        for index, value in enumerate(result):
            yield from figures(value, f"{prefix}{index}.")
    elif isinstance(result, int | float) and not isinstance(result, bool):
        yield prefix.rstrip("."), float(result)


def summary(
    here: Sequence[dict[str, float]], there: Sequence[dict[str, float]], wanted: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Per figure: each side's values and the median of the pairs' ratios (here ÷ there)."""
    names = [n for n in here[0] if n in there[0] and (not wanted or n in wanted)]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise SystemExit(f"no such figure in both results: {', '.join(unknown)}")
    compared = {}
    for name in names:
        ours = [run[name] for run in here]
        theirs = [run[name] for run in there]
        ratios = [a / b for a, b in zip(ours, theirs, strict=True) if b]
        compared[name] = {
            "here": ours,
            "there": theirs,
            "ratio_median": round(statistics.median(ratios), 3) if ratios else None,
        }
    return compared


def _revision(tree: Path, rev: str) -> str:
    return subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", rev],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _run(tree: Path, benchmark: str, results: Path) -> dict[str, float]:
    """One run of the benchmark with ``tree``'s code, in a process of its own."""
    results.mkdir(parents=True)
    env = {
        **os.environ,
        # The tree's own packages before the installed (editable) ones.
        "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(tree)]),
        "PINGAN_BENCH_RESULTS": str(results),
    }
    subprocess.run(
        [sys.executable, "-m", "bench", benchmark],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    written = results / f"{benchmark}.json"
    if not written.exists():  # a commit from before PINGAN_BENCH_RESULTS writes into its tree
        written = tree / "bench" / "results" / f"{benchmark}.json"
    return dict(figures(json.loads(written.read_text(encoding="utf-8"))))


def compare(
    rev: str,
    benchmark: str = "intake",
    *,
    pairs: int = 3,
    wanted: Sequence[str] = (),
    tree: Path = ROOT,
    progress: Any = print,
) -> dict[str, Any]:
    """Run the benchmark ``pairs`` times on each side, in turns; see the module's docstring."""
    there_rev = _revision(tree, rev)
    here_rev = _revision(tree, "HEAD")
    changed = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if changed:  # what runs here is the working tree, not HEAD alone
        here_rev += " with uncommitted changes"
    here: list[dict[str, float]] = []
    there: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="pingan-compare-") as scratch:
        other = Path(scratch) / "tree"
        subprocess.run(
            ["git", "-C", str(tree), "worktree", "add", "--detach", str(other), there_rev],
            check=True,
            capture_output=True,
        )
        try:
            for pair in range(pairs):
                sides = [("here", tree, here), ("there", other, there)]
                for side, root, runs in sides if pair % 2 == 0 else sides[::-1]:
                    progress(f"pair {pair + 1}/{pairs}: {benchmark} at {side}")
                    runs.append(_run(root, benchmark, Path(scratch) / f"{side}-{pair}"))
        finally:
            subprocess.run(
                ["git", "-C", str(tree), "worktree", "remove", "--force", str(other)],
                check=False,
                capture_output=True,
            )
    return {
        "benchmark": benchmark,
        "here": here_rev,
        "there": there_rev,
        "pairs": pairs,
        "figures": summary(here, there, wanted),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("rev", help="the commit to compare this checkout with")
    parser.add_argument("benchmark", nargs="?", default="intake")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--figure", action="append", default=[], help="only this figure")
    args = parser.parse_args(argv)
    result = compare(args.rev, args.benchmark, pairs=args.pairs, wanted=args.figure)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"compare_{args.benchmark}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{args.benchmark}: {result['here']} (here) ÷ {result['there']} (there)")
    for name, figure in result["figures"].items():
        print(f"  {name}: {figure['ratio_median']}  here {figure['here']}  there {figure['there']}")


if __name__ == "__main__":
    main()
