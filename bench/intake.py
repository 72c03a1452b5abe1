"""Bulk intake end to end (parse, triage, route, store, history, rollups) against a plain insert.

A file of incidents in Pingan's own JSONL format is imported with ``import_incidents`` into a
database that holds the real divisions and the demo units of 绍兴市 (so routing finds units);
in the same run the same rows are written by a plain bulk insert into a fresh database of the
same kind. The import runs twice, into fresh databases: in one process, and with one worker
process triaging the next batch ahead (``--workers 1``, the default on a two-core machine).
The machine is shared and its speed drifts, so this is done in ``PINGAN_BENCH_INTAKE_REPEATS``
rounds (3) and the median round reported, every round's rates beside it. The rows come in order
of time received, as source systems export them (``PINGAN_BENCH_INTAKE_ORDER=random`` shuffles
them over the nine months instead).
The ratio is how close Pingan comes to the storage limit. To explain it, every row the import
wrote (about nine per incident: the incident, its events, routing decision, assignments, its
share of the rollups and of the routing explanations) is also inserted plainly into a third
database, batch by batch. The time for a year of Zhejiang (~12 million incidents) is projected
from the measured rate, and its size on disk from what the import added to the database per
incident; the rate of the sample's second half, written into tables that hold the first, shows
whether it holds as the tables grow (``PINGAN_BENCH_INTAKE_ROWS`` makes the sample larger).
SQLite always; PostgreSQL when ``PINGAN_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.durability import _pg_url
from pingan.analytics.models import RollupCountyDaily, RollupDaily, RollupTownDaily
from pingan.area.actions import load_divisions
from pingan.area.models import Place
from pingan.db.base import utcnow
from pingan.db.bulk import insert_many
from pingan.db.engine import make_engine
from pingan.db.migrate import upgrade
from pingan.db.session import session_scope
from pingan.demo.build import build_demo
from pingan.geo.places_file import load_places
from pingan.incident.models import (
    Incident,
    IncidentAssignment,
    IncidentEvent,
    RoutingDecision,
    RoutingExplanation,
)
from pingan.intake.bulk import import_incidents
from pingan.intake.mapping import SourceMapping
from pingan.user.scope import SYSTEM

ROWS = int(os.environ.get("PINGAN_BENCH_INTAKE_ROWS", "20000"))
REPEATS = int(os.environ.get("PINGAN_BENCH_INTAKE_REPEATS", "3"))
# "time": rows in order of time received, as 110, 12345 and grid systems export them;
# "random": shuffled over the nine months (every time index written at random places).
ORDER = os.environ.get("PINGAN_BENCH_INTAKE_ORDER", "time")
BATCH = 1000
YEAR = 12_000_000
ROADS = ("人民路", "解放路", "中兴大道", "环城西路", "新建路", "工业园区纬三路", "江滨路")
ESTATES = ("金色家园", "阳光花苑", "锦绣江南", "鉴湖景园", "世纪新城", "府山小区")
CORPUS = Path(__file__).resolve().parents[1] / "src" / "pingan" / "data" / "triage" / "corpus"


def _prepared(url: str) -> sessionmaker[Session]:
    upgrade(url)
    factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    with session_scope(factory) as session:
        load_divisions(session, load_places())
        build_demo(session, city_code="330600")
    return factory


def _rows(factory: sessionmaker[Session], count: int) -> list[dict[str, Any]]:
    """Realistic rows: corpus texts, addresses naming a 绍兴 town or village."""
    rng = random.Random(7)
    texts = [
        json.loads(line)["text"]
        for path in sorted(CORPUS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    with factory() as session:
        towns = session.execute(
            select(Place.name, Place.parent_code).where(
                Place.city_code == "330600", Place.level == "town"
            )
        ).all()
        counties = dict(
            (c, n)
            for c, n in session.execute(
                select(Place.code, Place.name).where(Place.level == "county")
            )
        )
    rows = []
    for _ in range(count):
        town, county = rng.choice(towns)
        rows.append(
            {
                "channel": rng.choice(["110", "110", "110", "12345", "grid"]),
                "reported_at": f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)} "
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00",
                "text": rng.choice(texts)[:400],
                # Addresses as varied as real ones: a road and number, a community, or the town.
                "address": counties.get(county, "")
                + town
                + rng.choice(
                    [
                        "",
                        f"{rng.choice(ROADS)}{rng.randint(1, 400)}号",
                        f"{rng.choice(ESTATES)}{rng.randint(1, 40)}幢{rng.randint(1, 6)}单元",
                    ]
                ),
            }
        )
    if ORDER == "time":  # as a source system exports them, by time received
        rows.sort(key=lambda row: row["reported_at"])
    for n, row in enumerate(rows):  # record numbers follow the order of the file
        row["external_id"] = f"BENCH-{n:08d}"
    return rows


# Everything a new incident makes, parents before children.
WRITTEN = (Incident, IncidentEvent, RoutingDecision, IncidentAssignment)
ROLLUPS = (RollupDaily, RollupTownDaily, RollupCountyDaily)


def _plain_insert_of_everything(
    source: sessionmaker[Session], target: sessionmaker[Session], incidents: int
) -> float:
    """Incidents per second for a plain insert of every row the import wrote, a batch at a time
    (each batch's incidents with their own rows, and its share of the rollup rows). ``target``
    holds what ``source`` held before the import (the same divisions, units and sample)."""
    with source() as session:
        imported = select(Incident.id).where(Incident.external_id.like("BENCH-%"))
        tables = {
            Incident: _fetched(session, select(_table(Incident)).where(Incident.id.in_(imported)))
        }
        for model in WRITTEN[1:]:
            query = select(_table(model)).where(model.incident_id.in_(imported))
            tables[model] = _fetched(session, query)
        for model in ROLLUPS:
            tables[model] = _fetched(session, select(_table(model)))
        explanations = _fetched(session, select(_table(RoutingExplanation)))
    with target() as session:  # the sample's own rollup rows and explanations are there already
        for model in ROLLUPS:
            key = [c.name for c in _table(model).primary_key.columns]
            there = {tuple(r[k] for k in key) for r in _fetched(session, select(_table(model)))}
            tables[model] = [r for r in tables[model] if tuple(r[k] for k in key) not in there]
        known = set(session.scalars(select(RoutingExplanation.id)))
        explanations = [r for r in explanations if r["id"] not in known]
    # Each batch's rows are picked out before the clock starts (one pass over each table, by
    # the batch its incident is in): only the inserts are timed.
    ids = [row["id"] for row in tables[Incident]]
    batch_of = {incident_id: n // BATCH for n, incident_id in enumerate(ids)}
    count = -(-len(ids) // BATCH)
    rows_of: dict[Any, list[list[dict[str, Any]]]] = {}
    for model in WRITTEN:
        key = "id" if model is Incident else "incident_id"
        split: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        for row in tables[model]:
            split[batch_of[row[key]]].append(row)
        rows_of[model] = split
    # An explanation is written with the first batch whose decisions give it (as the import
    # wrote it), before those decisions.
    first_given: dict[int, int] = {}
    for number, decisions in enumerate(rows_of[RoutingDecision]):
        for decision in decisions:
            first_given.setdefault(decision["explanation_id"], number)
    given: list[list[dict[str, Any]]] = [[] for _ in range(count)]
    for row in explanations:
        if row["id"] in first_given:
            given[first_given[row["id"]]].append(row)
    work: list[list[tuple[Table, list[dict[str, Any]]]]] = []
    for number in range(count):
        batch = []
        for model in WRITTEN:
            if model is RoutingDecision:
                batch.append((_table(RoutingExplanation), given[number]))
            batch.append((_table(model), rows_of[model][number]))
        for model in ROLLUPS:
            rows = tables[model]
            low = number * len(rows) // count
            high = (number + 1) * len(rows) // count
            batch.append((_table(model), rows[low:high]))
        work.append(batch)
    started = time.perf_counter()
    for batch in work:
        with session_scope(target) as session:
            connection = session.connection()
            for table, rows in batch:
                insert_many(connection, table, rows)
    return incidents / (time.perf_counter() - started)


def _fetched(session: Session, query: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(query)]


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _import(url: str, source: Path, workers: int) -> tuple[int, int, float, float]:
    """Import ``source`` into a fresh database: (incidents imported, rows rejected, rate, rate of
    the second half — the batches written into tables already holding the first)."""
    factory = _prepared(url)
    ends: list[tuple[int, float]] = []
    written = 0

    def note(count: int) -> None:
        nonlocal written
        written += count
        ends.append((written, time.perf_counter()))

    started = time.perf_counter()
    summary = import_incidents(
        factory,
        source,
        actor=SYSTEM,
        mapping=SourceMapping(),
        batch_size=BATCH,
        workers=workers,
        progress=note,
    )
    seconds = time.perf_counter() - started
    middle = ends[len(ends) // 2 - 1] if len(ends) >= 2 else (0, started)
    second_half = (ends[-1][0] - middle[0]) / (ends[-1][1] - middle[1])
    factory.kw["bind"].dispose()
    return summary.imported, len(summary.rejected), summary.imported / seconds, second_half


def _plain_insert(url: str, rows: list[dict[str, Any]]) -> float:
    """Incidents per second for a plain insert of the same rows as bare incidents, batch by
    batch, through the same driver-level path Pingan writes with, into a fresh database."""
    factory = _prepared(url)
    now = utcnow()
    plain_rows = [
        {
            "number": f"P{n:013d}",
            "channel": r["channel"],
            "reported_at": now,
            "created_at": now,
            "description": r["text"],
            "address": r["address"],
            "state": "received",
            "return_count": 0,
            "updated_at": now,
            "external_id": r["external_id"] + "-plain",
        }
        for n, r in enumerate(rows)
    ]
    table = cast(Table, Incident.__table__)
    started = time.perf_counter()
    for start in range(0, len(plain_rows), BATCH):
        with session_scope(factory) as session:
            insert_many(session.connection(), table, plain_rows[start : start + BATCH])
    rate = len(plain_rows) / (time.perf_counter() - started)
    factory.kw["bind"].dispose()
    return rate


def _stored_bytes(engine: Engine) -> dict[str, int]:
    """Bytes on disk by table, its indexes included: SQLite's pages (those still in the WAL too,
    from its dbstat table), PostgreSQL's ``pg_total_relation_size`` (indexes and TOAST)."""
    if engine.dialect.name == "sqlite":
        query = (
            "SELECT m.tbl_name, sum(d.pgsize) FROM dbstat AS d"
            " JOIN sqlite_master AS m ON m.name = d.name GROUP BY m.tbl_name"
        )
    else:
        query = (
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class"
            " WHERE relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace"
        )
    with engine.connect() as connection:
        return {str(name): int(size) for name, size in connection.execute(text(query))}


def _measure(new_database: Callable[[str], str], folder: Path) -> dict[str, Any]:
    """``REPEATS`` rounds, each of: the import in one process, the plain insert, the import with
    the triage worker — one after the other, so that the ratios within a round compare runs made
    at the same speed of the machine. The round with the median rate is reported, the rates of
    every round beside it. ``new_database`` makes an empty database by name (once per name)."""
    made: dict[str, str] = {}

    def urls(name: str) -> str:
        if name not in made:
            made[name] = new_database(name)
        return made[name]

    sample = _prepared(urls("sample"))
    rows = _rows(sample, ROWS)
    source = folder / "incidents.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    rounds = []
    for number in range(REPEATS):
        imported, rejected, one_rate, _ = _import(urls(f"one_{number}"), source, workers=0)
        plain_rate = _plain_insert(urls(f"plain_{number}"), rows)
        _, _, full_rate, second_half_rate = _import(urls(f"ahead_{number}"), source, workers=1)
        rounds.append((full_rate, one_rate, plain_rate, second_half_rate, imported, rejected))
    ordered = sorted(rounds)
    full_rate, one_rate, plain_rate, second_half_rate, imported, rejected = ordered[
        len(ordered) // 2
    ]
    # Every row the import wrote, inserted plainly (from the last round's one-process database).
    imported_into = sessionmaker(bind=make_engine(urls(f"one_{REPEATS - 1}")))
    # What the import added on disk, per incident: that database against the sample's, which
    # holds the same divisions and units and no incident.
    before = _stored_bytes(sample.kw["bind"])
    added = {
        table: size - before.get(table, 0)
        for table, size in _stored_bytes(imported_into.kw["bind"]).items()
    }
    per_incident = sum(added.values()) / max(1, imported)
    all_rows_rate = _plain_insert_of_everything(imported_into, _prepared(urls("all")), len(rows))
    return {
        "rows": ROWS,
        "order": ORDER,
        "imported": imported,
        "rejected": rejected,
        "repeats": REPEATS,
        "end_to_end_per_s": round(full_rate),
        "end_to_end_one_process_per_s": round(one_rate),
        "plain_insert_per_s": round(plain_rate),
        "ratio": round(full_rate / plain_rate, 3),
        "ratio_one_process": round(one_rate / plain_rate, 3),
        # The rates of every round, in the order they ran (the machine's drift shows here).
        "rounds": [
            {
                "end_to_end_per_s": round(r[0]),
                "end_to_end_one_process_per_s": round(r[1]),
                "plain_insert_per_s": round(r[2]),
            }
            for r in rounds
        ],
        # Not the target's measure, to explain it: every row Pingan wrote for these incidents
        # (events, routing decisions, assignments, rollups too), inserted plainly the same way.
        "plain_insert_of_all_rows_written_per_s": round(all_rows_rate),
        "ratio_to_all_rows": round(full_rate / all_rows_rate, 3),
        # The most any import writing these rows could reach of the target's ratio: the plain
        # insert of everything written against the plain insert of bare incidents.
        "ratio_ceiling": round(all_rows_rate / plain_rate, 3),
        # With the triage worker: the batches after the first half of the sample, written into
        # tables that already hold it (no start-up in it); does the rate hold as they grow?
        "end_to_end_second_half_per_s": round(second_half_rate),
        "year_of_zhejiang_hours": round(YEAR / full_rate / 3600, 2),
        # Disk: the incidents with everything written for them, indexes included.
        "stored_bytes_per_incident": round(per_incident),
        "year_of_zhejiang_gb": round(YEAR * per_incident / 1e9, 1),
        "stored_bytes_per_incident_by_table": {
            table: round(size / max(1, imported))
            for table, size in sorted(added.items(), key=lambda item: -item[1])
            if size > 0
        },
        "targets": {"end_to_end_per_s": 3000, "ratio": 0.2},
    }


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = _measure(lambda name: f"sqlite:///{tmp}/intake_{name}.db", Path(tmp))
        if os.environ.get("PINGAN_TEST_DATABASE_URL"):

            def postgresql(name: str) -> str:
                url = _pg_url(f"pingan_bench_intake_{name}")
                assert url is not None
                return url

            results["postgresql"] = _measure(postgresql, Path(tmp))
    return results
