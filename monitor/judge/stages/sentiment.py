"""Three-class sentiment (positive / neutral / negative), a score in [0, 1] (1 = positive) and the
calibrated P(negative), from the committed model (monitor/models/, built by `monitor train-sentiment`),
with the weights of the source's channel (news or social).

A complaint is negative about the agency whatever its register: a 留言板 letter is written politely
(尊敬的领导…恳请督促调查处理), a headline reports that 群众期待彻查, and the models, trained on news
and on Weibo moods, read both as neutral. A post outside the agency's own channels that says one of
COMPLAINT_CUES is negative with P(negative) at least COMPLAINT_FLOOR, and so is every letter."""
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


COMPLAINT_CUES = ("推诿", "吃拿卡要", "给个说法", "讨说法", "讨个说法", "严查", "彻查", "一查到底",
                  "不作为", "乱作为", "刁难", "敷衍", "太过分", "气死", "[怒]", "必须给", "强烈要求")
COMPLAINT_FLOOR = 0.6


def complaint(c: Candidate) -> bool:
    if c.own or c.tracked_kind == "repost":
        return False
    text = f"{c.title}\n{c.body[:300]}"
    return c.tracked_kind == "message" or any(cue in text for cue in COMPLAINT_CUES)


def stage(c: Candidate, ctx) -> Candidate:
    if c.duplicate_of is not None:          # a repost carries its original's score
        return c
    j = ctx.scorer.judge(c.title, c.body[:200], c.channel)
    if j.negative < COMPLAINT_FLOOR and complaint(c):
        return c.but(sentiment_score=min(j.score, 1 - COMPLAINT_FLOOR), sentiment_label="negative",
                     sentiment_negative=COMPLAINT_FLOOR)
    return c.but(sentiment_score=j.score, sentiment_label=j.label, sentiment_negative=j.negative)
