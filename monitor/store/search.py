"""Full-text search over collected posts: the character-pair index `posts_pairs` (store/pairs.py).

The newest hits are read first: FTS5 walks its lists in rowid order, so `order by rowid desc limit N`
stops after N whatever the number of matches (the agency's own name is in every kept post). An exact
copy of a post (转载 of the same text) is not indexed (migration 0022): the copies of each hit come from
their own partial index. A count is an estimate from how densely the newest hits fall, unless asked for exactly."""
from __future__ import annotations

import sqlite_utils

from . import pairs
from .db import marks, one, rows

COLUMNS = ("p.id, p.source_id, p.title, p.url, p.published_at, p.published_precision, p.seen_at, p.sentiment_label, "
           "p.sentiment_override, p.issue_id, p.duplicate_of")


def expression(words: list[str]) -> str | None:
    """The FTS5 query for posts containing every word (None when no word has a letter or digit)."""
    parts = [q for q in (pairs.query(w) for w in words) if q]
    return " AND ".join(parts) if parts else None


def posts(db: sqlite_utils.Database, words: list[str], limit: int = 100) -> list[dict]:
    """Posts whose title or body contains every word (letters and digits; punctuation and spaces are
    ignored), newest first, exact copies included."""
    match = expression(words)
    if match is None:
        return []
    hits = [r["rowid"] for r in rows(db, "select rowid from posts_pairs where posts_pairs match ? "
                                         "order by rowid desc limit ?", [match, limit])]
    if not hits:
        return []
    found = rows(db, f"select {COLUMNS} from posts p where p.id in ({marks(hits)}) union all "
                     f"select {COLUMNS} from posts p where p.duplicate_of in ({marks(hits)}) "
                     f"and p.duplicate_of is not null and p.near_duplicate = 0 order by 1 desc limit ?",
                 [*hits, *hits, limit])
    return found


def estimate(db: sqlite_utils.Database, words: list[str], sample: int = 100) -> int:
    """About how many indexed posts contain every word, without reading them all: the newest `sample` hits
    cover some span of post ids; the same density over every id gives the estimate (exact below `sample`)."""
    match = expression(words)
    if match is None:
        return 0
    hits = [r["rowid"] for r in rows(db, "select rowid from posts_pairs where posts_pairs match ? "
                                         "order by rowid desc limit ?", [match, sample])]
    if len(hits) < sample:
        return len(hits)
    bounds = one(db, "select (select min(id) from posts) as lo, (select max(id) from posts) as hi")
    return round(sample * (bounds["hi"] - bounds["lo"] + 1) / (hits[0] - hits[-1] + 1))


def count(db: sqlite_utils.Database, words: list[str]) -> int:
    """The exact number of indexed posts containing every word (reads every match: on request only)."""
    match = expression(words)
    return one(db, "select count(*) as n from posts_pairs where posts_pairs match ?", [match])["n"] if match else 0
