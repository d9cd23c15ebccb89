"""Duplicates. The same canonical URL with the same content is dropped (already stored); with new
content it is an edit of the stored post, updated in place (its earlier text kept as a version). The same content under another
URL, or nearly the same (SimHash within 5 bits: 转载 with small edits), is kept as a repost of the
stored post: it joins that post's issue, adds to its spread, and never opens a new issue."""
from __future__ import annotations


from ..candidate import Candidate, Drop
from ..simhash import simhash


def stage(c: Candidate, ctx) -> Candidate | Drop:
    stored = ctx.post_at_url(c.canonical_url)
    if stored is not None:
        if stored["content_hash"] == c.content_hash or not c.title:
            return Drop.DUPLICATE_URL
        return c.but(edit_of=stored["id"], issue_id=stored["issue_id"])   # edited in place
    original = ctx.post_with_hash(c.content_hash)
    near = False
    if original is None:                    # only originals keep a fingerprint: only they are looked up
        fp = simhash(f"{c.title} {c.body[:300]}")
        original, near = (ctx.near_duplicate(fp), True) if fp is not None else (None, False)
        if original is None:
            return c.but(simhash=fp)
    return c.but(duplicate_of=original["id"], issue_id=original["issue_id"], near_duplicate=near,
                               sentiment_label=original["sentiment_label"],
                               sentiment_score=original["sentiment_score"],
                               sentiment_negative=original["sentiment_negative"], similarity=1.0)
