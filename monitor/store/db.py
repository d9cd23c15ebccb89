"""Open the SQLite file (WAL), run write transactions, apply named migrations under the write lock.

The small helpers `rows`, `one`, `insert` and `update` are plain SQL: sqlite-utils' own calls
introspect the table or wrap each read in a savepoint, which the hot path cannot afford.
"""
from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Iterator

import sqlite_utils

from ..clock import UTC, to_iso
from ..errors import InvalidInput, MonitorError, NotFound
from . import pairs
from .migrations import MIGRATIONS

log = logging.getLogger(__name__)


def open_db(path: str, create: bool = True) -> sqlite_utils.Database:
    """The database at `path`, migrated. With create=False a missing file is an error (read-only
    commands must not leave an empty database behind and report that all is well)."""
    if not create and path != ":memory:" and not os.path.exists(path):
        raise NotFound(f"数据库 {path} 不存在 (用 --db 指定, 或先运行 monitor collect / monitor run)")
    # autocommit: a statement outside `transaction` commits at once (an outbox claim is visible to
    # other processes before the send starts); `transaction` opens explicit write transactions
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.create_function(pairs.FUNCTION, -1, pairs.pairs, deterministic=True)   # the search index's triggers
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    migrate(db)
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock first (BEGIN IMMEDIATE), so two processes
    wait for each other (busy_timeout) instead of one failing with "database is locked" when a
    deferred transaction that has read tries to write. Nested, it is a savepoint."""
    if db.conn.in_transaction:
        yield from _savepoint(db)
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def _savepoint(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    # one name for every level: SQLite releases or rolls back the innermost savepoint of that name,
    # and the statements stay in the connection's cache (sqlite-utils' random names are compiled
    # anew each time: three savepoints per stored post made that a measurable cost)
    db.conn.execute("SAVEPOINT monitor")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:          # a RAISE(ROLLBACK) trigger may have ended it all
            db.conn.execute("ROLLBACK TO SAVEPOINT monitor")
            db.conn.execute("RELEASE SAVEPOINT monitor")
        raise
    db.conn.execute("RELEASE SAVEPOINT monitor")


def _applied(db: sqlite_utils.Database) -> set[str]:
    if not rows(db, "select 1 from sqlite_master where type = 'table' and name = 'migrations'"):
        return set()
    return {r["name"] for r in rows(db, "select name from migrations")}


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations. What is pending is read again inside the write lock, so processes
    starting together on a new file migrate it once: the others wait, then find nothing to do."""
    if {name for name, _ in MIGRATIONS} <= _applied(db):
        return []
    applied = []
    with transaction(db):
        db.execute("create table if not exists migrations (name text primary key, applied_at text)")
        done = _applied(db)
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            fn(db)
            # the applied time is bookkeeping about the file, not product time
            insert(db, "migrations", {"name": name, "applied_at": to_iso(datetime.now(UTC))})
            log.info("migration applied name=%s", name)
            applied.append(name)
    return applied


MAX_ID = 2**63 - 1        # SQLite's largest integer: a larger id names no row


def rows(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[dict]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def one(db: sqlite_utils.Database, sql: str, params: Any = ()) -> dict | None:
    found = rows(db, sql, params)
    return found[0] if found else None


def insert(db: sqlite_utils.Database, table: str, row: dict, or_ignore: bool = False) -> int | None:
    """Plain INSERT; the new rowid, or None when OR IGNORE ignored it."""
    verb = "insert or ignore" if or_ignore else "insert"
    cur = db.conn.execute(f"{verb} into {table} ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                          list(row.values()))
    return cur.lastrowid if cur.rowcount else None


def update(db: sqlite_utils.Database, table: str, row_id: Any, changes: dict, key: str = "id") -> int:
    cur = db.conn.execute(f"update {table} set {', '.join(f'{k} = ?' for k in changes)} where {key} = ?",
                          [*changes.values(), row_id])
    return cur.rowcount


def change_stamp(db: sqlite_utils.Database) -> tuple[int, int, int]:
    """Changes whenever anything was committed to the database since this connection last asked, by this
    connection (total_changes) or any other, in any process (PRAGMA data_version): a cache key for pages."""
    return id(db.conn), db.conn.execute("pragma data_version").fetchone()[0], db.conn.total_changes


def marks(values) -> str:
    """`?, ?, ?` for an IN list."""
    return ", ".join("?" * len(values))


def backup(db: sqlite_utils.Database, out_path: str) -> int:
    """A consistent copy of the live database (SQLite's online backup: other processes keep reading
    and writing meanwhile), checked with `PRAGMA integrity_check`. Returns its size in bytes."""
    if os.path.exists(out_path):
        raise InvalidInput(f"{out_path} 已存在, 不会覆盖; 换一个文件名")
    target = sqlite3.connect(out_path)
    try:
        db.conn.backup(target, pages=1024)
        verdict = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
    if verdict != "ok":
        os.remove(out_path)
        raise MonitorError(f"备份校验失败 ({verdict}), 已删除 {out_path}")
    return os.path.getsize(out_path)


def integrity(db: sqlite_utils.Database) -> str:
    """`ok`, or SQLite's first complaint."""
    return one(db, "PRAGMA integrity_check")["integrity_check"]


def pending_migrations(db: sqlite_utils.Database) -> list[str]:
    return [name for name, _ in MIGRATIONS if name not in _applied(db)]


def tidy(db: sqlite_utils.Database, vacuum: bool = False) -> None:
    """Let SQLite refresh its statistics, fold the WAL back into the file and, on request, give freed
    pages back to the disk (VACUUM rewrites the whole file: run it when nobody is busy)."""
    db.execute("PRAGMA optimize")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if vacuum:
        db.execute("VACUUM")
