"""Named schema migrations, applied in order at start. Append only; never edit a shipped one."""
from __future__ import annotations

import json
import re
from typing import Callable

import sqlite_utils

from . import later_migrations
from .later_migrations import _indexed


def m0001_initial(db: sqlite_utils.Database) -> None:
    db["sources"].create({
        "id": str, "kind": str, "url": str, "own": int, "status": str,
        "last_attempt_at": str, "last_success_at": str, "last_error_at": str, "last_error": str,
        "consecutive_failures": int, "items_last_pass": int, "bytes_last_pass": int,
        "etag": str, "last_modified": str,
    }, pk="id", defaults={"status": "unknown", "consecutive_failures": 0})
    db["issues"].create({
        "id": int, "title": str, "keywords": str, "signature": str, "status": str,
        "level": str, "suggested_level": str, "suggested_reason": str,
        "heat": float, "negative_share": float, "post_count": int, "source_count": int, "repost_count": int,
        "first_published_at": str, "first_published_precision": str, "first_seen_at": str,
        "last_post_at": str, "declared_at": str, "declared_by": str,
        "acked_at": str, "acked_by": str, "closed_at": str, "closed_by": str, "close_reason": str,
    }, pk="id", defaults={"status": "open", "post_count": 0, "source_count": 0, "heat": 0.0,
                          "negative_share": 0.0})
    db["posts"].create({
        "id": int, "source_id": str, "url": str, "canonical_url": str, "guid": str,
        "content_hash": str, "title": str, "body": str, "published_at": str,
        "published_precision": str, "seen_at": str, "sentiment_label": str,
        "sentiment_score": float, "matched_rule": str, "own": int, "authority": float,
        "issue_id": int, "duplicate_of": int,
    }, pk="id", foreign_keys=[("source_id", "sources", "id"), ("issue_id", "issues", "id")])
    db["posts"].create_index(["canonical_url"], unique=True)
    db["posts"].create_index(["content_hash"])
    db["posts"].create_index(["issue_id"])
    db["issue_posts"].create({"post_id": int, "issue_id": int, "added_at": str, "similarity": float},
                             pk="post_id", foreign_keys=[("post_id", "posts", "id"), ("issue_id", "issues", "id")])
    db["issue_posts"].create_index(["issue_id"])
    db["deadlines"].create({
        "id": int, "issue_id": int, "kind": str, "basis": str, "start_basis": str,
        "started_at": str, "due_at": str, "status": str, "met_at": str, "evidence_url": str,
        "created_at": str,
    }, pk="id", foreign_keys=[("issue_id", "issues", "id")], defaults={"status": "open"})
    db["deadlines"].create_index(["issue_id", "kind"], unique=True)
    db["notifications"].create({
        "id": int, "key": str, "issue_id": int, "deadline_id": int, "stage": str, "role": str,
        "recipients": str, "subject": str, "body": str, "fire_at": str, "created_at": str,
        "status": str, "attempts": int, "last_error": str, "next_attempt_at": str,
        "sent_at": str, "late": int, "message_id": str,
    }, pk="id", defaults={"status": "pending", "attempts": 0, "late": 0})
    db["notifications"].create_index(["key"], unique=True)
    db["notifications"].create_index(["status"])
    db["actions"].create({
        "id": int, "at": str, "by": str, "issue_id": int, "action": str, "detail": str,
    }, pk="id")
    db["actions"].create_index(["issue_id"])


def m0002_intake_and_working_days(db: sqlite_utils.Database) -> None:
    """Items that are not crawled (netizen messages, disclosure requests) and working-day clocks."""
    issues = db["issues"]
    issues.add_column("kind", str, not_null_default="opinion")     # opinion | message | disclosure
    issues.add_column("received_at", str)
    issues.add_column("from_name", str)
    issues.add_column("url", str)
    deadlines = db["deadlines"]
    deadlines.add_column("provisional", int, not_null_default=0)  # computed over a year the calendar lacks
    deadlines.add_column("extended_wd", int, not_null_default=0)
    deadlines.add_column("approver", str)


def m0003_repeating_clocks(db: sqlite_utils.Database) -> None:
    """`update` clocks repeat: an issue may have several clocks of one kind, numbered by seq."""
    db["deadlines"].add_column("seq", int, not_null_default=0)
    db.execute("drop index if exists idx_deadlines_issue_id_kind")
    db["deadlines"].create_index(["issue_id", "kind", "seq"], unique=True)


def m0004_near_duplicates_and_overrides(db: sqlite_utils.Database) -> None:
    """SimHash fingerprints (as six indexed bands) and the duty officer's sentiment override."""
    posts = db["posts"]
    posts.add_column("simhash", int)
    for i in range(6):
        posts.add_column(f"sh{i}", int)
        posts.create_index([f"sh{i}"])
    posts.add_column("near_duplicate", int, not_null_default=0)
    posts.add_column("sentiment_override", str)


def m0005_heat_components(db: sqlite_utils.Database) -> None:
    """Explainable heat: its components, when the issue first burst, engagement per post."""
    db["issues"].add_column("heat_components", str)
    db["issues"].add_column("burst_at", str)
    db["posts"].add_column("engagement", int, not_null_default=0)


def m0006_source_health(db: sqlite_utils.Database) -> None:
    """Quiet versus broken: when a source last brought something new; which state was notified."""
    sources = db["sources"]
    sources.add_column("first_success_at", str)
    sources.add_column("last_new_at", str)
    sources.add_column("notified_state", str)
    sources.add_column("state_changes", int, not_null_default=0)


def m0007_post_versions(db: sqlite_utils.Database) -> None:
    """An edited item updates in place; what it said before is kept here."""
    db["post_versions"].create({"id": int, "post_id": int, "title": str, "body": str, "content_hash": str,
                                "replaced_at": str}, pk="id", foreign_keys=[("post_id", "posts", "id")])
    db["post_versions"].create_index(["post_id"])


def m0008_future_dates(db: sqlite_utils.Database) -> None:
    """A publication time in the future is clamped to when we saw it, and flagged."""
    db["posts"].add_column("published_clamped", int, not_null_default=0)


def m0009_state_in_columns(db: sqlite_utils.Database) -> None:
    """State that lived only in the audit trail's JSON gets its own tables and columns; the audit
    trail keeps the history and nothing reads it to decide:
    - `acks`: which roles acknowledged an issue (their overdue repeats stop);
    - `release_detections`: own-channel posts that may answer a clock, awaiting confirmation;
    - `responses`: every recorded answer (a clock declared later starts already met by one);
    - `deadlines.cancelled_by`: `close` or `merge`, so a reopen restores what its close cancelled;
    - `issues.rev`: bumped when an issue is closed, reopened, merged or split, so every process's
      clustering index sees the change;
    - `issues.keywords`: computed when the issue's members change, no longer on every read."""
    db["acks"].create({"issue_id": int, "role": str, "acked_at": str, "acked_by": str}, pk=("issue_id", "role"),
                      foreign_keys=[("issue_id", "issues", "id")])
    db["release_detections"].create({"id": int, "issue_id": int, "post_id": int, "deadline_id": int, "kind": str,
                                     "detected_at": str}, pk="id",
                                    foreign_keys=[("issue_id", "issues", "id"), ("post_id", "posts", "id"),
                                                  ("deadline_id", "deadlines", "id")])
    db["release_detections"].create_index(["issue_id"])
    db["responses"].create({"id": int, "issue_id": int, "kind": str, "url": str, "published_at": str,
                            "recorded_at": str, "recorded_by": str}, pk="id",
                           foreign_keys=[("issue_id", "issues", "id")])
    db["responses"].create_index(["issue_id", "kind"])
    db["deadlines"].add_column("cancelled_by", str)
    db["issues"].add_column("rev", int, not_null_default=0)
    db["issues"].create_index(["rev"])
    history = db.execute("select id, at, by, issue_id, action, detail from actions where action in "
                         "('ack', 'release_detected', 'respond', 'close', 'merged_into') order by id").fetchall()
    for _id, at, by, issue_id, action, detail in history:
        d = json.loads(detail or "{}")
        if action == "ack":
            for role in d.get("roles", []):
                db.execute("insert or replace into acks (issue_id, role, acked_at, acked_by) values (?, ?, ?, ?)",
                           [issue_id, role, at, by])
        elif action == "release_detected":
            db.execute("insert into release_detections (issue_id, post_id, deadline_id, kind, detected_at) "
                       "values (?, ?, ?, ?, ?)", [issue_id, d["post_id"], d["deadline_id"], d["kind"], at])
        elif action == "respond":
            db.execute("insert into responses (issue_id, kind, url, published_at, recorded_at, recorded_by) "
                       "values (?, ?, ?, ?, ?, ?)", [issue_id, d.get("kind"), d.get("url"), d.get("published_at"),
                                                     at, by])
        else:
            for deadline_id in d.get("cancelled_deadlines", []):
                db.execute("update deadlines set cancelled_by = ? where id = ? and status = 'cancelled'",
                           ["close" if action == "close" else "merge", deadline_id])


def m0010_negative_probability(db: sqlite_utils.Database) -> None:
    """The calibrated probability that a post is negative; heat and negative share weigh posts by it.
    Posts from before keep their label (counted 1 when negative, else 0)."""
    db["posts"].add_column("sentiment_negative", float)


def m0011_delivery_per_recipient(db: sqlite_utils.Database) -> None:
    """Which recipients' servers accepted a notice: when one address is refused, a retry goes only to the
    addresses still missing, never again to those who have it."""
    db["notifications"].add_column("delivered_to", str, not_null_default="[]")


def m0012_source_item_digest(db: sqlite_utils.Database) -> None:
    """What a source listed last (a digest of its item links): a source is quiet when its list stops
    changing, not when nothing on it is about the agency."""
    db["sources"].add_column("items_digest", str)


def m0013_console(db: sqlite_utils.Database) -> None:
    """The web console: people who log in (password hashes only), failed-login counts for rate
    limiting, the session-signing secret, and full-text search over posts (FTS5 trigram: it matches
    any 3+ character run, which is what Chinese needs without a word segmenter)."""
    db["users"].create({"name": str, "role": str, "password_hash": str, "disabled": int, "created_at": str,
                        "created_by": str, "last_login_at": str}, pk="name", defaults={"disabled": 0})
    db["login_attempts"].create({"id": int, "name": str, "remote": str, "at": str, "ok": int}, pk="id")
    db["login_attempts"].create_index(["name", "at"])
    db["login_attempts"].create_index(["remote", "at"])
    db["secrets"].create({"name": str, "value": str}, pk="name")
    db.execute("create virtual table posts_fts using fts5(title, body, content='posts', content_rowid='id', "
               "tokenize='trigram')")
    db.execute("insert into posts_fts(posts_fts) values ('rebuild')")
    db.execute("create trigger posts_fts_ai after insert on posts begin "
               "insert into posts_fts(rowid, title, body) values (new.id, new.title, new.body); end")
    db.execute("create trigger posts_fts_ad after delete on posts begin "
               "insert into posts_fts(posts_fts, rowid, title, body) values ('delete', old.id, old.title, old.body); end")
    db.execute("create trigger posts_fts_au after update of title, body on posts begin "
               "insert into posts_fts(posts_fts, rowid, title, body) values ('delete', old.id, old.title, old.body); "
               "insert into posts_fts(rowid, title, body) values (new.id, new.title, new.body); end")


def m0014_notice_html_and_thread(db: sqlite_utils.Database) -> None:
    """A notice's HTML part (rendered when queued, beside the plain text) and the thread it belongs to
    (every notice about one issue references the same root, so mail clients group them)."""
    db["notifications"].add_column("html", str)
    db["notifications"].add_column("thread_id", str)


def m0015_posts_by_issue_and_time(db: sqlite_utils.Database) -> None:
    """An issue's posts in time order, read from the index alone: the console's posts-per-hour charts
    read only the last 48 h of each issue shown, not all of its history."""
    db["posts"].create_index(["issue_id", "seen_at"], index_name="posts_issue_seen")


def m0016_heartbeats(db: sqlite_utils.Database) -> None:
    """The daemon's heartbeat: when it last ticked, since when it runs, which process; `monitor health`
    reads it, and a restart after a gap tells the duty officer how long the system was down."""
    db["heartbeats"].create({"name": str, "pid": int, "host": str, "started_at": str, "beat_at": str}, pk="name")


def m0017_tick_indexes(db: sqlite_utils.Database) -> None:
    """The tick reads only open clocks and their own notices: indexes on deadlines(status) and
    notifications(deadline_id), so its cost follows the open clocks, not the years of history."""
    db["deadlines"].create_index(["status"], index_name="deadlines_status")
    db["notifications"].create_index(["deadline_id"], index_name="notifications_deadline")


def m0018_claimed_by(db: sqlite_utils.Database) -> None:
    """Who holds a notice being sent (host:pid): a claim left by a process that died is taken again at the
    next tick instead of after the stale-claim timeout."""
    db["notifications"].add_column("claimed_by", str)


def m0019_evidence(db: sqlite_utils.Database) -> None:
    """证据固定: what was fetched for each post kept in an issue (the item, and the article page where one
    was fetched), compressed, with its sha256; and each post's last re-check (still there, or gone and
    since when)."""
    db["snapshots"].create({"id": int, "post_id": int, "kind": str, "url": str, "fetched_at": str, "sha256": str,
                            "content_type": str, "size": int, "body": bytes}, pk="id",
                           foreign_keys=[("post_id", "posts", "id")])
    db["snapshots"].create_index(["post_id", "kind"], unique=True)
    db["post_checks"].create({"post_id": int, "checked_at": str, "state": str, "status": int, "reason": str,
                              "gone_at": str}, pk="post_id", foreign_keys=[("post_id", "posts", "id")])


def m0020_rule_cap_index(db: sqlite_utils.Database) -> None:
    """How many posts a named rule kept today (its daily cap) from the index, not from a scan of every
    post (996 ms per call at 1,000,000 posts)."""
    db["posts"].create_index(["matched_rule", "seen_at"], index_name="posts_rule_seen")


def m0021_issue_posts_partial(db: sqlite_utils.Database) -> None:
    """Posts by issue from an index of only the posts that joined one. Most posts never do: once SQLite
    had statistics (ANALYZE, PRAGMA optimize) saying so, the planner judged the full index useless and
    each touched issue's refresh scanned every post (0.3 s per query at 1,000,000 posts). The partial
    index counts only members, so its statistics stay true, and it costs nothing for other posts."""
    db.execute("drop index if exists idx_posts_issue_id")
    db.execute("drop index if exists posts_issue_seen")
    db.execute("create index posts_issue_seen on posts(issue_id, seen_at) where issue_id is not null")


def m0022_index_copies_once(db: sqlite_utils.Database) -> None:
    """An exact copy (转载 of the same text: duplicate_of set, near_duplicate 0) leaves the full-text
    index: its original holds the same words, and search adds the copies of every original it finds
    (through the partial index below). A third of real posts are such copies, and the trigram index
    was the dearest part of storing a post. An edited copy is a near-duplicate and is indexed again."""
    for name in ("posts_fts_ai", "posts_fts_ad", "posts_fts_au"):
        db.execute(f"drop trigger if exists {name}")
    db.execute("insert into posts_fts(posts_fts, rowid, title, body) select 'delete', id, title, body from posts "
               "where duplicate_of is not null and near_duplicate = 0")
    new, old = _indexed("new"), _indexed("old")
    db.execute(f"create trigger posts_fts_ai after insert on posts when {new} begin "
               "insert into posts_fts(rowid, title, body) values (new.id, new.title, new.body); end")
    db.execute(f"create trigger posts_fts_ad after delete on posts when {old} begin "
               "insert into posts_fts(posts_fts, rowid, title, body) values ('delete', old.id, old.title, old.body); end")
    db.execute("create trigger posts_fts_au after update of title, body, duplicate_of, near_duplicate on posts begin "
               f"insert into posts_fts(posts_fts, rowid, title, body) select 'delete', old.id, old.title, old.body "
               f"where {old}; "
               f"insert into posts_fts(rowid, title, body) select new.id, new.title, new.body where {new}; end")
    db.execute("create index posts_copies on posts(duplicate_of) where duplicate_of is not null and near_duplicate = 0")


# every function named m<NNNN>_<name> here and in later_migrations, in order
MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = sorted(
    (n[1:], f) for n, f in {**globals(), **vars(later_migrations)}.items()
    if re.fullmatch(r"m\d{4}_\w+", n) and callable(f))
