"""Three-class sentiment (positive / neutral / negative), a score in [0, 1] (1 = positive) and the
calibrated P(negative), from the committed model (monitor/models/, built by `monitor train-sentiment`),
with the weights of the source's channel (news or social)."""
from __future__ import annotations

import threading
from pathlib import Path

from ..candidate import Candidate
from ..sentiment import MODEL_PATH, Judgement, Model


class ModelScorer:
    """The model, loaded on first use."""

    def __init__(self, path: Path | None = None):
        self._path = path
        self._lock = threading.Lock()
        self._model = None

    def judge(self, title: str, body: str = "", kind: str = "news") -> Judgement:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = Model.load(self._path or MODEL_PATH)
        return self._model.judge(title, body, kind)


def stage(c: Candidate, ctx) -> Candidate:
    if c.duplicate_of is not None:          # a repost carries its original's score
        return c
    j = ctx.scorer.judge(c.title, c.body[:200], c.channel)
    return c.but(sentiment_score=j.score, sentiment_label=j.label, sentiment_negative=j.negative)
