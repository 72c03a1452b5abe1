"""接警单 numbers: county code + date (Beijing time) + a five-digit daily sequence."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pingan.incident.models import IncidentSequence
from pingan.incident.schemas import SHANGHAI


def next_number(session: Session, *, area_code: str, when: dt.datetime) -> str:
    """Hand out the next number atomically (one upsert; safe under concurrent writers)."""
    day = when.astimezone(SHANGHAI).strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(IncidentSequence)
        .values(county_code=area_code, day=day, last=1)
        .on_conflict_do_update(
            index_elements=["county_code", "day"], set_={"last": IncidentSequence.last + 1}
        )
        .returning(IncidentSequence.last)
    )
    last = session.execute(statement).scalar_one()
    return f"{area_code}{day}{last:05d}"


def numbers_issued(session: Session, *, area_code: str, day: str) -> int:
    return (
        session.scalar(
            select(IncidentSequence.last).where(
                IncidentSequence.county_code == area_code, IncidentSequence.day == day
            )
        )
        or 0
    )
