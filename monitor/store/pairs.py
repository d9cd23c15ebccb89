"""The full-text index's tokens: overlapping character pairs.

A post's title and body are reduced to their letters and digits (lower-cased; punctuation and spaces go)
and written as every pair of neighbours, plus the last character alone: 审计组被举报 → 审计 计组 组被 被举
举报 报. A word of two or more characters is found as the phrase of its own pairs (an exact substring,
whatever the length: 2-character words such as 噪音 and 公车 are indexed too, unlike a trigram index);
one character is a prefix query. SQLite's FTS5 (unicode61 tokenizer, which splits on the spaces) stores
them, in the contentless table `posts_pairs`, kept by triggers that call `monitor_pairs` (registered on
every connection by store.db.open_db)."""
from __future__ import annotations

FUNCTION = "monitor_pairs"


def letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def pairs(*texts: str | None) -> str:
    out = []
    for text in texts:
        s = letters(text or "")
        if s:
            out.extend(s[i:i + 2] for i in range(len(s) - 1))
            out.append(s[-1])
    return " ".join(out)


def query(word: str) -> str | None:
    """The FTS5 expression for one search word: the phrase of its pairs, or a prefix for one character."""
    s = letters(word)
    if not s:
        return None
    if len(s) == 1:
        return f'"{s}" *'
    return '"' + " ".join(s[i:i + 2] for i in range(len(s) - 1)) + '"'
