"""Finding the processes a test started, however they were reparented (Linux: from /proc)."""

from __future__ import annotations

from pathlib import Path

READS_PROC = Path("/proc/self/environ").exists()


def processes_using(data_dir: Path) -> list[int]:
    """The processes started with ``PINGAN_DATA_DIR=data_dir``."""
    marker = f"PINGAN_DATA_DIR={data_dir}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours to read
                continue
    return found
