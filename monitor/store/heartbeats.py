"""The `heartbeats` table: one row per long-running process kind (the daemon), beaten every tick."""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..clock import to_iso
from .db import one


def beat(db: sqlite_utils.Database, name: str, pid: int, host: str, started_at: datetime, at: datetime) -> None:
    db.execute("insert into heartbeats (name, pid, host, started_at, beat_at) values (?, ?, ?, ?, ?) "
               "on conflict(name) do update set pid = excluded.pid, host = excluded.host, "
               "started_at = excluded.started_at, beat_at = excluded.beat_at",
               [name, pid, host, to_iso(started_at), to_iso(at)])


def get(db: sqlite_utils.Database, name: str) -> dict | None:
    return one(db, "select * from heartbeats where name = ?", [name])
