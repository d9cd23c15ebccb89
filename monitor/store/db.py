"""Open the database (a SQLite file in WAL mode, or PostgreSQL by a postgresql:// address: store/pg.py),
run write transactions, apply named migrations under the write lock.

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
from . import pairs, pg, pg_schema
from .migrations import MIGRATIONS

log = logging.getLogger(__name__)


# what a failing database raises, whichever the engine
DatabaseError: tuple[type[Exception], ...] = (sqlite3.Error,) + ((pg.psycopg.Error,) if pg.psycopg else ())
IntegrityError: tuple[type[Exception], ...] = (sqlite3.IntegrityError,) + ((pg.psycopg.IntegrityError,) if pg.psycopg else ())
BusyError: tuple[type[Exception], ...] = (sqlite3.OperationalError,) + ((pg.psycopg.errors.LockNotAvailable,) if pg.psycopg else ())


def is_pg(db) -> bool:
    return getattr(db, "is_pg", False)


def open_db(path: str, create: bool = True, shared: bool = False) -> sqlite_utils.Database:
    """The database at `path` (a file, or a postgresql:// address), migrated. With create=False a missing
    file is an error (read-only commands must not leave an empty database behind and report that all is well).
    `shared`: on PostgreSQL, through the thread's one session to that server (a process serving many units);
    a SQLite file always has its own connection."""
    path = str(path)
    if pg.is_url(path):
        db = pg.Database(path, shared=shared)
        migrate(db)
        return db
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
    if is_pg(db):
        db.conn.begin_write()
    else:
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
    if is_pg(db):
        found = rows(db, "select 1 from information_schema.tables where table_schema = current_schema() "
                         "and table_name = 'migrations'")
    else:
        found = rows(db, "select 1 from sqlite_master where type = 'table' and name = 'migrations'")
    if not found:
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
            if is_pg(db):
                pg_schema.apply(db, name)
            else:
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
    """Plain INSERT; the new rowid, or None when `or_ignore` ignored it (a row with that key exists)."""
    sql = f"insert into {table} ({', '.join(row)}) values ({', '.join('?' * len(row))})"
    if or_ignore:
        sql += " on conflict do nothing"
    if is_pg(db):
        found = db.conn.execute(sql + (" returning id" if table in pg_schema.ID_TABLES else ""), list(row.values()))
        return (found.fetchone() or [None])[0] if table in pg_schema.ID_TABLES else (1 if found.rowcount else None)
    cur = db.conn.execute(sql, list(row.values()))
    return cur.lastrowid if cur.rowcount else None


def update(db: sqlite_utils.Database, table: str, row_id: Any, changes: dict, key: str = "id") -> int:
    cur = db.conn.execute(f"update {table} set {', '.join(f'{k} = ?' for k in changes)} where {key} = ?",
                          [*changes.values(), row_id])
    return cur.rowcount


def change_stamp(db: sqlite_utils.Database) -> tuple[int, int, int]:
    """Changes whenever anything was committed to the database since this connection last asked, by this
    connection (total_changes) or any other, in any process (PRAGMA data_version): a cache key for pages.
    On PostgreSQL the snapshot's text changes whenever a write transaction starts or ends anywhere."""
    if is_pg(db):
        return id(db.conn), db.conn.execute("select pg_current_snapshot()::text").fetchone()[0], db.conn.total_changes
    return id(db.conn), db.conn.execute("pragma data_version").fetchone()[0], db.conn.total_changes


def flag(condition: str) -> str:
    """1 where `condition` holds, else 0, in SQL both engines accept (PostgreSQL cannot sum a boolean)."""
    return f"(case when {condition} then 1 else 0 end)"


def marks(values) -> str:
    """`?, ?, ?` for an IN list."""
    return ", ".join("?" * len(values))


def backup(db: sqlite_utils.Database, out_path: str) -> int:
    """A consistent copy of the live database (SQLite's online backup: other processes keep reading
    and writing meanwhile), checked with `PRAGMA integrity_check`. Returns its size in bytes."""
    if is_pg(db):
        raise InvalidInput("PostgreSQL 数据库请用 pg_dump 备份 (见 README 的服务器部署一节)")
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
    """`ok`, or SQLite's first complaint (PostgreSQL checks its pages itself: `ok` once it answers)."""
    if is_pg(db):
        return "ok" if one(db, "select 1 as x") else "无应答"
    return one(db, "PRAGMA integrity_check")["integrity_check"]


def pending_migrations(db: sqlite_utils.Database) -> list[str]:
    return [name for name, _ in MIGRATIONS if name not in _applied(db)]


def tidy(db: sqlite_utils.Database, vacuum: bool = False) -> None:
    """Let SQLite refresh its statistics, fold the WAL back into the file and, on request, give freed
    pages back to the disk (VACUUM rewrites the whole file: run it when nobody is busy).
    PostgreSQL: ANALYZE, and VACUUM on request (autovacuum does the rest)."""
    if is_pg(db):
        db.execute("vacuum analyze" if vacuum else "analyze")
        return
    db.execute("PRAGMA optimize")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if vacuum:
        db.execute("VACUUM")
