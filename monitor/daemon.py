"""`monitor run`: the daemon. Jobs on four executors, each with its own SQLite connection:

- the tick (every minute): heartbeat, then decide and queue due notices (no network), then asks for
  a delivery; nothing else runs on its thread, so no slow source or mail server can make it late;
- delivery: sends the queue, bounded in time per send and per dead server (notify.channels);
- collection (every 15 s): the sources that are due, as one batch through the collector's parallel
  fetch; a source runs at most once at a time because the job never overlaps itself;
- evidence (every 10 min): re-check the posts of open issues (证据固定, 已删除); once a day, retention
  (`monitor maintenance`).

Run whole (the default), one instance per database: an exclusive lock on `<db>.lock` (released by
the OS when the process dies, even by kill -9) names the holder's pid and start time. Run as workers
(`--only collect|tick|deliver`), any number side by side: a due source is collected by the worker that
leases it (`source:<id>`), the clocks by the one holding the `tick` lease, evidence and retention by
the holder of theirs; each notice is sent by the one sender that claimed it (store.outbox). A worker
killed with -9 stops renewing, and its leases pass to another once they expire. Each worker beats its
own heartbeat row (`monitor health` lists them). SIGTERM/SIGINT stop it within STOP_GRACE_S: what a
job committed is kept, a pass cut short is rolled back and collected again.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import socket
import threading
import time
from datetime import datetime, timedelta
from enum import StrEnum

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from .clock import Clock, from_iso, local_str, to_iso
from .collect.evidence import recheck
from .collect.fetch import Fetcher
from .collect.pipeline import Collector
from .config.live import LiveConfig
from .config.schema import Config
from .ops.maintenance import maintain
from .errors import MonitorError
from .labels import JOB_NAMES
from .notify.channels import make_channel
from .notify.render import Renderer
from .notify.tick import HOLDER, TickReport, deliver, holder_gone, queue_notices, queue_outage
from .judge.health import SourceRecord
from .store import heartbeats, leases, pg
from .store import sources as source_rows
from .store.db import BusyError, open_db

log = logging.getLogger(__name__)
TICK_EVERY_S = 60
TICK_LEASE = "tick"     # the clocks are evaluated by one process at a time: whichever holds this lease
COLLECT_EVERY_S = 15
STOP_GRACE_S = 8
RECHECK_EVERY_S = 600
OUTAGE_AFTER = timedelta(minutes=3)      # a heartbeat older than this at start: the system was down
NAME = "daemon"
SOURCE_LEASE = timedelta(minutes=10)     # a pass longer than this may be fetched again by another worker
EVIDENCE_LEASE = timedelta(seconds=RECHECK_EVERY_S * 3)
MAINTENANCE_LEASE = timedelta(hours=23)
FORGET_WORKERS_AFTER = timedelta(days=7)


class Job(StrEnum):
    """What a worker runs (`monitor run --only`)."""
    COLLECT = "collect"     # collection, and the evidence re-check and retention
    TICK = "tick"           # the legal clocks: decide and queue notices
    DELIVER = "deliver"     # send the queue


ALL_JOBS = frozenset(Job)


def due_sources(config: Config, records: dict[str, SourceRecord], now: datetime) -> list[str]:
    """Sources whose interval has passed since their last attempt (never tried: due)."""
    out = []
    for s in config.sources:
        rec = records.get(s.id)
        last = rec.last_attempt_at if rec else None
        if last is None or now - last >= timedelta(seconds=s.interval_s) or last > now:
            out.append(s.id)
    return out


class InstanceLock:
    """An exclusive lock beside the database file, naming its holder."""

    def __init__(self, db_path: str, now: datetime, tz):
        self.db = None
        if pg.is_url(db_path):          # a server's database: a lock PostgreSQL holds while this connection lives
            self.db = open_db(db_path)
            if not leases.hold_instance(self.db):
                self.db.conn.close()
                raise MonitorError(f"另一个 monitor run 正在使用数据库 {pg.shown(db_path)} (见 monitor health 的工作进程)。"
                                   "同一数据库只能运行一个完整的守护进程; 多个进程请用 --only 分工。")
            return
        self.path = f"{db_path}.lock"
        self.file = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.seek(0)
            try:
                holder = json.loads(self.file.read() or "{}")
            except ValueError:
                holder = {}
            self.file.close()
            raise MonitorError(f"另一个 monitor run 正在使用数据库 {db_path}: 进程 {holder.get('pid', '?')}, "
                               f"启动于 {local_str(holder.get('started_at'), tz) if holder.get('started_at') else '?'}"
                               f" (主机 {holder.get('host', '?')})。同一数据库只能运行一个守护进程。") from None
        self.file.seek(0)
        self.file.truncate()
        self.file.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started_at": to_iso(now)}))
        self.file.flush()

    def release(self) -> None:
        if self.db is not None:
            self.db.conn.close()
            return
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


def run_daemon(config: Config, db_path: str, clock: Clock, tick_every_s: int = TICK_EVERY_S,
               collect_every_s: int = COLLECT_EVERY_S, only: frozenset[Job] = ALL_JOBS) -> None:
    started_at = clock.now()
    lock = InstanceLock(db_path, started_at, config.tz) if only == ALL_JOBS else None
    tick_db, deliver_db, collect_db = open_db(db_path), open_db(db_path), open_db(db_path)
    evidence_db, beat_db = open_db(db_path), open_db(db_path)
    collector = Collector(collect_db, config, clock) if Job.COLLECT in only else None
    evidence_fetcher = Fetcher(policy=config.fetch)
    renderer = Renderer.beside(config.path)
    live = LiveConfig(config)           # sources.yaml reread when it changes; a bad version is refused
    channel, channel_config = make_channel(config), config
    stop = threading.Event()
    collected_once = threading.Event()
    running: dict[str, float] = {}
    host, pid = socket.gethostname(), os.getpid()
    me, jobs = f"{heartbeats.WORKER}{HOLDER}", ",".join(sorted(only))
    heartbeats.forget_before(tick_db, started_at - FORGET_WORKERS_AFTER)
    for w in heartbeats.workers(tick_db):   # ours, killed on this host: not a worker that stopped beating
        if holder_gone(f"{w['host']}:{w['pid']}"):
            heartbeats.forget(tick_db, w["name"])
    heartbeats.beat(tick_db, me, pid, host, started_at, started_at, jobs)

    previous = heartbeats.get(tick_db, NAME)
    if Job.TICK in only and previous and started_at - from_iso(previous["beat_at"]) > OUTAGE_AFTER:
        log.warning("daemon was down from=%s to=%s", previous["beat_at"], to_iso(started_at))
        queue_outage(tick_db, config, from_iso(previous["beat_at"]), started_at, renderer)
    lease_ttl = timedelta(seconds=max(3 * tick_every_s, 30))     # a slow tick keeps its lease
    for held in leases.listed(tick_db):     # a worker killed on this host: its leases need not run out first
        if holder_gone(held["holder"]):
            leases.release(tick_db, held["name"], held["holder"])

    def job(name: str, fn):
        def run() -> None:
            if stop.is_set():
                return
            running[name] = time.monotonic()
            try:
                fn()
            except Exception:                      # a job must never kill the daemon
                log.exception("job failed job=%s", name)
            finally:
                running.pop(name, None)
        return run

    def beat_job() -> None:
        try:
            heartbeats.beat(beat_db, me, pid, host, started_at, clock.now(), jobs)
        except BusyError as e:     # a writer held the lock past busy_timeout: the next beat says it
            log.info("worker heartbeat skipped error=%s", e)

    def tick_job() -> None:
        now = clock.now()
        if not leases.claim(tick_db, TICK_LEASE, HOLDER, now, lease_ttl):
            log.info("tick skipped: another process evaluates the clocks")
            return
        heartbeats.beat(tick_db, NAME, pid, host, started_at, now)     # the clocks are being evaluated
        report = queue_notices(tick_db, live.current(), now, renderer)
        log.debug("tick done queued=%d", len(report.queued))
        if Job.DELIVER in only and (live.current().smtp or live.current().robots) and not stop.is_set():
            scheduler.modify_job("deliver", next_run_time=datetime.now().astimezone())

    def deliver_job() -> None:
        nonlocal channel, channel_config
        if live.current() is not channel_config:        # people, robots or the mail server changed
            channel, channel_config = make_channel(live.current()), live.current()
        if channel is None:
            return
        report = TickReport()
        deliver(deliver_db, clock.now(), channel, report)
        level = logging.INFO if report.delivered or report.failed else logging.DEBUG
        log.log(level, "delivery done delivered=%d failed=%d postponed=%d", len(report.delivered),
                len(report.failed), len(report.postponed))

    def collect_job() -> None:
        now = clock.now()
        config = live.current()
        if collector.config is not config:
            collector.reconfigure(config)
        claimed = [s for s in due_sources(config, source_rows.by_id(collect_db), now)
                   if leases.claim(collect_db, f"source:{s}", HOLDER, now, SOURCE_LEASE)]   # none another worker has
        # read again under the leases: another worker may have collected one between our read and our claim
        due = due_sources(config, source_rows.by_id(collect_db), now) if claimed else []
        for s in set(claimed) - set(due):
            leases.release(collect_db, f"source:{s}", HOLDER)
        due = [s for s in due if s in claimed]
        try:
            reports = collector.collect(due) if due else []
        finally:
            for s in due:
                leases.release(collect_db, f"source:{s}", HOLDER)
        log.log(logging.INFO if reports else logging.DEBUG, "collect batch done sources=%d new_posts=%d failed=%d",
                len(reports), sum(r.new_posts for r in reports), sum(not r.ok for r in reports))
        if not collected_once.is_set() and not stop.is_set():     # the evidence of the first batch is checked at once
            collected_once.set()
            scheduler.modify_job("recheck", next_run_time=datetime.now().astimezone())

    def evidence_job() -> None:
        if not leases.claim(evidence_db, "recheck", HOLDER, clock.now(), EVIDENCE_LEASE):
            return
        r = recheck(evidence_db, live.current(), evidence_fetcher, clock, timedelta(seconds=config.evidence.recheck_every_s),
                    config.evidence.recheck_batch)
        level = logging.INFO if r.checked else logging.DEBUG
        log.log(level, "recheck done checked=%d gone=%d unknown=%d", r.checked, len(r.gone), r.unknown)

    def maintenance_job() -> None:
        if not leases.claim(evidence_db, "maintenance", HOLDER, clock.now(), MAINTENANCE_LEASE):
            return
        r = maintain(evidence_db, live.current(), clock.now())
        log.info("maintenance done snapshots=%d bodies=%d", r.snapshots_dropped, r.bodies_dropped)

    scheduler = BackgroundScheduler(
        executors={"tick": ThreadPoolExecutor(1), "deliver": ThreadPoolExecutor(1), "collect": ThreadPoolExecutor(1),
                   "evidence": ThreadPoolExecutor(1), "beat": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    start = datetime.now().astimezone()        # the scheduler's own trigger time; product time comes from `clock`
    scheduler.add_job(job("beat", beat_job), "interval", seconds=tick_every_s, id="beat", executor="beat")
    if Job.TICK in only:
        scheduler.add_job(job("tick", tick_job), "interval", seconds=tick_every_s, id="tick", executor="tick",
                          next_run_time=start)
    if Job.DELIVER in only:
        scheduler.add_job(job("deliver", deliver_job), "interval", seconds=tick_every_s, id="deliver",
                          executor="deliver", next_run_time=start + timedelta(seconds=1))
    if Job.COLLECT in only:
        scheduler.add_job(job("collect", collect_job), "interval", seconds=collect_every_s, id="collect",
                          executor="collect", next_run_time=start)
        # 证据固定 and retention run beside collection, never in its way nor in the tick's
        scheduler.add_job(job("recheck", evidence_job), "interval", seconds=RECHECK_EVERY_S, id="recheck",
                          executor="evidence", next_run_time=start + timedelta(seconds=5))
        scheduler.add_job(job("maintenance", maintenance_job), "interval", hours=24, id="maintenance",
                          executor="evidence", next_run_time=start + timedelta(minutes=10))

    def on_signal(signum, frame):
        received.append(signum)    # nothing else here: a handler that logs can wait on a lock a worker holds
        stop.set()

    received: list[int] = []

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler.start()
    log.info("daemon started sources=%d db=%s pid=%d jobs=%s", len(config.sources), pg.shown(db_path), pid, jobs)
    print(f"monitor 守护进程已启动: {len(config.sources)} 个来源, 数据库 {pg.shown(db_path)}, 进程 {pid}"
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
        scheduler.shutdown(wait=False)
        deadline = time.monotonic() + STOP_GRACE_S
        while running and time.monotonic() < deadline:
            time.sleep(0.1)
        if running:            # a pass or a send still in flight: its transaction is rolled back, nothing is lost
            log.warning("daemon stopped with jobs in flight jobs=%s", ",".join(running))
        try:        # the others take our sources and the clocks at once, not after the leases run out
            release_db = open_db(db_path)
            leases.release_all(release_db, HOLDER)
            heartbeats.forget(release_db, me)
        except Exception:
            log.exception("leases not released")
        print("monitor 守护进程已停止", flush=True)
        if lock is not None:
            lock.release()
        logging.shutdown()
        # everything that matters is committed in SQLite; a worker thread still inside a pass or a send
        # (or one the scheduler handed a job as it shut down) must not keep the process alive
        os._exit(0)
