"""Run every benchmark: ``python -m bench [name ...]``; ``python -m bench.compare REV name``
compares this checkout with another commit."""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

from bench.durability import drop_databases

BENCHMARKS = (
    "triage",
    "address",
    "routing",
    "intake",
    "intake_profile",
    "api_load",
    "durability",
    "dashboard",
    "first_view",
    "demo",
)
# Where the JSON goes; ``bench.compare`` points each run elsewhere so as not to overwrite these.
RESULTS = Path(os.environ.get("PINGAN_BENCH_RESULTS") or Path(__file__).parent / "results")


def main(names: list[str]) -> None:
    RESULTS.mkdir(exist_ok=True)
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        try:
            figures = module.run()
        finally:
            drop_databases()
        figures["_machine"] = {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "seconds": round(time.perf_counter() - started, 1),
        }
        (RESULTS / f"{name}.json").write_text(
            json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        print(f"== {name}")
        print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
