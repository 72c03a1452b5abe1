"""接警单 numbers: county code + date (Beijing time) + a five-digit daily sequence."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pingan.incident.models import IncidentSequence
from pingan.incident.schemas import SHANGHAI


def reserve_numbers(session: Session, area: str, count: int, now: dt.datetime) -> list[str]:
    """``count`` consecutive 接警单 numbers for one county and day, in one atomic upsert."""
    day = now.astimezone(SHANGHAI).strftime("%Y%m%d")
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        upsert(IncidentSequence)
        .values(county_code=area, day=day, last=count)
        .on_conflict_do_update(
            index_elements=["county_code", "day"], set_={"last": IncidentSequence.last + count}
        )
        .returning(IncidentSequence.last)
    )
    last = session.execute(statement).scalar_one()
    return [f"{area}{day}{n:05d}" for n in range(last - count + 1, last + 1)]
