"""Rollup tables: daily counts kept current as incidents change (see ``analytics/rollups.py``).

Three grains of the same measures, so every panel reads few rows whatever the jurisdiction:

* ``rollup_daily``: day × city × county × town × village × category group × channel × police;
* ``rollup_town_daily``: day × city × county × town;
* ``rollup_county_daily``: day × city × county × category group.

``day`` is the Beijing-time day the incident was reported. A missing code is stored as ``""``
(never NULL) so the keys can be upserted with ``ON CONFLICT``. Each incident counts once, under
its current facts: when a triage changes its category or police flag, its counts move.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Insert, Integer, SmallInteger, String, event
from sqlalchemy.engine import Connection, Result
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, mapped_column

from pingan.db.base import Base
from pingan.incident.models import Incident, IncidentEvent

# The counted facts, in the order they appear in every rollup table.
MEASURES = (
    "received",  # incidents reported that day
    "diverted",  # classified non-police at their latest triage (非警务分流)
    "closed",  # closed now (办结 or 回访), not reopened
    "called_back",  # called back (回访)
    "solved",  # called back and solved in the citizen's words
    "satisfaction_sum",  # 1–5 at the call-back
    "satisfaction_count",
    "arrival_seconds_sum",  # from reported to the first arrival on scene (到场)
    "arrival_count",
    "returned",  # returns (退单), counted each time
)


class RollupMeasures:
    """The measures shared by every grain."""

    received: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    diverted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    called_back: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    solved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    satisfaction_sum: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    satisfaction_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    arrival_seconds_sum: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    arrival_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    returned: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RollupDaily(RollupMeasures, Base):
    """The finest grain: one row per day, village, category group, channel and police flag."""

    __tablename__ = "rollup_daily"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    city_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    town_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    # First two digits of the final 110 code (10 刑事, 20 治安, … 60 社会联动); "" when unknown.
    category_group: Mapped[str] = mapped_column(String(2), primary_key=True)
    channel: Mapped[str] = mapped_column(String(12), primary_key=True)
    # 1 police business, 0 non-police, -1 not yet decided.
    police: Mapped[int] = mapped_column(SmallInteger, primary_key=True)

    __table_args__ = (
        # (…, village_code) makes "which villages had incidents" an index-only read.
        Index("ix_rollup_daily_city_day", "city_code", "day", "village_code"),
        Index("ix_rollup_daily_county_day", "county_code", "day"),
        Index("ix_rollup_daily_town_day", "town_code", "day"),
        Index("ix_rollup_daily_village_day", "village_code", "day"),
    )


class RollupTownDaily(RollupMeasures, Base):
    """Per town per day."""

    __tablename__ = "rollup_town_daily"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    city_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    town_code: Mapped[str] = mapped_column(String(24), primary_key=True)

    __table_args__ = (
        Index("ix_rollup_town_daily_city_day", "city_code", "day"),
        Index("ix_rollup_town_daily_county_day", "county_code", "day"),
        Index("ix_rollup_town_daily_town_day", "town_code", "day"),
    )


class RollupCountyDaily(RollupMeasures, Base):
    """Per county, category group and day: what the province, city and county panels read."""

    __tablename__ = "rollup_county_daily"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    city_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    category_group: Mapped[str] = mapped_column(String(2), primary_key=True)

    __table_args__ = (Index("ix_rollup_county_daily_county_day", "county_code", "day"),)


# Open and overdue incidents are counted from the incident table (they depend on the clock, not
# on the day): this index makes that count an index-only read however many incidents are closed.
Index(
    "ix_incident_open_due",
    Incident.state,
    Incident.city_code,
    Incident.county_code,
    Incident.town_code,
    Incident.village_code,
    Incident.paused_at,
    Incident.sign_for_due,
    Incident.arrive_due,
    Incident.finish_due,
)


@event.listens_for(IncidentEvent, "after_insert")
def _count_appended_event(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    """Every event appended through the ORM (``session.add``) updates the rollups in the same
    transaction."""
    from pingan.analytics.rollups import apply_events

    apply_events(connection, [target])


@event.listens_for(Session, "do_orm_execute")
def _count_inserted_events(state: ORMExecuteState) -> Result[Any] | None:
    """Events inserted in bulk through a session (``session.execute(insert(IncidentEvent…),
    rows)``) are counted too, right after the insert, in the same transaction."""
    statement = state.statement
    if not (
        isinstance(statement, Insert)
        and statement.table.name == IncidentEvent.__tablename__
        and state.parameters
    ):
        return None
    from pingan.analytics.rollups import apply_events

    result = state.invoke_statement()
    parameters = state.parameters
    rows = parameters if isinstance(parameters, list | tuple) else [parameters]
    apply_events(state.session.connection(), rows)
    return result
