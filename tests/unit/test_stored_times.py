"""Times on SQLite: written as SQLAlchemy's DATETIME writes them, read back as aware UTC times."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.dialects import sqlite

from pingan.db.base import as_utc, sqlite_text, sqlite_time

BEIJING = dt.timezone(dt.timedelta(hours=8))
TIMES = [
    dt.datetime(2026, 5, 1, 8, 30, 15, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 1, 1, 0, 0, 0, tzinfo=dt.UTC),  # no microseconds
    dt.datetime(2026, 3, 1, 7, 5, 9, 42, tzinfo=BEIJING),  # another zone, the day before in UTC
    dt.datetime(2027, 1, 1, 7, 59, 59, 999999, tzinfo=BEIJING),  # the year before in UTC
]


@pytest.mark.parametrize("when", TIMES)
def test_a_time_is_written_as_sqlalchemy_writes_it(when: dt.datetime) -> None:
    dialect = sqlite.dialect()
    sqlalchemys = sqlite.DATETIME().bind_processor(dialect)
    assert sqlalchemys is not None
    assert sqlite_text(when) == sqlalchemys(as_utc(when))


@pytest.mark.parametrize("when", TIMES)
def test_a_time_written_is_read_back_the_same_and_in_utc(when: dt.datetime) -> None:
    back = sqlite_time(sqlite_text(when))
    assert back == when and back is not None and back.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("stored", "meant"),
    [
        ("2026-12-07 16:25:57", dt.datetime(2026, 12, 7, 16, 25, 57, tzinfo=dt.UTC)),  # SQLite's
        ("2026-12-07T16:25:57.5+08:00", dt.datetime(2026, 12, 7, 8, 25, 57, 500000, tzinfo=dt.UTC)),
        ("2026-12-07", dt.datetime(2026, 12, 7, tzinfo=dt.UTC)),
        # As long as SQLAlchemy's text, with a zone.
        ("2026-12-07 16:25:57.123-02", dt.datetime(2026, 12, 7, 18, 25, 57, 123000, tzinfo=dt.UTC)),
    ],
)
def test_a_time_written_by_other_means_is_read_as_what_it_says(
    stored: str, meant: dt.datetime
) -> None:
    assert sqlite_time(stored) == meant


def test_nothing_stays_nothing_and_a_time_without_a_zone_is_refused() -> None:
    assert sqlite_text(None) is None and sqlite_time(None) is None
    with pytest.raises(ValueError, match="naive"):
        sqlite_text(dt.datetime(2026, 1, 1, 8, 0))
