"""The `leases` table: a named job held by one process at a time (see migration 0030). Claiming is one
statement, so two processes racing for a free or expired lease cannot both win."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from ..clock import to_iso
from . import pg
from .db import marks, rows


def claim(db: sqlite_utils.Database, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease until now + ttl; False while another holder's lease is unexpired."""
    return bool(db.execute(
        "insert into leases (name, holder, acquired_at, expires_at) values (?, ?, ?, ?) "
        "on conflict(name) do update set holder = excluded.holder, expires_at = excluded.expires_at, "
        "acquired_at = case when leases.holder = excluded.holder then leases.acquired_at else excluded.acquired_at end "
        "where leases.holder = excluded.holder or leases.expires_at <= excluded.acquired_at",
        [name, holder, to_iso(now), to_iso(now + ttl)]).rowcount)


CHUNK = 500       # names per statement (4 parameters each: well under SQLite's 32,766)


def claim_many(db: sqlite_utils.Database, names: list[str], holder: str, now: datetime, ttl: timedelta) -> set[str]:
    """Claim a batch at once: the names whose lease is free, expired or already this holder's are taken
    (or renewed) until now + ttl and returned; those another holder has are skipped. One statement per
    CHUNK names, on both engines (an upsert that returns the rows it wrote), so a worker with 5,000 due
    sources claims them in 10 statements, and two workers claiming together never both win a name."""
    won: set[str] = set()
    for at in range(0, len(names), CHUNK):
        part = names[at:at + CHUNK]
        values = ", ".join("(?, ?, ?, ?)" for _ in part)
        params = [v for name in part for v in (name, holder, to_iso(now), to_iso(now + ttl))]
        won |= {r["name"] for r in rows(db,
            f"insert into leases (name, holder, acquired_at, expires_at) values {values} "
            "on conflict(name) do update set holder = excluded.holder, expires_at = excluded.expires_at, "
            "acquired_at = case when leases.holder = excluded.holder then leases.acquired_at else excluded.acquired_at end "
            "where leases.holder = excluded.holder or leases.expires_at <= excluded.acquired_at returning name", params)}
    return won


def release(db: sqlite_utils.Database, name: str, holder: str) -> None:
    """Give the lease up at once (a clean shutdown), if this holder has it."""
    db.execute("delete from leases where name = ? and holder = ?", [name, holder])


def release_many(db: sqlite_utils.Database, names: list[str], holder: str) -> None:
    """Give these leases up at once, those this holder has."""
    for at in range(0, len(names), CHUNK):
        part = names[at:at + CHUNK]
        db.execute(f"delete from leases where holder = ? and name in ({marks(part)})", [holder, *part])


def release_all(db: sqlite_utils.Database, holder: str) -> None:
    """Every lease of a process that is stopping."""
    db.execute("delete from leases where holder = ?", [holder])


def hold_instance(db: sqlite_utils.Database) -> bool:
    """PostgreSQL: take the unit's whole-daemon lock for as long as this connection lives (a session advisory
    lock, released by the server when the process dies, however it dies). False while another holds it."""
    return bool(db.execute("select pg_try_advisory_lock(?) as held", [pg.lock_key(f"instance:{db.conn.schema}")]
                           ).fetchone()[0])


def drop_instance(db: sqlite_utils.Database) -> None:
    """Give the whole-daemon lock back (a clean stop; a dead process's session gives it back by itself)."""
    db.execute("select pg_advisory_unlock(?) as released", [pg.lock_key(f"instance:{db.conn.schema}")])


def listed(db: sqlite_utils.Database) -> list[dict]:
    return rows(db, "select * from leases order by name")
