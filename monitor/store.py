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
from .scoring import MemberPost, score_issue
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
                         etag: str | None, last_modified: str | None) -> dict:
    before = source_row(db, source_id) or {}
    db["sources"].update(source_id, {
        "status": "ok", "last_attempt_at": to_iso(at), "last_success_at": to_iso(at),
        "consecutive_failures": 0, "items_last_pass": items, "bytes_last_pass": nbytes,
        "etag": etag, "last_modified": last_modified,
    })
    return before


BROKEN_AFTER = 3   # consecutive failures


def record_fetch_failure(db, source_id: str, at: datetime, reason: str) -> dict:
    before = source_row(db, source_id) or {}
    failures = (before.get("consecutive_failures") or 0) + 1
    db["sources"].update(source_id, {
        "status": "broken" if failures >= BROKEN_AFTER else "failing",
        "last_attempt_at": to_iso(at), "last_error_at": to_iso(at), "last_error": reason,
        "consecutive_failures": failures, "items_last_pass": 0, "bytes_last_pass": 0,
    })
    return before


class Lookups:
    """Read-only questions the stages ask of storage during a pass."""

    def __init__(self, db: sqlite_utils.Database, now: datetime, window_days: int = 7, tz=None):
        self.db = db
        self.tz = tz
        self.since = to_iso(now - timedelta(days=window_days))

    def known_url(self, url: str) -> bool:
        return bool(list(self.db.query("select 1 from posts where canonical_url = ? limit 1", [url])))

    def post_with_hash(self, h: str) -> dict | None:
        rows = list(self.db.query("select id, issue_id, sentiment_label, sentiment_score from posts "
                                  "where content_hash = ? and duplicate_of is null order by id limit 1", [h]))
        return rows[0] if rows else None

    def kept_today(self, matched_rule: str, at: datetime) -> int:
        """Posts a rule kept on `at`'s local day (for rule caps)."""
        local = at.astimezone(self.tz)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return next(iter(self.db.query("select count(*) as n from posts where matched_rule = ? and seen_at >= ? "
                                       "and seen_at < ?", [matched_rule, to_iso(start),
                                                            to_iso(start + timedelta(days=1))])))["n"]

    def near_duplicate(self, fp: int) -> dict | None:
        """The closest stored original within NEAR_BITS, found through the four indexed bands."""
        b = bands(fp)
        rows = self.db.query("select id, issue_id, sentiment_label, sentiment_score, simhash from posts "
                             f"where ({' or '.join(f'sh{i} = ?' for i in range(len(b)))}) and duplicate_of is null",
                             list(b))
        best = min(((distance(fp, from_signed(r["simhash"])), r["id"], r) for r in rows if r["simhash"] is not None),
                   default=None, key=lambda x: (x[0], x[1]))
        return best[2] if best and best[0] <= NEAR_BITS else None

    def issue_index(self) -> IssueIndex:
        """Open issues with a post in the window, indexed for clustering."""
        index = IssueIndex()
        for r in self.db.query("select id, kind, signature from issues where status = 'open' and last_post_at >= ?",
                               [self.since]):
            index.put(r["id"], json.loads(r["signature"] or "{}"), r["kind"] or "opinion")
        return index


def store_candidate(db: sqlite_utils.Database, c: Candidate,
                    index: IssueIndex | None = None) -> tuple[int, int | None] | None:
    """Insert the post and its issue membership atomically. None if another writer got there first."""
    try:
        with transaction(db):
            if c.new_issue:
                issue_id = db["issues"].insert({
                    "title": c.title, "signature": "{}", "status": "open", "kind": c.tracked_kind or "opinion",
                    "first_seen_at": to_iso(c.seen_at), "last_post_at": to_iso(c.seen_at),
                }).last_pk
            else:
                issue_id = c.issue_id
            post_id = db["posts"].insert({
                "source_id": c.source_id, "url": c.raw.link, "canonical_url": c.canonical_url,
                "guid": c.raw.guid, "content_hash": c.content_hash, "title": c.title, "body": c.body,
                "published_at": to_iso(c.published_at),
                "published_precision": c.published_precision.value if c.published_precision else None,
                "seen_at": to_iso(c.seen_at), "sentiment_label": c.sentiment_label,
                "sentiment_score": c.sentiment_score, "matched_rule": c.matched_rule,
                "own": int(c.own), "authority": c.authority, "issue_id": issue_id, "duplicate_of": c.duplicate_of,
                "near_duplicate": int(c.near_duplicate),
                "simhash": to_signed(c.simhash) if c.simhash is not None else None,
                **({f"sh{i}": v for i, v in enumerate(bands(c.simhash))} if c.simhash is not None else {}),
            }).last_pk
            if issue_id is None:            # an own-channel post about no open issue
                return post_id, None
            db["issue_posts"].insert({"post_id": post_id, "issue_id": issue_id,
                                      "added_at": to_iso(c.seen_at), "similarity": c.similarity})
            if c.signature:
                row = db["issues"].get(issue_id)
                merged = merge(json.loads(row["signature"] or "{}"), c.signature)
                db["issues"].update(issue_id, {"signature": json.dumps(merged, ensure_ascii=False)})
                if index is not None:
                    index.put(issue_id, merged, row["kind"] or "opinion")
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
    members = list(db.query(
        "select source_id, authority, sentiment_label, sentiment_override, published_at, published_precision, "
        "seen_at, duplicate_of, own, engagement from posts where issue_id = ?", [issue_id]))
    if not members:
        return
    now = max(from_iso(m["seen_at"]) for m in members)
    # the agency's own posts are evidence of a response, not public opinion: they do not add heat
    score = score_issue([MemberPost(m["source_id"], m["authority"] or 1.0,
                                    (m["sentiment_override"] or m["sentiment_label"]) == "negative",
                                    from_iso(m["seen_at"]), m["engagement"] or 0)
                         for m in members if not m["own"]], now)
    row = issue_row(db, issue_id) or {}
    precise = [m for m in members if m["published_at"] and m["published_precision"] != "day"]
    first_pub = min(precise, key=lambda m: m["published_at"]) if precise else None
    db["issues"].update(issue_id, {
        "heat": score.heat, "negative_share": score.negative_share, "post_count": score.post_count,
        "source_count": score.source_count, "suggested_level": score.suggested_level,
        "repost_count": sum(1 for m in members if m["duplicate_of"] is not None),
        "suggested_reason": score.suggested_reason,
        "first_published_at": first_pub["published_at"] if first_pub else None,
        "first_published_precision": first_pub["published_precision"] if first_pub else None,
        "first_seen_at": min(m["seen_at"] for m in members),
        "last_post_at": max(m["seen_at"] for m in members),
        "heat_components": json.dumps(score.components),
        "burst_at": row.get("burst_at") or (to_iso(now) if score.burst else None),
    })


def issue_row(db: sqlite_utils.Database, issue_id: int) -> dict | None:
    rows = list(db.query("select * from issues where id = ?", [issue_id]))
    return rows[0] if rows else None


def parse_row_times(row: dict, *names: str) -> dict[str, datetime | None]:
    return {n: from_iso(row.get(n)) for n in names}
