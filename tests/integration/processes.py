"""Finding the processes a test started, however they were reparented (Linux: from /proc)."""

from __future__ import annotations

import os
import signal
import time
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


def workers_of(pid: int) -> list[int]:
    """The worker processes ``pid`` started (multiprocessing's resource tracker left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):  # gone meanwhile
                continue
            if parent == pid and b"resource_tracker" not in command:
                found.append(int(entry.name))
    return found


def wait_until_gone(data_dir: Path, seconds: float) -> list[int]:
    """Wait up to ``seconds`` for the processes using ``data_dir`` to end: those still there."""
    deadline = time.monotonic() + seconds
    while (left := processes_using(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def kill_all(data_dir: Path) -> None:
    """SIGKILL whatever still uses ``data_dir`` (a test's clean-up when it failed)."""
    for pid in processes_using(data_dir):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # gone meanwhile
            continue
