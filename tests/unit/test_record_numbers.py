"""Repeated record numbers in a file are found against the row that had them first, whether
the numbers seen so far are in memory or, past the limit, on disk."""

from __future__ import annotations

import tracemalloc
from contextlib import closing
from pathlib import Path

import pytest

from pingan.intake.record_numbers import RecordNumbers


def _answers(seen: RecordNumbers) -> list[int | None]:
    keys = ["110\x1fA", "110\x1fB", "12345\x1fA", "110\x1fC", "110\x1fA", "110\x1fD", "110\x1fC"]
    return [seen.first_row(key, row) for row, key in enumerate(keys, start=2)]


def test_repeats_are_found_alike_in_memory_and_on_disk() -> None:
    with closing(RecordNumbers()) as in_memory, closing(RecordNumbers(2)) as spilled:
        # A on 12345 is another record than A on 110; A on 110 again is row 2's, C again row 5's.
        expected = [None, None, None, None, 2, None, 5]
        assert _answers(in_memory) == expected
        assert _answers(spilled) == expected
        assert not in_memory.on_disk() and spilled.on_disk()


def test_the_file_on_disk_is_gone_once_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    seen = RecordNumbers(keep_in_memory=1)
    _answers(seen)
    assert any(tmp_path.iterdir())
    seen.close()
    assert not any(tmp_path.iterdir())


def _peak_bytes(seen: RecordNumbers, count: int) -> int:
    """Peak memory Python allocated while ``count`` numbers of an export were seen."""
    tracemalloc.start()
    try:
        for row in range(count):
            seen.first_row(f"110\x1fJJ3306242026{row:08d}", row + 2)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        seen.close()


def test_past_the_limit_memory_stops_growing_with_the_file() -> None:
    count = 100_000
    in_memory = _peak_bytes(RecordNumbers(), count)
    spilled = _peak_bytes(RecordNumbers(keep_in_memory=10_000), count)
    assert in_memory > 100 * count  # over a hundred bytes a number, kept in memory
    assert spilled < in_memory / 4
