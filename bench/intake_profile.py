"""Where the time of a bulk import goes: ``python -m bench intake_profile``.

The one-process import of the intake benchmark's sample (``bench.intake``: the same rows, the
same database of real divisions and 绍兴 units), run once under pyinstrument, a sampling
profiler: every millisecond it notes where the import is. It slows the import less than a
tracing profiler such as cProfile, which times every Python call and so inflates the stages
made of many small calls, but it still slows it (``us_per_incident_profiled`` against the rate
of ``python -m bench intake``): read the shares. Each stage of the pipeline is reported as the
time spent inside its function, everything it calls included, per incident and as a share of
the whole import.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from pyinstrument.frame import Frame

from bench.intake import BATCH, _prepared, _rows
from pingan.intake.bulk import import_incidents
from pingan.intake.mapping import SourceMapping
from pingan.user.scope import SYSTEM

ROWS = int(os.environ.get("PINGAN_BENCH_PROFILE_ROWS", "10000"))

# (stage, file the function is in, function), in pipeline order; an indented stage is part of
# the one above it. Time inside a function counts everything it calls.
STAGES = (
    ("reading the file and checking each row", "pingan/intake/bulk.py", "_batches"),
    ("looking up record numbers already stored", "pingan/incident/creation.py", "find_existing"),
    ("triage", "pingan/triage/decide.py", "triage_many"),
    ("  reading the text (normalising, numbers)", "pingan/triage/text.py", "read"),
    ("  the call-type classifier and its rules", "pingan/triage/decide.py", "_decide"),
    ("  the government category", "pingan/triage/decide.py", "_gov_categories"),
    ("  reading the address (gazetteer)", "pingan/triage/decide.py", "locate"),
    ("routing, time limits and the replayed history", "pingan/incident/creation.py", "_plan"),
    ("  the routing decision", "pingan/incident/assignment.py", "decide"),
    ("  due times", "pingan/incident/assignment.py", "due_columns"),
    ("writing", "pingan/incident/creation.py", "_insert"),
    ("  numbers", "pingan/incident/numbering.py", "reserve_numbers"),
    ("  the hash chain of the history", "pingan/incident/history.py", "chained"),
    ("  the rollups", "pingan/analytics/rollups.py", "apply_deltas"),
    ("  rows handed to the database (all tables)", "pingan/db/bulk.py", "insert_many"),
    ("commit", "pingan/db/writer_lock.py", "commit"),
)


def _frames(frame: Frame, path: str, name: str) -> Iterator[Frame]:
    """The outermost frames of ``name`` in ``path`` under ``frame``."""
    if frame.function == name and (frame.file_path or "").replace(os.sep, "/").endswith(path):
        yield frame
        return
    for child in frame.children:
        yield from _frames(child, path, name)


def _spent(root: Frame, path: str, name: str) -> float:
    """Seconds spent inside ``name`` of ``path`` and what it called."""
    return sum(frame.time for frame in _frames(root, path, name))


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        sample = _prepared(f"sqlite:///{tmp}/sample.db")
        rows = _rows(sample, ROWS)
        sample.kw["bind"].dispose()
        source = Path(tmp) / "incidents.jsonl"
        source.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
        )
        factory = _prepared(f"sqlite:///{tmp}/import.db")
        profiler = Profiler(interval=0.001)
        started = time.perf_counter()
        profiler.start()
        summary = import_incidents(
            factory, source, actor=SYSTEM, mapping=SourceMapping(), batch_size=BATCH, workers=0
        )
        session = profiler.stop()
        seconds = time.perf_counter() - started
        factory.kw["bind"].dispose()
    root = session.root_frame()
    assert root is not None
    whole = _spent(root, "pingan/intake/bulk.py", "import_incidents")
    measured = [(stage, _spent(root, path, name)) for stage, path, name in STAGES]
    per = 1e6 / summary.imported
    return {
        "rows": ROWS,
        "imported": summary.imported,
        "profiled_seconds": round(seconds, 2),
        "us_per_incident_profiled": round(whole * per),
        "samples": session.sample_count,
        "stages": [
            {
                "stage": stage,
                "us_per_incident_profiled": round(spent * per, 1),
                "share": round(spent / whole, 3),
            }
            for stage, spent in _with_the_rest(measured, whole)
        ],
    }


def _with_the_rest(measured: list[tuple[str, float]], whole: float) -> list[tuple[str, float]]:
    """The stages, each with its parts followed by "the rest" of it (what no part names), and
    the rest of the import at the end."""
    out: list[tuple[str, float]] = []
    parent: tuple[str, float] | None = None
    parts = 0.0

    def close() -> None:
        if parent is not None and parts > 0:
            out.append(("  the rest", parent[1] - parts))

    for stage, spent in measured:
        if stage.startswith("  "):
            parts += spent
            out.append((stage, spent))
            continue
        close()
        parent, parts = (stage, spent), 0.0
        out.append((stage, spent))
    close()
    top = sum(spent for stage, spent in measured if not stage.startswith("  "))
    out.append(("the rest of the import (places, outcomes, batching)", whole - top))
    return out
