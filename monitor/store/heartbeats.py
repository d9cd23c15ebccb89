"""The `heartbeats` table: `daemon`, beaten by whichever process evaluates the clocks, and one row per
running worker (`worker:<host>:<pid>`, with the jobs it runs), beaten every tick."""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..clock import to_iso
from .db import one, rows


WORKER = "worker:"


def beat(db: sqlite_utils.Database, name: str, pid: int, host: str, started_at: datetime, at: datetime,
         jobs: str | None = None) -> None:
    db.execute("insert into heartbeats (name, pid, host, started_at, beat_at, jobs) values (?, ?, ?, ?, ?, ?) "
               "on conflict(name) do update set pid = excluded.pid, host = excluded.host, "
               "started_at = excluded.started_at, beat_at = excluded.beat_at, jobs = excluded.jobs",
               [name, pid, host, to_iso(started_at), to_iso(at), jobs])


def workers(db: sqlite_utils.Database) -> list[dict]:
    """Every worker's row, the latest beat first."""
    return rows(db, "select * from heartbeats where name like 'worker:%' order by beat_at desc")


def forget(db: sqlite_utils.Database, name: str) -> None:
    """A worker that stopped cleanly leaves no row behind (one killed stays, shown as stopped)."""
    db.execute("delete from heartbeats where name = ?", [name])


def forget_before(db: sqlite_utils.Database, before: datetime) -> None:
    db.execute("delete from heartbeats where name like 'worker:%' and beat_at < ?", [to_iso(before)])


def get(db: sqlite_utils.Database, name: str) -> dict | None:
    return one(db, "select * from heartbeats where name = ?", [name])
