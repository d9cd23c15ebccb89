"""Full-text search over collected posts: the character-pair index `posts_pairs` (store/pairs.py).

The newest hits are read first: FTS5 walks its lists in rowid order, so `order by rowid desc limit N`
stops after N whatever the number of matches (the agency's own name is in every kept post). An exact
copy of a post (转载 of the same text) is not indexed (migration 0022): the copies of each hit come from
their own partial index. A count is an estimate from how densely the newest hits fall, unless asked for exactly."""
from __future__ import annotations

import sqlite_utils

from . import pairs, pairs_index
from .db import is_pg, marks, one, rows

COLUMNS = ("p.id, p.source_id, p.title, p.url, p.published_at, p.published_precision, p.seen_at, p.sentiment_label, "
           "p.sentiment_override, p.issue_id, p.duplicate_of")


def expression(words: list[str]) -> str | None:
    """The FTS5 query for posts containing every word (None when no word has a letter or digit)."""
    parts = [q for q in (pairs.query(w) for w in words) if q]
    return " AND ".join(parts) if parts else None


def _matching(db: sqlite_utils.Database, words: list[str]) -> tuple[str, str | None]:
    """(the condition on posts_pairs, its parameter) in this engine's full-text dialect."""
    if is_pg(db):
        return "tokens @@ ?::tsquery", pairs_index.query(words)
    return "posts_pairs match ?", expression(words)


def posts(db: sqlite_utils.Database, words: list[str], limit: int = 100) -> list[dict]:
    """Posts whose title or body contains every word (letters and digits; punctuation and spaces are
    ignored), newest first, exact copies included."""
    cond, match = _matching(db, words)
    if match is None:
        return []
    hits = [r["rowid"] for r in rows(db, f"select rowid from posts_pairs where {cond} "
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
    cond, match = _matching(db, words)
    if match is None:
        return 0
    hits = [r["rowid"] for r in rows(db, f"select rowid from posts_pairs where {cond} "
                                         "order by rowid desc limit ?", [match, sample])]
    if len(hits) < sample:
        return len(hits)
    bounds = one(db, "select (select min(id) from posts) as lo, (select max(id) from posts) as hi")
    return round(sample * (bounds["hi"] - bounds["lo"] + 1) / (hits[0] - hits[-1] + 1))


def count(db: sqlite_utils.Database, words: list[str]) -> int:
    """The exact number of indexed posts containing every word (reads every match: on request only)."""
    cond, match = _matching(db, words)
    return one(db, f"select count(*) as n from posts_pairs where {cond}", [match])["n"] if match else 0
