"""A temporary SQLite file for what an import must remember but need not keep in memory.

Nothing in it outlives the import, so it is written with no journal and no syncing: if the
process dies, the file is simply gone with its folder.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path


class ScratchDatabase:
    """One connection to a file in a folder of its own, both deleted by :meth:`close`."""

    def __init__(self, name: str, schema: str) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix=f"pingan-{name}-")
        self.connection = sqlite3.connect(Path(self._folder.name) / f"{name}.db")
        self.connection.execute("PRAGMA journal_mode=OFF")
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute(schema)

    def close(self) -> None:
        self.connection.close()
        self._folder.cleanup()
