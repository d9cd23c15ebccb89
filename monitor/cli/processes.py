"""Forked children under one parent: the console's workers on one socket, or one daemon per unit of an
office installation. A child that dies is started again; SIGTERM or SIGINT stops them all."""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from typing import Callable

log = logging.getLogger(__name__)


def supervise(targets: list[Callable[[], None]]) -> None:
    """Fork one process per target; restart one that dies with its own target; on SIGTERM or SIGINT stop them
    all and wait for them (the kernel spreads a shared socket's connections across console workers)."""
    children: dict[int, Callable[[], None]] = {}
    stopping = []

    def spawn(target: Callable[[], None]) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                target()
            finally:
                os._exit(0)
        children[pid] = target

    def stop(signum, frame) -> None:
        stopping.append(signum)
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for target in targets:
        spawn(target)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        target = children.pop(pid, None)
        if not stopping and target is not None:
            log.error("child process died pid=%d status=%d, restarting", pid, status)
            time.sleep(1)
            spawn(target)
