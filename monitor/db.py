"""Open the SQLite file (WAL) and apply named migrations."""
from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager
from typing import Iterator
from datetime import datetime

import sqlite_utils

from .clock import UTC, to_iso
from .migrations import MIGRATIONS

log = logging.getLogger(__name__)


def open_db(path: str) -> sqlite_utils.Database:
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA foreign_keys=ON")
    migrate(db)
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock first (BEGIN IMMEDIATE), so two processes
    wait for each other (busy_timeout) instead of one failing with "database is locked" when a
    deferred transaction that has read tries to write. Nested, it is a savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def migrate(db: sqlite_utils.Database) -> list[str]:
    if "migrations" not in db.table_names():
        db["migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {r["name"] for r in db["migrations"].rows}
    applied = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with transaction(db):
            fn(db)
            # the applied time is bookkeeping about the file, not product time
            db["migrations"].insert({"name": name, "applied_at": to_iso(datetime.now(UTC))})
        log.info("migration applied name=%s", name)
        applied.append(name)
    return applied
