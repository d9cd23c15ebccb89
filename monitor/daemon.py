"""`monitor run`: APScheduler runs one collect job per source on its interval and a tick every minute.

Jobs run one at a time (a single worker thread) so the SQLite connection is never
shared by two threads at once. SIGTERM/SIGINT stop the scheduler after the job in
progress; everything a job wrote is already committed, so a restart loses nothing.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from .clock import Clock
from .collect.pipeline import Collector
from .config.schema import Config
from .notify.channels import EmailChannel
from .notify.render import Renderer
from .notify.tick import tick
from .store.db import open_db

log = logging.getLogger(__name__)
TICK_EVERY_S = 60


def run_daemon(config: Config, db_path: str, clock: Clock, tick_every_s: int = TICK_EVERY_S) -> None:
    db = open_db(db_path)
    collector = Collector(db, config, clock)
    renderer = Renderer.beside(config.path)
    channel = EmailChannel(config.smtp) if config.smtp else None
    stop = threading.Event()

    def collect_job(source_id: str) -> None:
        try:
            collector.collect([source_id])
        except Exception:                      # a job must never kill the daemon
            log.exception("collect job failed source=%s", source_id)

    def tick_job() -> None:
        if channel is None:
            return
        try:
            report = tick(db, config, clock.now(), channel, renderer)
            level = logging.INFO if report.delivered or report.failed else logging.DEBUG
            log.log(level, "tick done queued=%d delivered=%d failed=%d", len(report.queued),
                    len(report.delivered), len(report.failed))
        except Exception:
            log.exception("tick job failed")

    scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(1)},
                                    job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    start = datetime.now().astimezone()        # the scheduler's own trigger time; product time comes from `clock`
    for i, s in enumerate(config.sources):
        scheduler.add_job(collect_job, "interval", seconds=s.interval_s, args=[s.id], id=f"collect:{s.id}",
                          next_run_time=start + timedelta(seconds=i))
    scheduler.add_job(tick_job, "interval", seconds=tick_every_s, id="tick", next_run_time=start)

    def on_signal(signum, frame):
        log.info("daemon stopping signal=%s", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler.start()
    log.info("daemon started sources=%d db=%s", len(config.sources), db_path)
    print(f"monitor 守护进程已启动: {len(config.sources)} 个来源, 数据库 {db_path}", flush=True)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        collector.close()
        db.close()
        print("monitor 守护进程已停止", flush=True)
