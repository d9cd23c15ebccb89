"""PostgreSQL's full-text index: the `posts_pairs` table of character-pair `tsvector`s (store/pairs.py's
tokens, with their positions, so a word is found as the phrase of its pairs). SQLite keeps its FTS5 index
by triggers that call the same Python tokenizer; PostgreSQL cannot call Python, so the store calls
`refresh` after each write that changes what a post is indexed by (its text, or whether it is an exact copy).
Positions past 16,383 (PostgreSQL's largest) all count as the last one."""
from __future__ import annotations

import sqlite_utils

from . import pairs
from .db import is_pg, marks, rows

MAX_POSITION = 16383


def vector(*texts: str | None) -> str:
    """The tsvector literal of a post's title and body."""
    return " ".join(f"'{tok}':{min(i, MAX_POSITION)}" for i, tok in enumerate(pairs.pairs(*texts).split(), 1))


def query(words: list[str]) -> str | None:
    """The tsquery for posts containing every word (None when no word has a letter or digit)."""
    parts = []
    for word in words:
        s = pairs.letters(word)
        if len(s) == 1:
            parts.append(f"'{s}':*")
        elif s:
            parts.append("(" + " <-> ".join(f"'{s[i:i + 2]}'" for i in range(len(s) - 1)) + ")")
    return " & ".join(parts) if parts else None


def refresh(db: sqlite_utils.Database, post_ids: list[int]) -> None:
    """Index these posts again as they are stored now (PostgreSQL; SQLite's triggers have done it)."""
    if not is_pg(db) or not post_ids:
        return
    db.execute(f"delete from posts_pairs where rowid in ({marks(post_ids)})", post_ids)
    for r in rows(db, f"select id, title, body from posts where id in ({marks(post_ids)}) "
                      "and (duplicate_of is null or near_duplicate = 1)", post_ids):
        db.execute("insert into posts_pairs (rowid, tokens) values (?, ?::tsvector)", [r["id"], vector(r["title"], r["body"])])


def rebuild(db: sqlite_utils.Database, batch: int = 2000) -> int:
    """Index every post again (after a copy from SQLite); the number indexed."""
    if not is_pg(db):
        return 0
    db.execute("delete from posts_pairs")
    last, n = 0, 0
    while True:
        found = rows(db, "select id, title, body, duplicate_of, near_duplicate from posts where id > ? "
                         "order by id limit ?", [last, batch])
        if not found:
            return n
        last = found[-1]["id"]
        keep = [r for r in found if r["duplicate_of"] is None or r["near_duplicate"]]
        for r in keep:
            db.execute("insert into posts_pairs (rowid, tokens) values (?, ?::tsvector)",
                       [r["id"], vector(r["title"], r["body"])])
        n += len(keep)
