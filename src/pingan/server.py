"""Running the web server: one process, or several that share the port fairly.

With several workers uvicorn hands all of them one listening socket, and whichever process wakes
first accepts every connection waiting — a burst of clients opening keep-alive connections lands
on one worker while the others idle. Here each worker binds its own socket with ``SO_REUSEPORT``
instead, so the kernel spreads new connections across the workers. The parent only watches:
it restarts a worker that dies and stops them all on Ctrl-C or SIGTERM; a worker whose parent
was killed outright stops by itself (``lifeline``). Only the first worker
runs the time-limit engine (``PINGAN_RUN_TIME_LIMITS`` is off in the others): one engine is
enough for the database, and each would otherwise re-read every changed incident each second.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

from pingan.lifeline import follow_parent

APP = "pingan.app:create_app"
BACKLOG = 2048
# The cycle collector's young generation is collected every 20,000 allocations instead of 700
# (older ones every 50 and 100 of those): a request makes thousands of short-lived objects, and
# with the defaults they were walked, and some promoted to be walked again by full collections,
# before they died. By hand with bench api_load: p99 lower in five runs out of five.
COLLECTOR_THRESHOLDS = (20_000, 50, 100)
RESTART_LIMIT = 5  # workers dying within a minute of starting before the server gives up


def serve(host: str, port: int, workers: int = 1) -> None:
    """Serve the application until interrupted."""
    import uvicorn

    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        gc.set_threshold(*COLLECTOR_THRESHOLDS)
        uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, log_level="warning")
        return
    _listening_socket(host, port).close()  # fail here, once, if the port is taken
    _supervise(host, port, workers)


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, index: int) -> None:
    import uvicorn

    if index > 0:
        os.environ["PINGAN_RUN_TIME_LIMITS"] = "false"
    gc.set_threshold(*COLLECTOR_THRESHOLDS)

    # Stopped in order by the parent; and by itself when the parent was killed outright, rather
    # than go on answering on the port beside the next server started.
    follow_parent("pingan-worker-parent")
    sock = _listening_socket(host, port)
    config = uvicorn.Config(APP, factory=True, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


def _supervise(host: str, port: int, workers: int) -> None:
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start(index: int) -> tuple[BaseProcess, float]:
        process = context.Process(
            target=_worker, args=(host, port, index), name=f"pingan-worker-{index}"
        )
        process.start()
        return process, time.monotonic()

    running = [start(index) for index in range(workers)]
    early_deaths = 0
    try:
        while not stopping:
            time.sleep(0.5)
            for index, (process, started) in enumerate(running):
                if process.is_alive() or stopping:
                    continue
                if time.monotonic() - started < 60:
                    early_deaths += 1
                    if early_deaths > RESTART_LIMIT:
                        raise SystemExit(f"工作进程反复退出（退出码 {process.exitcode}），服务停止")
                running[index] = start(index)
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()
        for process, _ in running:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
