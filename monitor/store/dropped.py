"""`dropped_items`: what relevance turned away over the last week (title and text as listed), so that
方案管理 can show what a keyword change would have added. Kept KEEP_DAYS, pruned by maintenance."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from ..clock import to_iso
from .db import rows

KEEP = timedelta(days=7)
TEXT_CHARS = 2000       # what relevance reads of an item: its title and the start of its text


def remember(db: sqlite_utils.Database, url: str, source_id: str, title: str, text: str, seen_at: datetime,
             why: str) -> None:
    db.execute("insert into dropped_items (url, source_id, title, text, seen_at, why) values (?, ?, ?, ?, ?, ?) "
               "on conflict(url) do nothing", [url, source_id, title[:500], text[:TEXT_CHARS], to_iso(seen_at), why])


def since(db: sqlite_utils.Database, since_at: datetime) -> list[dict]:
    return rows(db, "select * from dropped_items where seen_at >= ? order by seen_at desc", [to_iso(since_at)])


def prune(db: sqlite_utils.Database, now: datetime) -> int:
    return db.execute("delete from dropped_items where seen_at < ?", [to_iso(now - KEEP)]).rowcount
