"""Full-text search over collected posts (FTS5 trigram index `posts_fts`, kept by triggers)."""
from __future__ import annotations

import re

import sqlite_utils

from .db import rows

_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
COLUMNS = ("p.id, p.source_id, p.title, p.url, p.published_at, p.published_precision, p.seen_at, p.sentiment_label, "
           "p.sentiment_override, p.issue_id, p.duplicate_of")


def posts(db: sqlite_utils.Database, words: list[str], limit: int = 100) -> list[dict]:
    """Posts whose title or body contains every word, newest first. Words of 3+ characters use the
    trigram index, which holds originals and near-duplicates; the exact copies of each hit (same text,
    not indexed: migration 0022) are added through their own index. Shorter words (常见的两字词)
    filter the hits, or scan when all are short."""
    words = [w for w in (_CONTROLS.sub("", w) for w in words) if w]     # FTS5 ends a string at NUL
    long_words = [w for w in words if len(w) >= 3]
    short = [w for w in words if len(w) < 3]
    like = "".join(" and (p.title like ? escape '\\' or p.body like ? escape '\\')" for _ in short)
    like_args = [a for w in short for a in (_like(w), _like(w))]
    if long_words:
        match = " ".join('"' + w.replace('"', '""') + '"' for w in long_words)
        sql = (f"with hit(id) as (select rowid from posts_fts where posts_fts match ?) "
               f"select {COLUMNS} from posts p where p.id in hit{like} "
               f"union all select {COLUMNS} from posts p where p.duplicate_of in hit "
               f"and p.duplicate_of is not null and p.near_duplicate = 0{like} order by 1 desc limit ?")
        return rows(db, sql, [match, *like_args, *like_args, limit])
    if not short:
        return []
    return rows(db, f"select {COLUMNS} from posts p where 1{like} order by p.id desc limit ?", [*like_args, limit])


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
