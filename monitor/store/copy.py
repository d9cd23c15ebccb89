"""Copy a whole database into another, empty one (`monitor migrate-db`: an installation moving from its
SQLite file to PostgreSQL), and prove the copy: every table's row count and a SHA-256 over its rows, read
back from both sides in primary-key order. The one store module that writes every table: it moves rows
as they are and decides nothing. Ids are kept (notices, links and the audit trail name them), PostgreSQL's
id sequences continue after the largest, and the full-text index is built anew on the target."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import sqlite_utils

from ..errors import InvalidInput
from . import pairs_index, pg_schema
from .db import is_pg, one, rows, transaction

BATCH = 2000
TABLES = tuple(t for t in re.findall(r'create table "(\w+)"', pg_schema.BASELINE) if t != "posts_pairs")
SKIPPED = {"issue_warnings": {"rowid"}}       # PostgreSQL numbers these itself, in the copied order


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sha256 == self.target_sha256


def _columns(db: sqlite_utils.Database, table: str) -> list[str]:
    if is_pg(db):
        found = rows(db, "select column_name as name from information_schema.columns where table_schema = "
                         "current_schema() and table_name = ? order by ordinal_position", [table])
    else:
        found = rows(db, f"select name from pragma_table_info('{table}')")
    return [r["name"] for r in found if r["name"] not in SKIPPED.get(table, set())]


def _key(db: sqlite_utils.Database, table: str) -> list[str]:
    """The primary key's columns (SQLite's view of the schema: both engines have the same keys)."""
    found = rows(db, f"select name, pk from pragma_table_info('{table}') where pk > 0 order by pk")
    return [r["name"] for r in found]


def _plain(value):
    """One value as both engines give it back: whole floats as ints (SQLite keeps 0 in a REAL column as
    an integer), bytes as hex."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def _batches(db: sqlite_utils.Database, table: str, columns: list[str], key: list[str]):
    """The table's rows (as lists of `columns`) in `key` order, read a batch at a time from the last key on."""
    extra = [k for k in key if k not in columns]
    select = ", ".join(f'"{c}"' if c != "rowid" else c for c in [*columns, *extra])
    order = ", ".join(f'"{k}"' if k != "rowid" else k for k in key)
    at = [(columns + extra).index(k) for k in key]
    after = None
    while True:
        where = f"where ({order}) > ({', '.join('?' * len(key))}) " if after is not None else ""
        batch = db.conn.execute(f'select {select} from "{table}" {where}order by {order} limit {BATCH}',
                                after or []).fetchall()
        if batch:
            yield [list(r[:len(columns)]) for r in batch]
        if len(batch) < BATCH:
            return
        after = [batch[-1][i] for i in at]


def _digest(db: sqlite_utils.Database, table: str, columns: list[str], key: list[str]) -> tuple[int, str]:
    h, n = hashlib.sha256(), 0
    for batch in _batches(db, table, columns, key):
        for r in batch:
            h.update(json.dumps([_plain(v) for v in r], ensure_ascii=False, default=str).encode())
            h.update(b"\n")
        n += len(batch)
    return n, h.hexdigest()


def copy(source: sqlite_utils.Database, target: sqlite_utils.Database) -> list[TableCopy]:
    """Copy every table of `source` (a SQLite database) into `target` (empty), in one transaction on the
    target (holding the unit's write lock: no daemon writes meanwhile), then compare both sides."""
    if is_pg(source):
        raise InvalidInput("只能从 SQLite 数据库迁出 (PostgreSQL 之间请用 pg_dump / pg_restore)")
    filled = [t for t in ("posts", "issues", "sources", "users") if one(target, f'select 1 as x from "{t}" limit 1')]
    if filled:
        raise InvalidInput(f"目标数据库不是空的 (已有 {', '.join(filled)} 的数据): 只能迁入一个新的库或 schema")
    source.conn.execute("begin")                  # one snapshot of the file, whatever its daemon does meanwhile
    try:
        with transaction(target):
            for table in TABLES:
                _copy_table(source, target, table)
            pairs_index.rebuild(target)
        return [_compare(source, target, table) for table in TABLES]
    finally:
        source.conn.execute("commit")


def _copy_table(source, target, table: str) -> None:
    columns = [c for c in _columns(source, table) if c in set(_columns(target, table))]
    names = ", ".join(f'"{c}"' for c in columns)
    insert = f'insert into "{table}" ({names}) values ({", ".join("?" * len(columns))})'
    key = ["rowid"] if table in SKIPPED else _key(source, table)
    for batch in _batches(source, table, columns, key):
        target.conn.executemany(insert, batch)
    if "id" in columns and table in pg_schema.ID_TABLES and is_pg(target):
        target.execute(f"select setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) "
                       f'from "{table}"')


def _compare(source, target, table: str) -> TableCopy:
    columns = [c for c in _columns(source, table) if c in set(_columns(target, table))]
    key = _key(source, table)
    n_source, sha_source = _digest(source, table, columns, key)
    n_target, sha_target = _digest(target, table, columns, key)
    return TableCopy(table, n_source, n_target, sha_source, sha_target)
