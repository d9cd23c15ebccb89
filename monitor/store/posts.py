"""The `posts` and `post_versions` tables: what was collected, and the lookups judgement asks of them."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from ..clock import from_iso, to_iso
from ..judge.candidate import Candidate
from ..judge.simhash import NEAR_BITS, bands, distance, from_signed, to_signed
from . import issues, pairs_index
from .db import MAX_ID, IntegrityError, insert, is_pg, marks, one, rows, transaction, update


class Lookups:
    """Read-only questions the stages ask of storage during a pass."""

    def __init__(self, db: sqlite_utils.Database, now: datetime, window_days: int = 7, tz=None):
        self.db = db
        self.tz = tz
        self.since = to_iso(now - timedelta(days=window_days))
        self._window_from_id: int | None = None

    def window_from_id(self) -> int:
        """The first post id seen within the window (ids grow with time): a bisection on the rowid,
        about 20 lookups however long the history."""
        if self._window_from_id is None:
            self._window_from_id = first_id_since(self.db, self.since)
        return self._window_from_id

    def post_at_url(self, url: str) -> dict | None:
        return one(self.db, "select id, issue_id, content_hash from posts where canonical_url = ?", [url])

    def post_with_hash(self, h: str) -> dict | None:
        return one(self.db, "select id, issue_id, sentiment_label, sentiment_score, sentiment_negative from posts "
                            "where content_hash = ? and duplicate_of is null order by id limit 1", [h])

    def kept_today(self, matched_rule: str, at: datetime) -> int:
        """Posts a rule kept on `at`'s local day (for rule caps)."""
        local = at.astimezone(self.tz)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return one(self.db, "select count(*) as n from posts where matched_rule = ? and seen_at >= ? "
                   "and seen_at < ?", [matched_rule, to_iso(start), to_iso(start + timedelta(days=1))])["n"]

    def near_duplicate(self, fp: int) -> dict | None:
        """The closest original within NEAR_BITS seen in the window, found through the indexed bands;
        each band index is read from the window's first id on (SQLite seeks `sh = ? AND rowid >= ?`),
        so the candidates do not grow with the years of history behind it."""
        b = bands(fp)
        # ids and fingerprints only (tens of candidates): the details of the one chosen are read after
        found = self.db.conn.execute(
            f"select id, simhash from posts where ({' or '.join(f'sh{i} = ?' for i in range(len(b)))}) "
            "and duplicate_of is null and id >= ?", [*b, self.window_from_id()]).fetchall()
        best = min(((distance(fp, from_signed(h)), i) for i, h in found if h is not None), default=None)
        if best is None or best[0] > NEAR_BITS:
            return None
        return one(self.db, "select id, issue_id, sentiment_label, sentiment_score, sentiment_negative, simhash "
                            "from posts where id = ?", [best[1]])


def first_id_since(db: sqlite_utils.Database, since_iso: str) -> int:
    """The smallest post id whose post was seen at or after `since_iso`, assuming ids grow with seen_at
    (one past the last id when none was)."""
    # two subqueries: SQLite answers min() or max() alone from the rowid b-tree, both together by a scan
    bounds = one(db, "select (select min(id) from posts) as lo, (select max(id) from posts) as hi")
    if bounds["lo"] is None:
        return 1
    lo, hi = bounds["lo"], bounds["hi"] + 1
    while lo < hi:
        mid = (lo + hi) // 2
        row = one(db, "select id, seen_at from posts where id >= ? order by id limit 1", [mid])
        if row is None or row["seen_at"] >= since_iso:
            hi = mid
        else:
            lo = row["id"] + 1
    return lo


def seen_since(db: sqlite_utils.Database, since_iso: str) -> list[dict]:
    """Posts seen at or after `since_iso` (方案管理's preview), newest first, originals only."""
    return rows(db, "select id, source_id, url, title, body, seen_at, published_at, published_precision, own, "
                    "matched_rule, issue_id from posts where id >= ? and duplicate_of is null order by id desc",
                [first_id_since(db, since_iso)])


def known_url(db: sqlite_utils.Database, canonical: str) -> bool:
    return one(db, "select 1 as x from posts where canonical_url = ? limit 1", [canonical]) is not None


def at_url(db: sqlite_utils.Database, canonical: str) -> dict | None:
    return one(db, "select id, issue_id from posts where canonical_url = ?", [canonical])


def get(db: sqlite_utils.Database, post_id: int) -> dict | None:
    if not 0 < post_id <= MAX_ID:
        return None
    return one(db, "select * from posts where id = ?", [post_id])


def of_issue(db: sqlite_utils.Database, issue_id: int) -> list[dict]:
    return rows(db, "select * from posts where issue_id = ? order by seen_at, id", [issue_id])


def counts_by_hour(db: sqlite_utils.Database, issue_ids: list[int], since_iso: str) -> dict[int, dict[str, int]]:
    """Posts per issue per hour (seen time, 'YYYY-MM-DDTHH') since `since_iso`: the home page's charts."""
    if not issue_ids:
        return {}
    out: dict[int, dict[str, int]] = {}
    for r in rows(db, f"select issue_id, substr(seen_at, 1, 13) h, count(*) n from posts "
                      f"where issue_id in ({marks(issue_ids)}) and seen_at >= ? group by issue_id, h",
                  [*issue_ids, since_iso]):
        out.setdefault(r["issue_id"], {})[r["h"]] = r["n"]
    return out


def counts_by_hour_source(db: sqlite_utils.Database, start_iso: str, end_iso: str) -> list[dict]:
    """Posts kept in [start, end) per hour (UTC 'YYYY-MM-DDTHH'), source and sentiment (the officer's
    correction first): what the reports chart."""
    return rows(db, "select substr(seen_at, 1, 13) h, source_id, coalesce(sentiment_override, sentiment_label) s, "
                    "count(*) n from posts where seen_at >= ? and seen_at < ? group by h, source_id, s",
                [start_iso, end_iso])


def top_of_issue(db: sqlite_utils.Database, issue_id: int, limit: int = 3) -> list[dict]:
    """The posts a notice shows: originals (not reposts), the most negative first, then the earliest."""
    return rows(db, "select id, source_id, title, url, published_at, published_precision, seen_at from posts "
                    "where issue_id = ? "
                    "and duplicate_of is null and coalesce(near_duplicate, 0) = 0 "
                    "order by coalesce(sentiment_negative, case when sentiment_label = 'negative' then 1.0 else 0.0 end) desc, seen_at, id limit ?",
                [issue_id, limit])


def originals(db: sqlite_utils.Database, issue_id: int) -> list[dict]:
    """An issue's posts that are not reposts, in the order they came (its clustering signature)."""
    return rows(db, "select title, body from posts where issue_id = ? and duplicate_of is null order by id", [issue_id])


def with_reposts(db: sqlite_utils.Database, issue_id: int, post_ids: set[int]) -> set[int]:
    ids = list(post_ids)
    return post_ids | {r["id"] for r in rows(db, f"select id from posts where issue_id = ? and duplicate_of in "
                                                 f"({marks(ids)})", [issue_id, *ids])}


def member_ids(db: sqlite_utils.Database, issue_id: int) -> set[int]:
    return {r["id"] for r in rows(db, "select id from posts where issue_id = ?", [issue_id])}


def earliest(db: sqlite_utils.Database, post_ids: set[int]) -> dict:
    ids = list(post_ids)
    return one(db, f"select title, seen_at from posts where id in ({marks(ids)}) order by seen_at, id limit 1", ids)


def move(db: sqlite_utils.Database, to_issue: int, from_issue: int | None = None,
         post_ids: list[int] | None = None) -> int:
    """Move posts (all of `from_issue`, or `post_ids`) and their membership into `to_issue`."""
    if post_ids is not None:
        n = db.execute(f"update posts set issue_id = ? where id in ({marks(post_ids)})", [to_issue, *post_ids]).rowcount
    else:
        n = db.execute("update posts set issue_id = ? where issue_id = ?", [to_issue, from_issue]).rowcount
    issues.move_members(db, to_issue, from_issue, post_ids)
    return n


def set_override(db: sqlite_utils.Database, post_id: int, label: str) -> None:
    update(db, "posts", post_id, {"sentiment_override": str(label)})


def latest_own_with(db: sqlite_utils.Database, word: str) -> str | None:
    """The URL of the newest own-channel post whose title contains `word` (the drill records its release)."""
    r = one(db, "select url from posts where own = 1 and title like ? order by id desc limit 1", [f"%{word}%"])
    return r["url"] if r else None


def newest_own(db: sqlite_utils.Database) -> dict[str, datetime]:
    """When each own channel last published, by its newest stored post (every own post is kept)."""
    return {r["source_id"]: from_iso(r["at"]) for r in rows(
        db, "select source_id, max(coalesce(published_at, seen_at)) at from posts where own = 1 group by source_id")}


def update_edited(db: sqlite_utils.Database, c: Candidate) -> int | None:
    """The item at a known URL changed: keep the old text as a version, update the post in place. An
    exact copy of another post that changes is a copy no more: a near-duplicate, with its own words in
    the full-text index."""
    old = one(db, "select id, title, body, content_hash, issue_id, duplicate_of from posts where id = ?",
              [c.edit_of])
    with transaction(db):
        insert(db, "post_versions", {"post_id": old["id"], "title": old["title"], "body": old["body"],
                                     "content_hash": old["content_hash"], "replaced_at": to_iso(c.seen_at)})
        update(db, "posts", old["id"], {"title": c.title, "body": c.body, "content_hash": c.content_hash,
                                        "sentiment_label": c.sentiment_label, "sentiment_score": c.sentiment_score,
                                        "sentiment_negative": c.sentiment_negative,
                                        **({"near_duplicate": 1} if old["duplicate_of"] is not None else {})})
        pairs_index.refresh(db, [old["id"]])
    return old["issue_id"]


def store_candidate(db: sqlite_utils.Database, c: Candidate) -> tuple[int, int | None] | None:
    """Insert the post, its issue (when it opens one) and its membership atomically. None if another
    writer got there first. The caller refreshes the issue's figures (once per pass)."""
    try:
        with transaction(db):
            issue_id = c.issue_id
            if c.new_issue:
                issue_id = issues.create(db, c.title, c.tracked_kind or "opinion", to_iso(c.seen_at),
                                         **({"incident_id": c.incident_id} if c.incident_id else {}))
            post_id = insert(db, "posts", {
                "source_id": c.source_id, "url": c.raw.link, "canonical_url": c.canonical_url,
                "guid": c.raw.guid, "content_hash": c.content_hash, "title": c.title, "body": c.body,
                "published_at": to_iso(c.published_at),
                "published_precision": str(c.published_precision) if c.published_precision else None,
                "seen_at": to_iso(c.seen_at), "sentiment_label": c.sentiment_label,
                "sentiment_score": c.sentiment_score, "sentiment_negative": c.sentiment_negative,
                "matched_rule": c.matched_rule,
                "own": int(c.own), "authority": c.authority, "issue_id": issue_id, "duplicate_of": c.duplicate_of,
                "near_duplicate": int(c.near_duplicate), "published_clamped": int(c.published_clamped),
                "simhash": to_signed(c.simhash) if c.simhash is not None else None,
                **({f"sh{i}": v for i, v in enumerate(bands(c.simhash))} if c.simhash is not None else {}),
            })
            pairs_index.refresh(db, [post_id])
            if issue_id is None:            # an own-channel post about no open issue
                return post_id, None
            issues.add_member(db, post_id, issue_id, c.seen_at, c.similarity, c.cluster_reason)
            if c.issue_signature is not None:
                issues.set_signature(db, issue_id, c.issue_signature)
    except IntegrityError:
        return None
    return post_id, issue_id


def drop_bodies(db: sqlite_utils.Database, seen_before: datetime) -> int:
    """Empty the text of posts that never joined an issue and were seen before `seen_before` (their
    title, link, time and judgement stay: counts and reports do not change)."""
    sql = "update posts set body = '' where issue_id is null and seen_at < ? and body != ''"
    if is_pg(db):
        emptied = [r["id"] for r in rows(db, sql + " returning id", [to_iso(seen_before)])]
        for at in range(0, len(emptied), 1000):
            pairs_index.refresh(db, emptied[at:at + 1000])
        return len(emptied)
    return db.execute(sql, [to_iso(seen_before)]).rowcount
