"""A child process that stops when the process that started it has ended.

A parent stopped in order stops its children itself. One that is killed outright (SIGKILL, the
OOM killer) or that dies before it gets to them cannot: its children would go on alone — a
server's workers answering on its port beside the next server started, the demo's background
builder writing on. Each such child watches its parent's sentinel in a thread and sends itself
SIGTERM once the parent is gone, so that it stops the way it stops in order.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import wait


def follow_parent(name: str) -> None:
    """SIGTERM this process once its multiprocessing parent has ended (nothing to do in a
    process that multiprocessing did not start). ``name`` names the watching thread."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name=name).start()
