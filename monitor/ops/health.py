"""Is the system healthy? For `monitor health` (systemd, cron, an external monitor): the daemon alive
and recent, no source broken, no notice failing, the working-day calendar covering this year."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import sqlite_utils

from ..clock import from_iso, local_str
from ..config.load import calendar_for
from ..config.schema import Config
from ..judge.health import SourceState
from ..labels import JOB_NAMES, duration, fetch_error
from ..store import heartbeats, outbox
from ..views import read as views

DAEMON = "daemon"
STALE_AFTER = timedelta(minutes=3)        # three missed ticks
JOBS = ("collect", "tick", "deliver")     # what workers run (daemon.Job; the daemon sits above this layer)


class Problem(StrEnum):
    DAEMON_NEVER_RAN = "daemon_never_ran"
    DAEMON_DOWN = "daemon_down"
    SOURCE_BROKEN = "source_broken"
    NOTICE_FAILING = "notice_failing"
    CALENDAR = "calendar"
    JOB_UNATTENDED = "job_unattended"


@dataclass(frozen=True)
class Health:
    problems: tuple[tuple[Problem, str], ...]
    heartbeat: dict | None = None
    checked: dict = field(default_factory=dict)
    workers: tuple[dict, ...] = ()      # every worker's beat: pid, host, jobs, beat_at, alive

    @property
    def ok(self) -> bool:
        return not self.problems


def check(db: sqlite_utils.Database, config: Config, now: datetime) -> Health:
    problems: list[tuple[Problem, str]] = []
    beat = heartbeats.get(db, DAEMON)
    if beat is None:
        problems.append((Problem.DAEMON_NEVER_RAN, "守护进程 (monitor run) 从未运行过"))
    elif now - from_iso(beat["beat_at"]) > STALE_AFTER:
        problems.append((Problem.DAEMON_DOWN, f"守护进程已 {duration((now - from_iso(beat['beat_at'])).total_seconds())} "
                                              f"没有心跳 (最后一次 {local_str(beat['beat_at'], config.tz)}, 进程 {beat['pid']})"))
    workers = tuple({"host": w["host"], "pid": w["pid"], "jobs": (w["jobs"] or "").split(","),
                     "started_at": w["started_at"], "beat_at": w["beat_at"],
                     "alive": now - from_iso(w["beat_at"]) <= STALE_AFTER} for w in heartbeats.workers(db))
    alive = [w for w in workers if w["alive"]]
    if alive:                           # a worker is running, but no live one does this job
        for job in JOBS:
            if not any(job in w["jobs"] for w in alive):
                problems.append((Problem.JOB_UNATTENDED, f"没有运行中的进程负责{JOB_NAMES[job]} "
                                                         f"(启动 monitor run --only {job})"))
    broken = [s for s in views.sources(db, config, now) if s["state"] in (SourceState.BROKEN, SourceState.FAILING)]
    for s in broken:
        problems.append((Problem.SOURCE_BROKEN, f"来源「{config.source_name(s['id'])}」采集失败: {fetch_error(s['last_error']) or '-'}"))
    failing = [n for n in outbox.undelivered(db) if n.attempts and n.fire_at <= now]
    if failing:
        problems.append((Problem.NOTICE_FAILING, f"{len(failing)} 条通知发送失败, 最近的错误: {failing[0].last_error}"))
    cal = calendar_for(config)
    year = now.astimezone(config.tz).year
    if not cal.covers(year):
        problems.append((Problem.CALENDAR, f"{year} 年的节假日安排不在日历中: 工作日时限只按周末计算 (更新 chinesecalendar "
                                           f"或在 calendar 文件中填入当年安排)"))
    return Health(tuple(problems), beat, {"sources": len(config.sources), "broken_sources": len(broken),
                                          "failing_notices": len(failing), "calendar_year": year}, workers)
