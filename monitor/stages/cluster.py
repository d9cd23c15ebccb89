"""Incremental clustering: a post joins the most similar open issue, or opens a new one.

Signature: character-bigram counts of title + lead, with the agency's own keywords
removed (every post names the agency; that must not make them alike). Similarity is
cosine against the issue's accumulated signature.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter

from ..models import Candidate

JOIN_AT = 0.22
_NON_CJK_WORD = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")


def signature(title: str, body: str, stopwords: tuple[str, ...]) -> dict[str, int]:
    text = f"{title} {title} {body[:120]}"     # the title counts twice
    for w in sorted(stopwords, key=len, reverse=True):
        text = text.replace(w, " ")
    grams: Counter[str] = Counter()
    for chunk in _NON_CJK_WORD.split(text):
        grams.update(chunk[i:i + 2] for i in range(len(chunk) - 1))
    return dict(grams)


def cosine(a: dict[str, int], b: dict[str, int]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    return dot / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))


def best_issue(sig: dict[str, int], issues: list[tuple[int, dict[str, int]]]) -> tuple[int | None, float]:
    best_id, best_sim = None, 0.0
    for issue_id, issue_sig in issues:
        sim = cosine(sig, issue_sig)
        if sim > best_sim:
            best_id, best_sim = issue_id, sim
    return (best_id, best_sim) if best_sim >= JOIN_AT else (None, best_sim)


def merge(issue_sig: dict[str, int], post_sig: dict[str, int]) -> dict[str, int]:
    merged = Counter(issue_sig)
    merged.update(post_sig)
    return dict(merged.most_common(200))


def stage(c: Candidate, ctx) -> Candidate:
    if c.duplicate_of is not None:          # a repost joins its original's issue
        return c
    sig = signature(c.title, c.body, ctx.stopwords)
    if c.tracked_kind:                      # a superior post or a board message is its own tracked item
        return dataclasses.replace(c, signature=sig, new_issue=True)
    # public posts cluster into 舆情 issues only; own posts may also answer a tracked item (a repost)
    issue_id, sim = best_issue(sig, ctx.open_issue_signatures(None if c.own else ("opinion",)))
    return dataclasses.replace(c, signature=sig, issue_id=issue_id, similarity=round(sim, 3),
                               new_issue=issue_id is None and not c.own)   # our own voice is not 舆情
