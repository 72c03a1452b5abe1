"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Engine, column, func, insert, select, table
from sqlalchemy.orm import Session

from pingan.db.base import UtcDateTime
from pingan.db.engine import make_engine
from pingan.db.migrate import MIGRATIONS, alembic_config, upgrade
from pingan.db.models import Base
from pingan.incident.explanations import canonical
from pingan.incident.models import RoutingDecision, RoutingExplanation
from tests.conftest import BACKENDS, _drop_pg_database, new_database_url


def test_migrated_schema_matches_the_models(database: Engine) -> None:
    with database.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], differences


def test_there_is_one_head_revision() -> None:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_routing_explanations_move_to_their_own_table_and_back(
    backend: str, tmp_path: Path
) -> None:
    """0009 keeps each distinct explanation once, every decision pointing at its own; going
    back puts each decision's explanation into it again."""
    url, pg_name = new_database_url(backend, tmp_path)
    engine = make_engine(url)
    same = {"reason": "盗窃按规则由派出所主办", "trace": [{"kind": "rule", "why": "第 66 行"}]}
    other = {"reason": "纠纷由矛调中心协办", "trace": []}
    try:
        upgrade(url, "0008")
        incident = table("incident", *(column(c) for c in ("id", "number", "channel")))
        for name in ("reported_at", "created_at", "updated_at"):
            incident.append_column(column(name, UtcDateTime()))
        incident.append_column(column("description"))
        incident.append_column(column("state"))
        incident.append_column(column("return_count"))
        decision = table(
            "routing_decision",
            column("incident_id"),
            column("at", UtcDateTime()),
            column("rules_version"),
            column("assist_unit_ids", JSON),
            column("unroutable"),
            column("reason"),
            column("trace", JSON),
        )
        now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        with engine.begin() as connection:
            for n, trace in enumerate([same, other, same], start=1):
                connection.execute(
                    insert(incident).values(
                        id=n,
                        number=f"M-{n}",
                        channel="110",
                        reported_at=now,
                        created_at=now,
                        updated_at=now,
                        description="测试",
                        state="received",
                        return_count=0,
                    )
                )
                connection.execute(
                    insert(decision).values(
                        incident_id=n,
                        at=now,
                        rules_version="v",
                        assist_unit_ids=[],
                        unroutable=False,
                        reason=trace["reason"],
                        trace=trace,
                    )
                )

        upgrade(url)
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(RoutingExplanation)) == 2
            decisions = session.scalars(
                select(RoutingDecision).order_by(RoutingDecision.incident_id)
            ).all()
            assert [d.trace for d in decisions] == [same, other, same]
            assert decisions[0].explanation_id == decisions[2].explanation_id

        command.downgrade(alembic_config(url), "0008")
        with engine.connect() as connection:
            back = connection.execute(
                select(decision.c.trace).order_by(decision.c.incident_id)
            ).scalars()
            assert list(back) == [same, other, same]
    finally:
        engine.dispose()
        if pg_name:
            _drop_pg_database(pg_name)


def test_the_migration_finds_explanations_as_the_application_does() -> None:
    """0009 hashes the explanations it moves with its own copy of the code (a migration stands
    alone); it must give the digest the application gives, or later decisions would store an
    explanation already there a second time."""
    path = MIGRATIONS / "versions" / "0009_routing_explanations.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for trace in ({"b": 1, "a": ["二", None]}, {"reason": "由派出所主办", "trace": [], "code": 1}):
        assert migration._digest(trace) == canonical(trace)[0]
