"""Exact duplicates. The same canonical URL is dropped (already stored); the same content under
another URL (转载) is kept as a repost of the stored post: it joins that post's issue and adds to its spread."""
from __future__ import annotations

import dataclasses

from ..models import Candidate, Drop


def stage(c: Candidate, ctx) -> Candidate | Drop:
    if ctx.known_url(c.canonical_url):
        return Drop.DUPLICATE_URL
    if original := ctx.post_with_hash(c.content_hash):
        return dataclasses.replace(c, duplicate_of=original["id"], issue_id=original["issue_id"],
                                   sentiment_label=original["sentiment_label"],
                                   sentiment_score=original["sentiment_score"], similarity=1.0)
    return c
