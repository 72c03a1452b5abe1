"""接警单 numbers: county code + date (Beijing time) + a five-digit daily sequence."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pingan.incident.models import IncidentSequence
from pingan.incident.schemas import SHANGHAI


@cache
def _upsert(dialect: str) -> Any:
    """The reserving statement for a dialect, built once."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(IncidentSequence).values(
        county_code=bindparam("area"), day=bindparam("day"), last=bindparam("count")
    )
    return statement.on_conflict_do_update(
        index_elements=["county_code", "day"],
        set_={"last": IncidentSequence.last + statement.excluded.last},
    ).returning(IncidentSequence.last)


def reserve_numbers(session: Session, area: str, count: int, now: dt.datetime) -> list[str]:
    """``count`` consecutive 接警单 numbers for one county and day, in one atomic upsert."""
    day = now.astimezone(SHANGHAI).strftime("%Y%m%d")
    connection = session.connection()
    last = connection.execute(
        _upsert(connection.dialect.name),
        {"area": area, "day": day, "count": count},
    ).scalar_one()
    return [f"{area}{day}{n:05d}" for n in range(last - count + 1, last + 1)]
