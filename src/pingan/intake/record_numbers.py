"""The record numbers an import has seen in its file, each with the row it was first on.

A repeated record number within a file is reported against the row that had it first, and the
repeat is not imported (two different incidents under one number would otherwise become one).
Finding repeats means remembering every number read: over a hundred bytes each in memory, and
a province's year in one file is a dozen million. So up to a million are kept in memory, and
past that they move to a temporary SQLite file (``scratch``), looked up by its index.
"""

from __future__ import annotations

from pingan.intake.scratch import ScratchDatabase

KEEP_IN_MEMORY = 1_000_000  # record numbers; past this they go to disk
_SCHEMA = "CREATE TABLE seen (key TEXT PRIMARY KEY, first_row INTEGER NOT NULL) WITHOUT ROWID"


class RecordNumbers:
    """``first_row(key, row)``: the row ``key`` was first seen on, or None the first time."""

    def __init__(self, keep_in_memory: int | None = None) -> None:
        self.keep_in_memory = KEEP_IN_MEMORY if keep_in_memory is None else keep_in_memory
        self._memory: dict[str, int] = {}
        self._disk: ScratchDatabase | None = None

    def first_row(self, key: str, row: int) -> int | None:
        """The row on which ``key`` was seen before, or None when it was not (and ``row`` is
        remembered as its first)."""
        if self._disk is None:
            first = self._memory.setdefault(key, row)
            if first != row:
                return first
            if len(self._memory) > self.keep_in_memory:
                self._spill()
            return None
        connection = self._disk.connection
        if connection.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, row)).rowcount:
            return None
        found = connection.execute("SELECT first_row FROM seen WHERE key = ?", (key,)).fetchone()
        return int(found[0])

    def on_disk(self) -> bool:
        return self._disk is not None

    def close(self) -> None:
        """Forget them all (the temporary file, if any, is deleted)."""
        self._memory = {}
        if self._disk is not None:
            self._disk.close()
            self._disk = None

    def _spill(self) -> None:
        self._disk = ScratchDatabase("record-numbers", _SCHEMA)
        # One transaction for the file's whole life: nothing in it is kept after the import.
        self._disk.connection.executemany("INSERT INTO seen VALUES (?, ?)", self._memory.items())
        self._memory = {}
