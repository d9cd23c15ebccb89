"""The `snapshots` and `post_checks` tables (证据固定): what was fetched for a post kept in an issue, stored
compressed with the sha256 of what arrived, and whether the post was still there when last re-checked."""
from __future__ import annotations

import hashlib
import zlib
from datetime import datetime

import sqlite_utils

from ..clock import to_iso
from .db import MAX_ID, marks, one, rows


def keep(db: sqlite_utils.Database, post_id: int, kind: str, url: str, fetched_at: datetime, content: bytes,
         content_type: str) -> bool:
    """Store one snapshot (once per post and kind: the first fetch is the evidence). A listed item (a
    small JSON, one per post in an issue) is compressed fast; a fetched page harder."""
    cur = db.execute("insert into snapshots (post_id, kind, url, fetched_at, sha256, content_type, size, "
                     "body) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
                     [post_id, kind, url, to_iso(fetched_at), hashlib.sha256(content).hexdigest(), content_type,
                      len(content), zlib.compress(content, 1 if kind == "item" else 6)])
    return cur.rowcount == 1


def of_issue(db: sqlite_utils.Database, issue_id: int) -> dict[int, dict]:
    """Per post of the issue: its snapshots (without bodies) and its last check."""
    out: dict[int, dict] = {}
    for s in rows(db, "select s.id, s.post_id, s.kind, s.url, s.fetched_at, s.sha256, s.content_type, s.size "
                      "from snapshots s join posts p on p.id = s.post_id where p.issue_id = ? order by s.id",
                  [issue_id]):
        out.setdefault(s["post_id"], {"snapshots": []})["snapshots"].append(s)
    for c in rows(db, "select c.* from post_checks c join posts p on p.id = c.post_id where p.issue_id = ?",
                  [issue_id]):
        out.setdefault(c["post_id"], {"snapshots": []}).update(
            {k: c[k] for k in ("checked_at", "state", "status", "reason", "gone_at")})
    return out


def snapshot(db: sqlite_utils.Database, snapshot_id: int) -> dict | None:
    """One snapshot with its body as fetched (decompressed)."""
    if not 0 < snapshot_id <= MAX_ID:
        return None
    row = one(db, "select s.*, p.issue_id, p.title from snapshots s join posts p on p.id = s.post_id "
                  "where s.id = ?", [snapshot_id])
    if row is not None:
        row["body"] = zlib.decompress(row["body"])
    return row


def due_for_check(db: sqlite_utils.Database, checked_before: datetime, limit: int) -> list[dict]:
    """Posts of open issues that are not known to be gone and were not checked since `checked_before`:
    never-checked first, then the longest unchecked."""
    return rows(db, "select p.id, p.url, p.source_id, p.issue_id, c.checked_at from posts p "
                    "join issues i on i.id = p.issue_id left join post_checks c on c.post_id = p.id "
                    "where i.status = 'open' and p.own = 0 and coalesce(c.state, '') != 'gone' "
                    "and (c.checked_at is null or c.checked_at < ?) order by c.checked_at is not null, c.checked_at, "
                    "p.id limit ?", [to_iso(checked_before), limit])


def record_check(db: sqlite_utils.Database, post_id: int, at: datetime, state: str, status: int | None,
                 reason: str) -> bool:
    """Record a re-check; returns True when this check is the one that found the post gone."""
    before = one(db, "select state, gone_at from post_checks where post_id = ?", [post_id])
    gone_at = (before or {}).get("gone_at") or (to_iso(at) if state == "gone" else None)
    db.execute("insert into post_checks (post_id, checked_at, state, status, reason, gone_at) "
               "values (?, ?, ?, ?, ?, ?) on conflict(post_id) do update set checked_at = excluded.checked_at, "
               "state = excluded.state, status = excluded.status, reason = excluded.reason, gone_at = excluded.gone_at",
               [post_id, to_iso(at), state, status, reason, gone_at])
    return state == "gone" and not (before or {}).get("gone_at")


def gone(db: sqlite_utils.Database, issue_ids: list[int]) -> dict[int, int]:
    """How many posts of each issue are known to be gone."""
    return {r["issue_id"]: r["n"] for r in rows(
        db, f"select p.issue_id, count(*) as n from post_checks c join posts p on p.id = c.post_id "
            f"where c.gone_at is not null and p.issue_id in ({marks(issue_ids)}) group by p.issue_id", issue_ids)}


def prune(db: sqlite_utils.Database, closed_before: datetime) -> int:
    """Drop the snapshots of issues closed before `closed_before` (the retention setting); the posts,
    their checks and the issue's record stay."""
    cur = db.execute("delete from snapshots where post_id in (select p.id from posts p join issues i on "
                     "i.id = p.issue_id where i.status = 'closed' and i.closed_at < ?)", [to_iso(closed_before)])
    return cur.rowcount
