"""The `sources` table: each configured source with its fetch state and health bookkeeping."""
from __future__ import annotations

import json
from datetime import datetime

import sqlite3

import sqlite_utils

from ..clock import from_iso, to_iso
from ..config.schema import Config
from ..judge.health import LEARN_WINDOW, SourceRecord, SourceState, after_failure
from .db import one, rows, transaction, update

MAX_NEW_TIMES = 2000      # a busy source's rhythm is learnt from its latest new lists


def sync(db: sqlite_utils.Database, config: Config) -> None:
    with transaction(db):
        for s in config.sources:
            db.execute("insert into sources (id, kind, url, own) values (?, ?, ?, ?) on conflict(id) do update "
                       "set kind = excluded.kind, url = excluded.url, own = excluded.own",
                       [s.id, s.kind, s.url, int(s.own)])


def _times(text: str | None) -> tuple:
    try:
        return tuple(t for t in map(from_iso, json.loads(text or "[]")) if t is not None)
    except (ValueError, TypeError):
        return ()


def _record(r: dict) -> SourceRecord:
    return SourceRecord(
        id=r["id"], url=r["url"], status=SourceState(r["status"] or SourceState.UNKNOWN),
        last_attempt_at=from_iso(r["last_attempt_at"]), last_success_at=from_iso(r["last_success_at"]),
        first_success_at=from_iso(r["first_success_at"]), last_new_at=from_iso(r["last_new_at"]),
        last_error_at=from_iso(r["last_error_at"]), last_error=r["last_error"],
        consecutive_failures=r["consecutive_failures"] or 0, items_last_pass=r["items_last_pass"],
        bytes_last_pass=r["bytes_last_pass"], etag=r["etag"], last_modified=r["last_modified"],
        items_digest=r["items_digest"], new_times=_times(r["new_times"]), notified_state=r["notified_state"],
        state_changes=r["state_changes"] or 0)


def by_id(db: sqlite_utils.Database) -> dict[str, SourceRecord]:
    """Every source's record in one read (the sources page, the board, the tick's health check)."""
    return {r["id"]: _record(r) for r in rows(db, "select * from sources")}


def get(db: sqlite_utils.Database, source_id: str) -> SourceRecord:
    """The source's record; `SourceRecord.unseen` for one never stored."""
    r = one(db, "select * from sources where id = ?", [source_id])
    return _record(r) if r else SourceRecord.unseen(source_id)


def record_success(db: sqlite_utils.Database, source_id: str, at: datetime, items: int, nbytes: int,
                   etag: str | None, last_modified: str | None, new_posts: int = 0,
                   items_digest: str | None = None) -> SourceRecord:
    """A pass worked. It brought something new when it stored posts or when the source's list changed
    (`items_digest`, None for an unchanged 304), relevant or not."""
    before = get(db, source_id)
    changed = items_digest is not None and items_digest != before.items_digest
    fresh = bool(new_posts or changed)
    kept = [t for t in before.new_times if at - t <= LEARN_WINDOW] + ([at] if fresh else [])
    update(db, "sources", source_id, {
        **({"new_times": json.dumps([to_iso(t) for t in kept[-MAX_NEW_TIMES:]])} if fresh else {}),
        "first_success_at": to_iso(before.first_success_at or at),
        "last_new_at": to_iso(at if fresh else before.last_new_at),
        "items_digest": items_digest or before.items_digest,
        "status": "ok", "last_attempt_at": to_iso(at), "last_success_at": to_iso(at),
        "consecutive_failures": 0, "items_last_pass": items, "bytes_last_pass": nbytes,
        "etag": etag, "last_modified": last_modified,
        "last_error": None,             # recovered: the error is history (last_error_at keeps when it was)
    })
    return before


def record_failure(db: sqlite_utils.Database, source_id: str, at: datetime, reason: str,
                   blocked: bool = False) -> SourceRecord:
    before = get(db, source_id)
    failures = before.consecutive_failures + 1
    update(db, "sources", source_id, {
        "status": str(after_failure(failures, blocked)),
        "last_attempt_at": to_iso(at), "last_error_at": to_iso(at), "last_error": reason,
        "consecutive_failures": failures, "items_last_pass": 0, "bytes_last_pass": 0,
    })
    return before


def set_notified(db: sqlite_utils.Database, source_id: str, state: str, changes: int) -> None:
    update(db, "sources", source_id, {"notified_state": state, "state_changes": changes})


def failing(db: sqlite_utils.Database) -> list[SourceRecord]:
    return [_record(r) for r in rows(db, "select * from sources where status in ('broken', 'failing') order by id")]


def ids_in_file(path: str) -> set[str]:
    """The source ids a database file holds, read without migrating it (empty if it is not one of ours)."""
    try:
        con = sqlite3.connect(path)
        try:
            return {r[0] for r in con.execute("select id from sources")}
        finally:
            con.close()
    except sqlite3.Error:
        return set()
