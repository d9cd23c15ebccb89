"""People who log in to the console, their failed logins (for rate limiting) and the console's
session-signing secret. Only hashes of passwords are stored; hashing is the caller's (desk.people)."""
from __future__ import annotations

import secrets as token
from datetime import datetime

import sqlite_utils

from ..clock import to_iso
from .db import insert, one, rows, transaction


def add(db: sqlite_utils.Database, name: str, role: str, password_hash: str, at: datetime, by: str) -> bool:
    """False when the name is taken."""
    with transaction(db):
        if one(db, "select 1 from users where name = ?", [name]):
            return False
        insert(db, "users", {"name": name, "role": role, "password_hash": password_hash, "disabled": 0,
                             "created_at": to_iso(at), "created_by": by})
    return True


def get(db: sqlite_utils.Database, name: str) -> dict | None:
    return one(db, "select * from users where name = ?", [name])


def listed(db: sqlite_utils.Database) -> list[dict]:
    return rows(db, "select name, role, disabled, created_at, created_by, last_login_at from users order by name")


def set_disabled(db: sqlite_utils.Database, name: str, disabled: bool) -> int:
    return db.execute("update users set disabled = ? where name = ?", [int(disabled), name]).rowcount


def set_password(db: sqlite_utils.Database, name: str, password_hash: str) -> int:
    """A new password; every session of the user ends."""
    return db.execute("update users set password_hash = ?, session_gen = coalesce(session_gen, 0) + 1 "
                      "where name = ?", [password_hash, name]).rowcount


def end_sessions(db: sqlite_utils.Database, name: str) -> None:
    db.execute("update users set session_gen = coalesce(session_gen, 0) + 1 where name = ?", [name])


def record_attempt(db: sqlite_utils.Database, name: str, remote: str, at: datetime, ok: bool) -> None:
    with transaction(db):
        insert(db, "login_attempts", {"name": name, "remote": remote, "at": to_iso(at), "ok": int(ok)})
        if ok:
            db.execute("update users set last_login_at = ? where name = ?", [to_iso(at), name])


def failures_since(db: sqlite_utils.Database, name: str, remote: str, since: datetime) -> tuple[int, int]:
    """Failed logins since `since` for this name, and from this address (any name)."""
    by_name = one(db, "select count(*) n from login_attempts where name = ? and at >= ? and ok = 0",
                  [name, to_iso(since)])["n"]
    by_remote = one(db, "select count(*) n from login_attempts where remote = ? and at >= ? and ok = 0",
                    [remote, to_iso(since)])["n"]
    return by_name, by_remote


def secret(db: sqlite_utils.Database, name: str = "session") -> str:
    """A random secret made once and kept (sessions survive a restart of the console)."""
    with transaction(db):
        row = one(db, "select value from secrets where name = ?", [name])
        if row:
            return row["value"]
        value = token.token_hex(32)
        insert(db, "secrets", {"name": name, "value": value})
        return value


def forget_attempts(db: sqlite_utils.Database, before: datetime) -> int:
    """Login attempts older than `before` (only the last 15 minutes count for rate limits)."""
    return db.execute("delete from login_attempts where at < ?", [to_iso(before)]).rowcount
