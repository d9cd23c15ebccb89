"""The daemon process: one scheduler running the jobs of one unit (`monitor run`) or of several
(`monitor run --office DIR --processes N`), each job of each unit on its executor, each unit with its
own connections (daemon/unit.py). The executors:

- the tick (every minute): heartbeat, then decide and queue due notices (no network), then asks for
  a delivery; nothing else runs on its thread, so no slow source or mail server can make it late;
- delivery: sends the queue, bounded in time per send and per dead server (notify.channels);
- collection (every 15 s): the sources that are due, as one batch through the collector's parallel
  fetch; a unit's collection never overlaps itself (several units collect side by side);
- evidence (every 10 min): re-check the posts of open issues (证据固定, 已删除); once a day, retention
  (`monitor maintenance`).

Run whole (the default), one instance per database: an exclusive lock on `<db>.lock` (released by
the OS when the process dies, even by kill -9) names the holder's pid and start time; on PostgreSQL a
session lock. Run as workers (`--only collect|tick|deliver`), any number side by side: a due source is
collected by the worker that leases it (`source:<id>`), the clocks by the one holding the `tick` lease,
evidence and retention by the holder of theirs; each notice is sent by the one sender that claimed it
(store.outbox). A worker killed with -9 stops renewing, and its leases pass to another once they expire.
Each worker beats its own heartbeat row (`monitor health` lists them). SIGTERM/SIGINT stop it within
STOP_GRACE_S: what a job committed is kept, a pass cut short is rolled back and collected again.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from ..clock import Clock
from ..config.schema import Config
from ..labels import JOB_NAMES
from ..store import pg
from .unit import ALL_JOBS, RECHECK_EVERY_S, Job, UnitRun, log

TICK_EVERY_S = 60
COLLECT_EVERY_S = 15
STOP_GRACE_S = 8
MAX_COLLECT_THREADS = 4


@dataclass(frozen=True)
class Target:
    """A unit this process serves: its configuration and its database."""
    config: Config
    db_path: str


def run_daemon(config: Config, db_path: str, clock: Clock, tick_every_s: int = TICK_EVERY_S,
               collect_every_s: int = COLLECT_EVERY_S, only: frozenset[Job] = ALL_JOBS) -> None:
    run_units([Target(config, db_path)], clock, tick_every_s, collect_every_s, only)


def run_units(targets: list[Target], clock: Clock, tick_every_s: int = TICK_EVERY_S,
              collect_every_s: int = COLLECT_EVERY_S, only: frozenset[Job] = ALL_JOBS) -> None:
    stop = threading.Event()
    running: dict[str, float] = {}
    scheduler = BackgroundScheduler(
        executors={"tick": ThreadPoolExecutor(1), "deliver": ThreadPoolExecutor(1),
                   "collect": ThreadPoolExecutor(min(len(targets), MAX_COLLECT_THREADS)),
                   "evidence": ThreadPoolExecutor(1), "beat": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})

    def waker(n: int):
        def wake(job_name: str) -> None:
            if not stop.is_set():
                scheduler.modify_job(f"{n}:{job_name}", next_run_time=datetime.now().astimezone())
        return wake

    units: list[UnitRun] = []
    for n, t in enumerate(targets):
        unit = UnitRun(t.config, t.db_path, clock, only, tick_every_s, waker(n))
        unit.start()
        units.append(unit)

    def job(name: str, fn):
        def run() -> None:
            if stop.is_set():
                return
            running[name] = time.monotonic()
            try:
                fn()
            except Exception:                      # a job must never kill the daemon
                log.exception("job failed job=%s", name.split(":", 1)[1])
            finally:
                running.pop(name, None)
        return run

    start = datetime.now().astimezone()        # the scheduler's own trigger time; product time comes from `clock`
    for n, unit in enumerate(units):
        def add(name: str, fn, executor: str, first: datetime | None, **every) -> None:
            scheduler.add_job(job(f"{n}:{name}", fn), "interval", id=f"{n}:{name}", executor=executor,
                              next_run_time=first, **every)
        add("beat", unit.beat, "beat", None, seconds=tick_every_s)
        if Job.TICK in only:
            add("tick", unit.tick, "tick", start, seconds=tick_every_s)
        if Job.DELIVER in only:
            add("deliver", unit.deliver, "deliver", start + timedelta(seconds=1), seconds=tick_every_s)
        if Job.COLLECT in only:
            add("collect", unit.collect, "collect", start, seconds=collect_every_s)
            # 证据固定 and retention run beside collection, never in its way nor in the tick's
            add("recheck", unit.recheck, "evidence", start + timedelta(seconds=5), seconds=RECHECK_EVERY_S)
            add("maintenance", unit.maintenance, "evidence", start + timedelta(minutes=10), hours=24)

    def on_signal(signum, frame):
        received.append(signum)    # nothing else here: a handler that logs can wait on a lock a worker holds
        stop.set()

    received: list[int] = []

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler.start()
    pid, jobs = os.getpid(), ",".join(sorted(only))
    for t in targets:
        log.info("daemon started sources=%d db=%s pid=%d jobs=%s", len(t.config.sources), pg.shown(t.db_path), pid, jobs)
        print(f"monitor 守护进程已启动: {len(t.config.sources)} 个来源, 数据库 {pg.shown(t.db_path)}, 进程 {pid}"
              + ("" if only == ALL_JOBS else f", 只负责{'、'.join(JOB_NAMES[j] for j in sorted(only))}"), flush=True)
    try:
        # wake each second: a signal delivered to a worker thread leaves a main thread blocked without a
        # timeout asleep, and Python runs the handler only when the main thread runs again
        while not stop.wait(1.0):
            pass
    finally:
        # whatever blocks from here on (a worker mid-write holding a log handler's lock, a send that
        # ignores its timeout), the process is gone by STOP_GRACE_S + 1 s
        watchdog = threading.Timer(STOP_GRACE_S + 1, os._exit, args=(0,))
        watchdog.daemon = True
        watchdog.start()
        log.info("daemon stopping signal=%s", received[0] if received else "-")
        for unit in units:
            unit.stopping = True
        scheduler.shutdown(wait=False)
        deadline = time.monotonic() + STOP_GRACE_S
        while running and time.monotonic() < deadline:
            time.sleep(0.1)
        if running:            # a pass or a send still in flight: its transaction is rolled back, nothing is lost
            log.warning("daemon stopped with jobs in flight jobs=%s", ",".join(j.split(":", 1)[1] for j in running))
        for unit in units:
            unit.release()
            print("monitor 守护进程已停止", flush=True)
        logging.shutdown()
        # everything that matters is committed; a worker thread still inside a pass or a send
        # (or one the scheduler handed a job as it shut down) must not keep the process alive
        os._exit(0)
