"""``insert_many`` stores exactly what SQLAlchemy's ``insert`` stores (types, JSON, defaults)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from pingan.analytics.models import RollupCountyDaily
from pingan.db.bulk import JsonObject, add_many, insert_many, insert_new
from pingan.incident.models import Incident, RoutingDecision, RoutingExplanation

NOW = dt.datetime(2026, 5, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)


def _incident(number: str) -> dict[str, Any]:
    return {
        "number": number,
        "channel": "110",
        "reported_at": NOW,
        "description": "有人打架",
        "police": True,
        "urgency": 2,
        "lon": 120.9,
        "lat": None,
    }


@pytest.mark.parametrize(
    "when",
    [
        NOW,
        dt.datetime(2026, 1, 1, 0, 0, 0, tzinfo=dt.UTC),  # no microseconds
        dt.datetime(2026, 3, 1, 7, 5, 9, 42, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    ],
)
def test_times_are_stored_as_the_orm_stores_them(session: Session, when: dt.datetime) -> None:
    table = cast(Table, Incident.__table__)
    connection = session.connection()
    connection.execute(insert(table), [_incident("TIME-A") | {"reported_at": when}])
    insert_many(connection, table, [_incident("TIME-B") | {"reported_at": when}])
    raw = connection.execute(
        text("SELECT reported_at FROM incident WHERE number LIKE 'TIME-%' ORDER BY number")
    ).scalars()
    first, second = raw
    assert first == second
    back = session.scalars(select(Incident.reported_at).where(Incident.number == "TIME-B"))
    assert back.one() == when


def test_a_time_without_a_zone_is_refused(session: Session) -> None:
    naive = _incident("NAIVE") | {"reported_at": dt.datetime(2026, 1, 1, 8, 0)}
    with pytest.raises((ValueError, StatementError), match="naive"):
        insert_many(session.connection(), cast(Table, Incident.__table__), [naive])


def test_the_same_rows_are_stored_the_same_way(session: Session, backend: str) -> None:
    table = cast(Table, Incident.__table__)
    connection = session.connection()
    connection.execute(insert(table), [_incident("BULK-A")])
    insert_many(connection, table, [_incident("BULK-B")])
    columns = "reported_at, created_at IS NOT NULL, state, return_count, police, lon, lat"
    raw = connection.execute(
        text(f"SELECT number, {columns} FROM incident WHERE number LIKE 'BULK-%' ORDER BY number")
    ).all()
    first, second = (tuple(r)[1:] for r in raw)
    assert first == second
    read = session.scalars(select(Incident).where(Incident.number.like("BULK-%"))).all()
    assert {i.reported_at for i in read} == {NOW} and {i.state for i in read} == {"received"}

    # JSON (and the defaults of the columns left out) alike, by insert and by insert_many.
    explanations = cast(Table, RoutingExplanation.__table__)
    row = {"digest": "a" * 64, "trace": {"a": [1, "二"]}}
    _stored_alike(connection, explanations, row, {"digest": "b" * 64}, "trace")
    explained = connection.execute(select(explanations.c.id)).scalars().first()
    ids = [i.id for i in read]
    row = {"incident_id": ids[0], "rules_version": "v", "reason": "说明"}
    decisions = cast(Table, RoutingDecision.__table__)
    _stored_alike(
        connection,
        decisions,
        row | {"explanation_id": explained},
        {"incident_id": ids[1]},
        "assist_unit_ids, unroutable, explanation_id",
    )


def _stored_alike(
    connection: Any, table: Table, row: dict[str, Any], change: dict[str, Any], columns: str
) -> None:
    """``row`` written by SQLAlchemy's insert and, changed by ``change``, by insert_many: the
    columns named are stored the same."""
    connection.execute(insert(table), [row])
    insert_many(connection, table, [row | change])
    ((key, value),) = change.items()
    stored = connection.execute(
        text(f"SELECT {columns} FROM {table.name} WHERE {key} IN (:first, :second)"),
        {"first": row[key], "second": value},
    ).all()
    assert len(stored) == 2 and stored[0] == stored[1]


def test_values_shared_by_rows_or_encoded_already_are_stored_as_plain_ones(
    session: Session,
) -> None:
    table = cast(Table, Incident.__table__)
    connection = session.connection()
    later = NOW + dt.timedelta(hours=1)
    # the same time object in two rows (converted once), a different one in the third
    rows = [
        _incident(f"SHARED-{n}") | {"reported_at": when} for n, when in enumerate([NOW, NOW, later])
    ]
    insert_many(connection, table, rows)
    read = session.execute(
        select(Incident.number, Incident.id, Incident.reported_at)
        .where(Incident.number.like("SHARED-%"))
        .order_by(Incident.number)
    ).all()
    assert [r.reported_at for r in read] == [NOW, NOW, later]

    explanations = cast(Table, RoutingExplanation.__table__)
    trace = {"b": [1, "二"], "a": None}
    encoded = JsonObject(trace, '{"a":null,"b":[1,"二"]}')
    insert_many(
        connection,
        explanations,
        [
            {"digest": "1" * 64, "trace": encoded},
            {"digest": "2" * 64, "trace": trace},
            {"digest": "3" * 64, "trace": encoded},
        ],
    )
    stored = session.scalars(
        select(RoutingExplanation.trace)
        .where(RoutingExplanation.digest.in_(["1" * 64, "2" * 64, "3" * 64]))
        .order_by(RoutingExplanation.digest)
    ).all()
    assert stored == [trace, trace, trace]


def test_a_refused_row_is_reported_as_sqlalchemy_reports_a_statement(session: Session) -> None:
    # A number already stored: the whole insert is refused with the error callers catch (the
    # import's row-by-row retry, the API's answer), on PostgreSQL's COPY as on SQLite.
    table = cast(Table, Incident.__table__)
    connection = session.connection()
    insert_many(connection, table, [_incident("TWICE-A")])
    with pytest.raises(IntegrityError), session.begin_nested():
        # (session.connection() here: it is what begins the savepoint)
        insert_many(session.connection(), table, [_incident("TWICE-B"), _incident("TWICE-A")])
    # The transaction goes on after the savepoint's rollback (the import retries row by row).
    numbers = session.scalars(select(Incident.number).where(Incident.number.like("TWICE-%")))
    assert numbers.all() == ["TWICE-A"]


def test_counters_are_added_to_including_a_key_given_twice(session: Session) -> None:
    table = cast(Table, RollupCountyDaily.__table__)
    key = ("day", "city_code", "county_code", "category_group")
    day = dt.date(2031, 1, 2)

    def row(county: str, received: int, closed: int) -> dict[str, Any]:
        return {
            "day": day,
            "city_code": "330600",
            "county_code": county,
            "category_group": "01",
            "received": received,
            "closed": closed,
        }

    connection = session.connection()
    add_many(connection, table, key, [row("330602", 2, 1)])
    add_many(
        connection, table, key, [row("330602", 3, 0), row("330603", 1, 1), row("330603", 4, 0)]
    )
    stored = session.execute(
        select(RollupCountyDaily.county_code, RollupCountyDaily.received, RollupCountyDaily.closed)
        .where(RollupCountyDaily.day == day)
        .order_by(RollupCountyDaily.county_code)
    ).all()
    assert [tuple(r) for r in stored] == [("330602", 5, 1), ("330603", 5, 1)]


def test_rows_kept_once_leave_the_stored_one_as_it_is(session: Session) -> None:
    table = cast(Table, RoutingExplanation.__table__)
    connection = session.connection()
    first = {"rule": "先到", "steps": ['含"引号"与\\斜杠']}
    insert_new(connection, table, ("digest",), [{"digest": "e" * 64, "trace": first}])
    insert_new(
        connection,
        table,
        ("digest",),
        [
            {"digest": "e" * 64, "trace": {"rule": "后到"}},
            {"digest": "f" * 64, "trace": JsonObject({"rule": "新"}, '{"rule":"新"}')},
        ],
    )
    stored = session.execute(
        select(RoutingExplanation.digest, RoutingExplanation.trace)
        .where(RoutingExplanation.digest.in_(["e" * 64, "f" * 64]))
        .order_by(RoutingExplanation.digest)
    ).all()
    assert [tuple(r) for r in stored] == [("e" * 64, first), ("f" * 64, {"rule": "新"})]
