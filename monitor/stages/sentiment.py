"""Three-class sentiment (positive / neutral / negative) with a score in [0, 1] (1 = positive)."""
from __future__ import annotations

import dataclasses
import threading

from ..models import Candidate

NEGATIVE_BELOW = 0.25
POSITIVE_ABOVE = 0.75


def label_for(score: float) -> str:
    if score < NEGATIVE_BELOW:
        return "negative"
    if score > POSITIVE_ABOVE:
        return "positive"
    return "neutral"


class SnowNLPScorer:
    """SnowNLP's Bayes classifier, loaded on first use (it takes seconds)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._classify = None

    def score(self, text: str) -> float:
        if self._classify is None:
            with self._lock:
                if self._classify is None:
                    from snownlp import sentiment
                    self._classify = sentiment.classify
        return float(self._classify(text)) if text.strip() else 0.5


def stage(c: Candidate, ctx) -> Candidate:
    if c.duplicate_of is not None:          # a repost carries its original's score
        return c
    score = ctx.scorer.score(f"{c.title} {c.body}"[:500])
    return dataclasses.replace(c, sentiment_score=round(score, 4), sentiment_label=label_for(score))
