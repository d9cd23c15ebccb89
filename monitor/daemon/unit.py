"""One unit's share of a daemon: its databases, live configuration, collector and channel, and its jobs
(tick, delivery, collection, evidence, retention, heartbeat). A daemon process runs the jobs of one unit
(`monitor run`) or of several (`monitor run --office DIR --processes N`); daemon/process.py schedules them."""
from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Callable

from ..clock import Clock, from_iso, local_str, to_iso
from ..collect.evidence import recheck
from ..collect.fetch import Fetcher
from ..collect.pipeline import Collector
from ..config.live import LiveConfig
from ..config.schema import Config
from ..errors import MonitorError
from ..judge.health import SourceRecord
from ..notify.channels import make_channel
from ..notify.render import Renderer
from ..notify.tick import HOLDER, TickReport, deliver, holder_gone, queue_notices, queue_outage
from ..ops.maintenance import maintain
from ..store import heartbeats, leases, pg
from ..store import sources as source_rows
from ..store.db import BusyError, open_db

log = logging.getLogger("monitor.daemon")
TICK_LEASE = "tick"     # the clocks are evaluated by one process at a time: whichever holds this lease
NAME = "daemon"
RECHECK_EVERY_S = 600
OUTAGE_AFTER = timedelta(minutes=3)      # a heartbeat older than this at start: the system was down
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
    """One whole daemon per database: an exclusive lock beside the file naming its holder, or on PostgreSQL
    a session lock the server holds while this connection lives. Either is released when the process
    dies, however it dies."""

    def __init__(self, db_path: str, now: datetime, tz):
        self.db = None
        if pg.is_url(db_path):          # on the starting thread's session, which lives as long as the process
            self.db = open_db(db_path, shared=True)
            if not leases.hold_instance(self.db):
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
            leases.drop_instance(self.db)
            return
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


class UnitRun:
    """The jobs of one unit in this process. `wake(job)` asks the process to run one of this unit's jobs now
    (a tick asks for a delivery; the first collection asks for an evidence re-check)."""

    def __init__(self, config: Config, db_path: str, clock: Clock, only: frozenset[Job], tick_every_s: int,
                 wake: Callable[[str], None]):
        self.db_path, self.clock, self.only, self.wake = db_path, clock, only, wake
        self.started_at = clock.now()
        self.lock = InstanceLock(db_path, self.started_at, config.tz) if only == ALL_JOBS else None
        # a connection per job (SQLite: each thread its own); on PostgreSQL each thread's one session,
        # shared by the units this process serves (a job runs on its executor's thread from start to end)
        self.tick_db, self.deliver_db, self.collect_db, self.evidence_db, self.beat_db = (
            open_db(db_path, shared=True) for _ in range(5))
        self.collector = Collector(self.collect_db, config, clock) if Job.COLLECT in only else None
        self.evidence_fetcher = Fetcher(policy=config.fetch)
        self.renderer = Renderer.beside(config.path)
        self.live = LiveConfig(config)         # sources.yaml reread when it changes; a bad version is refused
        self.channel, self.channel_config = make_channel(config), config
        self.collected_once = False
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.me, self.jobs = f"{heartbeats.WORKER}{HOLDER}", ",".join(sorted(only))
        self.lease_ttl = timedelta(seconds=max(3 * tick_every_s, 30))     # a slow tick keeps its lease
        self.stopping = False

    @property
    def config(self) -> Config:
        return self.live.current()

    def start(self) -> None:
        """Before the first job: forget workers killed on this host, beat, say an outage, free dead leases."""
        db, started_at = self.tick_db, self.started_at
        heartbeats.forget_before(db, started_at - FORGET_WORKERS_AFTER)
        for w in heartbeats.workers(db):   # ours, killed on this host: not a worker that stopped beating
            if holder_gone(f"{w['host']}:{w['pid']}"):
                heartbeats.forget(db, w["name"])
        heartbeats.beat(db, self.me, self.pid, self.host, started_at, started_at, self.jobs)
        previous = heartbeats.get(db, NAME)
        if Job.TICK in self.only and previous and started_at - from_iso(previous["beat_at"]) > OUTAGE_AFTER:
            log.warning("daemon was down from=%s to=%s", previous["beat_at"], to_iso(started_at))
            queue_outage(db, self.config, from_iso(previous["beat_at"]), started_at, self.renderer)
        for held in leases.listed(db):     # a worker killed on this host: its leases need not run out first
            if holder_gone(held["holder"]):
                leases.release(db, held["name"], held["holder"])

    def beat(self) -> None:
        try:
            heartbeats.beat(self.beat_db, self.me, self.pid, self.host, self.started_at, self.clock.now(), self.jobs)
        except BusyError as e:     # a writer held the lock past busy_timeout: the next beat says it
            log.info("worker heartbeat skipped error=%s", e)

    def tick(self) -> None:
        now = self.clock.now()
        if not leases.claim(self.tick_db, TICK_LEASE, HOLDER, now, self.lease_ttl):
            log.info("tick skipped: another process evaluates the clocks")
            return
        heartbeats.beat(self.tick_db, NAME, self.pid, self.host, self.started_at, now)   # the clocks are evaluated
        report = queue_notices(self.tick_db, self.config, now, self.renderer)
        log.debug("tick done queued=%d", len(report.queued))
        if Job.DELIVER in self.only and (self.config.smtp or self.config.robots) and not self.stopping:
            self.wake("deliver")

    def deliver(self) -> None:
        if self.config is not self.channel_config:        # people, robots or the mail server changed
            self.channel, self.channel_config = make_channel(self.config), self.config
        if self.channel is None:
            return
        report = TickReport()
        deliver(self.deliver_db, self.clock.now(), self.channel, report)
        level = logging.INFO if report.delivered or report.failed else logging.DEBUG
        log.log(level, "delivery done delivered=%d failed=%d postponed=%d", len(report.delivered),
                len(report.failed), len(report.postponed))

    def collect(self) -> None:
        now, config, db = self.clock.now(), self.config, self.collect_db
        if self.collector.config is not config:
            self.collector.reconfigure(config)
        won = leases.claim_many(db, [f"source:{s}" for s in due_sources(config, source_rows.by_id(db), now)],
                                HOLDER, now, SOURCE_LEASE)                       # none another worker has
        claimed = {name.removeprefix("source:") for name in won}
        # read again under the leases, at the time of reading: another worker may have collected one between
        # our read and our claim, at a time after this pass began (which the first time would call the future)
        due = ([s for s in due_sources(config, source_rows.by_id(db), self.clock.now()) if s in claimed]
               if claimed else [])
        leases.release_many(db, [f"source:{s}" for s in claimed - set(due)], HOLDER)
        try:
            reports = self.collector.collect(due) if due else []
        finally:
            leases.release_many(db, [f"source:{s}" for s in due], HOLDER)
        log.log(logging.INFO if reports else logging.DEBUG, "collect batch done sources=%d new_posts=%d failed=%d",
                len(reports), sum(r.new_posts for r in reports), sum(not r.ok for r in reports))
        if not self.collected_once and not self.stopping:     # the evidence of the first batch is checked at once
            self.collected_once = True
            self.wake("recheck")

    def recheck(self) -> None:
        if not leases.claim(self.evidence_db, "recheck", HOLDER, self.clock.now(), EVIDENCE_LEASE):
            return
        config = self.config
        r = recheck(self.evidence_db, config, self.evidence_fetcher, self.clock,
                    timedelta(seconds=config.evidence.recheck_every_s), config.evidence.recheck_batch)
        level = logging.INFO if r.checked else logging.DEBUG
        log.log(level, "recheck done checked=%d gone=%d unknown=%d", r.checked, len(r.gone), r.unknown)

    def maintenance(self) -> None:
        if not leases.claim(self.evidence_db, "maintenance", HOLDER, self.clock.now(), MAINTENANCE_LEASE):
            return
        r = maintain(self.evidence_db, self.config, self.clock.now())
        log.info("maintenance done snapshots=%d bodies=%d", r.snapshots_dropped, r.bodies_dropped)

    def release(self) -> None:
        """A clean stop: the others take our sources and the clocks at once, not after the leases run out."""
        try:
            release_db = open_db(self.db_path, shared=True)
            leases.release_all(release_db, HOLDER)
            heartbeats.forget(release_db, self.me)
        except Exception:
            log.exception("leases not released")
        if self.lock is not None:
            self.lock.release()
