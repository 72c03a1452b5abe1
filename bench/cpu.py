"""Where a load test's CPU went: Pingan's server processes, the database server's, the load
generator's, and how busy the whole machine was (psutil, which reads /proc on Linux).

A run that keeps the machine busy nearly all the time is limited by its cores, whatever else
it waits for; one that leaves them idle waits on something else (the disk, a lock, the clients).
"""

from __future__ import annotations

from dataclasses import dataclass

import psutil

# The name every PostgreSQL server process has (the postmaster and each backend).
POSTGRES = "postgres"


def _tree_seconds(root: psutil.Process) -> float:
    """CPU time (user + system) of ``root`` and its living descendants, and of the descendants
    it has waited for (a backend that ended during the run, counted in its parent's children's
    times)."""
    total = 0.0
    for process in (root, *root.children(recursive=True)):
        try:
            times = process.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def _postmasters() -> list[psutil.Process]:
    """The PostgreSQL servers running here: postgres processes whose parent is not one."""
    found = []
    for process in psutil.process_iter(["name", "ppid"]):
        if process.info["name"] != POSTGRES:
            continue
        try:
            parent = psutil.Process(process.info["ppid"])
            if parent.name() != POSTGRES:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            found.append(process)
    return found


@dataclass(frozen=True)
class Reading:
    """CPU seconds so far: Pingan's server tree, the database servers', this process's, and the
    machine's busy and total time over all its cores."""

    server: float
    database: float
    client: float
    busy: float
    total: float


def read(server_pid: int, *, database: bool) -> Reading:
    """The CPU seconds spent so far; ``database`` counts the local PostgreSQL servers too."""
    machine = psutil.cpu_times()
    idle = machine.idle + getattr(machine, "iowait", 0.0)
    total = sum(machine)
    # guest time is counted in user time already (Linux)
    total -= getattr(machine, "guest", 0.0) + getattr(machine, "guest_nice", 0.0)
    own = psutil.Process().cpu_times()
    return Reading(
        server=_tree_seconds(psutil.Process(server_pid)),
        database=sum(_tree_seconds(p) for p in _postmasters()) if database else 0.0,
        client=own.user + own.system,
        busy=total - idle,
        total=total,
    )


def per_request(before: Reading, after: Reading, requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request for each party, and the machine's busy share."""
    count = max(1, requests)
    spent = after.total - before.total
    return {
        "server_cpu_ms_per_request": round((after.server - before.server) * 1000 / count, 2),
        "database_cpu_ms_per_request": round((after.database - before.database) * 1000 / count, 2),
        "client_cpu_ms_per_request": round((after.client - before.client) * 1000 / count, 2),
        "machine_busy_share": round((after.busy - before.busy) / spent, 3) if spent > 0 else 0.0,
    }
