"""Reads and writes of posts, issues, sources and the audit trail. All SQL lives here and in service/outbox."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from .clock import from_iso, to_iso
from .config import Config
from .models import Candidate
from .scoring import BASELINE, RECENT, IssueStats, score_stats
from .simhash import NEAR_BITS, bands, distance, from_signed, to_signed
from .stages.cluster import IssueIndex, merge
from .db import transaction


def record_action(db: sqlite_utils.Database, at: datetime, by: str, issue_id: int | None,
                  action: str, **detail: Any) -> int:
    return db["actions"].insert({
        "at": to_iso(at), "by": by, "issue_id": issue_id, "action": action,
        "detail": json.dumps(detail, ensure_ascii=False, default=str),
    }).last_pk


def sync_sources(db: sqlite_utils.Database, config: Config) -> None:
    with transaction(db):
        for s in config.sources:
            db["sources"].upsert({"id": s.id, "kind": s.kind, "url": s.url, "own": int(s.own)}, pk="id")


def source_row(db: sqlite_utils.Database, source_id: str) -> dict | None:
    rows = list(db.query("select * from sources where id = ?", [source_id]))
    return rows[0] if rows else None


def record_fetch_success(db, source_id: str, at: datetime, items: int, nbytes: int,
                         etag: str | None, last_modified: str | None, new_posts: int = 0) -> dict:
    before = source_row(db, source_id) or {}
    db["sources"].update(source_id, {
        "first_success_at": before.get("first_success_at") or to_iso(at),
        "last_new_at": to_iso(at) if new_posts else before.get("last_new_at"),
        "status": "ok", "last_attempt_at": to_iso(at), "last_success_at": to_iso(at),
        "consecutive_failures": 0, "items_last_pass": items, "bytes_last_pass": nbytes,
        "etag": etag, "last_modified": last_modified,
    })
    return before


BROKEN_AFTER = 3   # consecutive failures


def record_fetch_failure(db, source_id: str, at: datetime, reason: str, blocked: bool = False) -> dict:
    """A login/captcha page is broken at once; other failures after BROKEN_AFTER in a row."""
    before = source_row(db, source_id) or {}
    failures = (before.get("consecutive_failures") or 0) + 1
    db["sources"].update(source_id, {
        "status": "broken" if failures >= BROKEN_AFTER or blocked else "failing",
        "last_attempt_at": to_iso(at), "last_error_at": to_iso(at), "last_error": reason,
        "consecutive_failures": failures, "items_last_pass": 0, "bytes_last_pass": 0,
    })
    return before


def known_url(db, canonical: str) -> bool:
    return bool(_rows(db, "select 1 from posts where canonical_url = ? limit 1", [canonical]))


class Lookups:
    """Read-only questions the stages ask of storage during a pass."""

    def __init__(self, db: sqlite_utils.Database, now: datetime, window_days: int = 7, tz=None):
        self.db = db
        self.tz = tz
        self.since = to_iso(now - timedelta(days=window_days))

    def post_at_url(self, url: str) -> dict | None:
        rows = _rows(self.db, "select id, issue_id, content_hash from posts where canonical_url = ?", [url])
        return rows[0] if rows else None

    def post_with_hash(self, h: str) -> dict | None:
        rows = _rows(self.db, "select id, issue_id, sentiment_label, sentiment_score from posts "
                              "where content_hash = ? and duplicate_of is null order by id limit 1", [h])
        return rows[0] if rows else None

    def kept_today(self, matched_rule: str, at: datetime) -> int:
        """Posts a rule kept on `at`'s local day (for rule caps)."""
        local = at.astimezone(self.tz)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return _rows(self.db, "select count(*) as n from posts where matched_rule = ? and seen_at >= ? "
                     "and seen_at < ?", [matched_rule, to_iso(start), to_iso(start + timedelta(days=1))])[0]["n"]

    def near_duplicate(self, fp: int) -> dict | None:
        """The closest stored original within NEAR_BITS, found through the four indexed bands."""
        b = bands(fp)
        rows = _rows(self.db, "select id, issue_id, sentiment_label, sentiment_score, simhash from posts "
                     f"where ({' or '.join(f'sh{i} = ?' for i in range(len(b)))}) and duplicate_of is null", list(b))
        best = min(((distance(fp, from_signed(r["simhash"])), r["id"], r) for r in rows if r["simhash"] is not None),
                   default=None, key=lambda x: (x[0], x[1]))
        return best[2] if best and best[0] <= NEAR_BITS else None


class IndexSync:
    """Keeps an IssueIndex of open, recently active issues in step with the database across passes:
    new issues by id, and issues another process closed, merged, split or reopened by audit-trail id."""

    CHANGES = ("close", "merged_into", "merge", "split", "split_from", "reopen")

    def __init__(self):
        self.index = IssueIndex()
        self.max_issue_id = 0
        self.max_action_id = 0
        self.loaded = False

    def sync(self, db: sqlite_utils.Database, since_iso: str) -> IssueIndex:
        if not self.loaded:
            self.max_action_id = _rows(db, "select coalesce(max(id), 0) as m from actions")[0]["m"]
            self._load(db, "status = 'open' and last_post_at >= ?", [since_iso])
            self.loaded = True
            return self.index
        changed = _rows(db, f"select id, issue_id from actions where id > ? and action in "
                            f"({', '.join('?' * len(self.CHANGES))})", [self.max_action_id, *self.CHANGES])
        self.max_action_id = max([self.max_action_id, *(r["id"] for r in changed)])
        for issue_id in {r["issue_id"] for r in changed}:
            self.index.remove(issue_id)
            self._load(db, "id = ? and status = 'open'", [issue_id])
        fresh = [r["id"] for r in _rows(db, "select id from issues where id > ? and status = 'open'",
                                         [self.max_issue_id]) if r["id"] not in self.index.sigs]
        for chunk in range(0, len(fresh), 500):             # issues other processes opened
            ids = fresh[chunk:chunk + 500]
            self._load(db, f"id in ({', '.join('?' * len(ids))})", ids)
        self.max_issue_id = max([self.max_issue_id, *self.index.sigs])
        for r in _rows(db, "select id from issues where status = 'open' and last_post_at < ?", [since_iso]):
            self.index.remove(r["id"])                      # quiet for longer than the window
        return self.index

    def _load(self, db, where: str, params: list) -> None:
        for r in _rows(db, f"select id, kind, signature from issues where {where}", params):
            self.index.put(r["id"], json.loads(r["signature"] or "{}"), r["kind"] or "opinion")
            self.max_issue_id = max(self.max_issue_id, r["id"])


def _rows(db, sql: str, params=()) -> list[dict]:
    """Plain SELECT for the hot path (sqlite-utils' query() wraps each read in a savepoint)."""
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _insert(db, table: str, row: dict) -> int:
    """Plain INSERT: the hot path skips sqlite-utils' per-call table introspection."""
    cur = db.execute(f"insert into {table} ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values()))
    return cur.lastrowid


def _update(db, table: str, row_id, changes: dict) -> None:
    db.execute(f"update {table} set {', '.join(f'{k} = ?' for k in changes)} where id = ?", [*changes.values(), row_id])


def update_edited(db: sqlite_utils.Database, c: Candidate) -> int | None:
    """The item at a known URL changed: keep the old text as a version, update the post in place."""
    old = _rows(db, "select id, title, body, content_hash, issue_id from posts where id = ?", [c.edit_of])[0]
    with transaction(db):
        _insert(db, "post_versions", {"post_id": old["id"], "title": old["title"], "body": old["body"],
                                      "content_hash": old["content_hash"], "replaced_at": to_iso(c.seen_at)})
        _update(db, "posts", old["id"], {"title": c.title, "body": c.body, "content_hash": c.content_hash,
                                         "sentiment_label": c.sentiment_label, "sentiment_score": c.sentiment_score})
    return old["issue_id"]


def store_candidate(db: sqlite_utils.Database, c: Candidate, index: IssueIndex | None = None,
                    refresh: bool = True) -> tuple[int, int | None] | None:
    """Insert the post and its issue membership atomically. None if another writer got there first.
    With refresh=False the caller refreshes the issue's figures itself (once per pass)."""
    try:
        with transaction(db):
            if c.new_issue:
                issue_id = _insert(db, "issues", {
                    "title": c.title, "signature": "{}", "status": "open", "kind": c.tracked_kind or "opinion",
                    "first_seen_at": to_iso(c.seen_at), "last_post_at": to_iso(c.seen_at),
                })
            else:
                issue_id = c.issue_id
            post_id = _insert(db, "posts", {
                "source_id": c.source_id, "url": c.raw.link, "canonical_url": c.canonical_url,
                "guid": c.raw.guid, "content_hash": c.content_hash, "title": c.title, "body": c.body,
                "published_at": to_iso(c.published_at),
                "published_precision": c.published_precision.value if c.published_precision else None,
                "seen_at": to_iso(c.seen_at), "sentiment_label": c.sentiment_label,
                "sentiment_score": c.sentiment_score, "matched_rule": c.matched_rule,
                "own": int(c.own), "authority": c.authority, "issue_id": issue_id, "duplicate_of": c.duplicate_of,
                "near_duplicate": int(c.near_duplicate), "published_clamped": int(c.published_clamped),
                "simhash": to_signed(c.simhash) if c.simhash is not None else None,
                **({f"sh{i}": v for i, v in enumerate(bands(c.simhash))} if c.simhash is not None else {}),
            })
            if issue_id is None:            # an own-channel post about no open issue
                return post_id, None
            _insert(db, "issue_posts", {"post_id": post_id, "issue_id": issue_id,
                                        "added_at": to_iso(c.seen_at), "similarity": c.similarity})
            if c.signature:
                if index is not None and issue_id in index.sigs:
                    base, kind = index.sigs[issue_id], index.kinds[issue_id]
                else:
                    row = issue_row(db, issue_id)
                    base, kind = json.loads(row["signature"] or "{}"), row["kind"] or "opinion"
                merged = merge(base, c.signature)
                _update(db, "issues", issue_id, {"signature": json.dumps(merged, ensure_ascii=False)})
                if index is not None:
                    index.put(issue_id, merged, kind)
            if refresh:
                refresh_issue(db, issue_id)
    except sqlite3.IntegrityError:
        return None
    return post_id, issue_id


ANSWERED_BY_OWN_POST = ("release", "update", "response", "repost")


def note_own_post(db: sqlite_utils.Database, issue_id: int, post_id: int, now: datetime) -> int | None:
    """An own-channel post joined an issue whose answer is due: record a detected release to confirm."""
    rows = list(db.query(f"select id, kind from deadlines where issue_id = ? and status = 'open' and kind in "
                         f"({', '.join('?' * len(ANSWERED_BY_OWN_POST))}) order by due_at limit 1",
                         [issue_id, *ANSWERED_BY_OWN_POST]))
    if not rows:
        return None
    return record_action(db, now, "system", issue_id, "release_detected", post_id=post_id,
                         deadline_id=rows[0]["id"], kind=rows[0]["kind"])


def refresh_issue(db: sqlite_utils.Database, issue_id: int) -> None:
    """Recompute one issue's figures from its members (only the touched issue: incremental)."""
    span = _rows(db, "select count(*) as n, min(seen_at) as first_seen, max(seen_at) as last_seen, "
                 "sum(duplicate_of is not null) as reposts from posts where issue_id = ?", [issue_id])[0]
    if not span["n"]:
        return
    now = from_iso(span["last_seen"])
    hour = timedelta(hours=1)
    bounds = [to_iso(t) for t in (now, now - RECENT, now - RECENT - BASELINE, now - hour, now - hour - BASELINE)]
    negative = "coalesce(sentiment_override, sentiment_label) = 'negative'"
    # the agency's own posts are evidence of a response, not public opinion: they do not add heat
    a = _rows(db,
        f"select count(*) as posts, count(distinct source_id) as sources, coalesce(sum({negative}), 0) as negative, "
        f"coalesce(sum(coalesce(authority, 1.0)), 0) as authority, "
        f"coalesce(sum(case when {negative} then coalesce(authority, 1.0) else 0 end), 0) as negative_authority, "
        f"coalesce(sum(engagement), 0) as engagement, "
        f"coalesce(sum(seen_at > :r and seen_at <= :now), 0) as recent, "
        f"coalesce(sum(seen_at > :b and seen_at <= :r), 0) as before_recent, "
        f"coalesce(sum(seen_at > :h and seen_at <= :now), 0) as last_hour, "
        f"coalesce(sum(seen_at > :hb and seen_at <= :h), 0) as before_last_hour "
        f"from posts where issue_id = :issue and own = 0",
        {"issue": issue_id, "now": bounds[0], "r": bounds[1], "b": bounds[2], "h": bounds[3], "hb": bounds[4]})[0]
    score = score_stats(IssueStats(**a))
    first_pub = next(iter(_rows(
        db, "select published_at, published_precision from posts where issue_id = ? and published_at is not null "
        "and published_precision != 'day' order by published_at limit 1", [issue_id])), None)
    burst_at = _rows(db, "select burst_at from issues where id = ?", [issue_id])[0]["burst_at"]
    _update(db, "issues", issue_id, {
        "heat": score.heat, "negative_share": score.negative_share, "post_count": score.post_count,
        "source_count": score.source_count, "suggested_level": score.suggested_level,
        "repost_count": span["reposts"],
        "suggested_reason": score.suggested_reason,
        "first_published_at": first_pub["published_at"] if first_pub else None,
        "first_published_precision": first_pub["published_precision"] if first_pub else None,
        "first_seen_at": span["first_seen"],
        "last_post_at": span["last_seen"],
        "heat_components": json.dumps(score.components),
        "burst_at": burst_at or (to_iso(now) if score.burst else None),
    })


def issue_row(db: sqlite_utils.Database, issue_id: int) -> dict | None:
    rows = list(db.query("select * from issues where id = ?", [issue_id]))
    return rows[0] if rows else None
