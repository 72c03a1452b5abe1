"""Rejected rows of an import: read back in file order, whether kept in memory or on disk."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

import pytest

from pingan.intake.bulk import write_rejected
from pingan.intake.rejected import RejectedRows
from pingan.tabular import read_rows


@pytest.mark.parametrize("keep_in_memory", [10_000, 5])
def test_rows_come_back_by_row_number_with_their_values(
    tmp_path: Path, keep_in_memory: int
) -> None:
    rows = RejectedRows(keep_in_memory=keep_in_memory)
    numbers = list(range(2, 2_502))
    random.Random(1).shuffle(numbers)  # a triage worker's batches report out of order
    for number in numbers:
        rows.add(number, f"第{number}行的原因", {"external_id": f"X-{number}", "lon": 500.5})
    rows.add(1, "Excel 的时间", {"reported_at": dt.datetime(2024, 5, 1, 8, 30)})
    assert len(rows) == 2_501
    assert [r["row"] for r in rows] == list(range(1, 2_502))
    assert rows.first(3) == [
        {"row": 1, "reason": "Excel 的时间"},
        {"row": 2, "reason": "第2行的原因"},
        {"row": 3, "reason": "第3行的原因"},
    ]
    out = tmp_path / "rejected.csv"
    write_rejected(out, rows)
    written = [row for _, row in read_rows(out)]
    assert written[0]["reported_at"] == "2024-05-01 08:30:00"  # as the CSV shows a time
    assert written[1] == {
        "原行号": "2",
        "未导入原因": "第2行的原因",
        "reported_at": "",
        "external_id": "X-2",
        "lon": "500.5",
    }
    assert len(written) == 2_501
    rows.close()


def test_many_rows_go_to_a_temporary_file_that_goes_when_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rows = RejectedRows(keep_in_memory=1)
    rows.add(3, "原因", {})
    assert not list(tmp_path.iterdir())  # one row: in memory
    rows.add(2, "原因", {})
    assert [p.name for p in tmp_path.glob("pingan-rejected-*/*")] == ["rejected.db"]
    assert [r["row"] for r in rows] == [2, 3]
    rows.close()
    assert not list(tmp_path.iterdir())
    assert not RejectedRows()
