"""接警单 numbers stay unique and gapless when many writers record at once."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from pingan.db.session import session_scope
from pingan.incident.actions import create_incident
from pingan.incident.models import Incident
from pingan.incident.schemas import IncidentCreate
from pingan.user.scope import SYSTEM


def test_concurrent_writers_get_distinct_consecutive_numbers(database: Engine) -> None:
    factory = sessionmaker(bind=database, expire_on_commit=False)
    county = "330681"  # 诸暨市: a county no other test records in
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer() -> None:
        try:
            for _ in range(10):
                with session_scope(factory) as session:
                    incident, _ = create_incident(
                        session,
                        actor=SYSTEM,
                        data=IncidentCreate(
                            channel="110", description="并发登记", place_code=county
                        ),
                    )
                    number = incident.number
                with lock:
                    numbers.append(number)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert len(numbers) == len(set(numbers)) == 40
        sequences = sorted(int(n[-5:]) for n in numbers)
        assert sequences == list(range(sequences[0], sequences[0] + 40))
    finally:
        # This test commits for real; it removes its own rows (history triggers forbid deleting
        # events, so the rows are removed together with the trigger in one transaction).
        _cleanup(database, county)


def _cleanup(engine: Engine, county: str) -> None:
    with engine.begin() as conn:
        ids = list(
            conn.execute(select(Incident.id).where(Incident.county_code == county)).scalars()
        )
        if not ids:
            return
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER incident_event_no_delete")
        else:
            conn.exec_driver_sql(
                "ALTER TABLE incident_event DISABLE TRIGGER incident_event_append_only"
            )
        id_list = ",".join(str(i) for i in ids)
        conn.exec_driver_sql(f"DELETE FROM incident_event WHERE incident_id IN ({id_list})")
        for table in ("routing_decision", "incident_assignment"):
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE incident_id IN ({id_list})")
        for table in ("rollup_daily", "rollup_town_daily", "rollup_county_daily"):
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE county_code = '{county}'")
        conn.exec_driver_sql(f"DELETE FROM incident WHERE id IN ({id_list})")
        conn.exec_driver_sql(f"DELETE FROM incident_sequence WHERE county_code = '{county}'")
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER incident_event_no_delete BEFORE DELETE ON incident_event "
                "BEGIN SELECT RAISE(ABORT, 'incident_event is append-only'); END"
            )
        else:
            conn.exec_driver_sql(
                "ALTER TABLE incident_event ENABLE TRIGGER incident_event_append_only"
            )
