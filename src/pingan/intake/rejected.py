"""The rows an import did not take, kept for its report in the order of the file.

They are kept in memory while they are few and moved to a temporary SQLite file once they are
many: a fault that runs through a whole export (every date in a form no one expected, say)
rejects every row of it, and a province's year is millions of rows, each kept with its values so
that the rejected-rows file can be corrected and imported again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pingan.intake.scratch import ScratchDatabase

KEEP_IN_MEMORY = 10_000  # rows; past this they go to disk
_PAGE = 1_000  # rows written to disk, or read back, at a time


def _text(values: dict[str, Any]) -> str:
    # A value JSON has no form for (an Excel cell's datetime) is kept as the text the
    # rejected-rows file would show for it.
    return json.dumps(values, ensure_ascii=False, default=str)


class RejectedRows:
    """Rejected rows: ``add`` them in any order, read them back by row number."""

    def __init__(self, keep_in_memory: int = KEEP_IN_MEMORY) -> None:
        self.keep_in_memory = keep_in_memory
        self._memory: list[tuple[int, str, dict[str, Any]]] = []
        self._pending: list[tuple[int, str, str]] = []  # on their way to disk
        self._disk: ScratchDatabase | None = None
        self._count = 0

    def add(self, number: int, reason: str, values: dict[str, Any]) -> None:
        self._count += 1
        if self._disk is None:
            self._memory.append((number, reason, values))
            if len(self._memory) > self.keep_in_memory:
                self._spill()
            return
        self._pending.append((number, reason, _text(values)))
        if len(self._pending) >= _PAGE:
            self._flush()

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Every rejected row as ``{"row", "reason", "values"}``, by row number."""
        if self._disk is None:
            for number, reason, values in sorted(self._memory, key=lambda r: r[0]):
                yield {"row": number, "reason": reason, "values": values}
            return
        self._flush()
        cursor = self._disk.connection.execute(
            "SELECT row, reason, row_values FROM rejected ORDER BY row"
        )
        while page := cursor.fetchmany(_PAGE):
            for number, reason, text in page:
                yield {"row": number, "reason": reason, "values": json.loads(text)}

    def first(self, limit: int) -> list[dict[str, Any]]:
        """The first ``limit`` rejected rows by row number, number and reason only."""
        if self._disk is None:
            ordered = sorted(self._memory, key=lambda r: r[0])[:limit]
            return [{"row": number, "reason": reason} for number, reason, _ in ordered]
        self._flush()
        found = self._disk.connection.execute(
            "SELECT row, reason FROM rejected ORDER BY row LIMIT ?", (limit,)
        ).fetchall()
        return [{"row": number, "reason": reason} for number, reason in found]

    def close(self) -> None:
        """Delete the temporary file, if there is one (it also goes when this is collected)."""
        if self._disk is not None:
            self._disk.close()
            self._disk = None

    def _spill(self) -> None:
        self._disk = ScratchDatabase(
            "rejected", "CREATE TABLE rejected (row INTEGER, reason TEXT, row_values TEXT)"
        )
        self._pending = [(n, reason, _text(values)) for n, reason, values in self._memory]
        self._memory = []
        self._flush()

    def _flush(self) -> None:
        if self._disk is None or not self._pending:
            return
        with self._disk.connection as connection:
            connection.executemany("INSERT INTO rejected VALUES (?, ?, ?)", self._pending)
        self._pending = []
