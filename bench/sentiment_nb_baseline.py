"""The previous sentiment model, kept only as the benchmark's baseline: SnowNLP's Bayes counts over jieba
words (title twice), Laplace smoothing over the shared vocabulary, a negative bias of 0.8. Trained
per fold by `bench/sentiment.py` on the same folds as the shipped model, for paired differences."""
from __future__ import annotations

import math
from dataclasses import dataclass

import jieba

jieba.setLogLevel(60)
cut = jieba.lcut

LABELS = ("positive", "neutral", "negative")
ALPHA = 1.0
NEGATIVE_BIAS = 0.8


def features(title: str, body: str = "") -> list[str]:
    t = list(dict.fromkeys(w for w in cut(title) if w.strip()))
    b = list(dict.fromkeys(w for w in cut(body) if w.strip())) if body else []
    return t + t + b


def train_counts(rows: list[tuple[str, str, str]]) -> dict:
    """rows: (title, body, label). Returns snownlp Bayes' saved form plus document counts."""
    from snownlp.classification.bayes import Bayes     # imports snownlp (seconds): training only
    bayes = Bayes()
    bayes.train([(features(t, b), label) for t, b, label in rows])
    return {"total": bayes.total, "d": {k: v.__dict__ for k, v in bayes.d.items()},
            "docs": {label: sum(1 for r in rows if r[2] == label) for label in LABELS}}


@dataclass(frozen=True)
class Judgement:
    label: str
    score: float          # 0 = negative … 1 = positive: P(positive) + ½ P(neutral)


class NaiveBayes:
    """Scores from a saved model: one table lookup per known word."""

    def __init__(self, counts: dict, alpha: float = ALPHA, negative_bias: float = NEGATIVE_BIAS):
        classes = {label: {w: n - 1 for w, n in counts["d"][label]["d"].items()} for label in LABELS}
        vocab = set().union(*classes.values())
        totals = {label: sum(classes[label].values()) for label in LABELS}
        denom = {label: math.log(totals[label] + alpha * len(vocab)) for label in LABELS}
        self.table = {w: tuple(math.log(classes[label].get(w, 0) + alpha) - denom[label] for label in LABELS)
                      for w in vocab}
        docs = counts["docs"]
        n = sum(docs.values())
        self.prior = tuple(math.log(docs[label] / n) + (negative_bias if label == "negative" else 0.0)
                           for label in LABELS)

    def judge_features(self, words: list[str]) -> Judgement:
        s = list(self.prior)
        table = self.table
        for w in words:
            row = table.get(w)
            if row is not None:
                s[0] += row[0]
                s[1] += row[1]
                s[2] += row[2]
        top = max(s)
        p = [math.exp(x - top) for x in s]
        z = sum(p)
        best = max(range(3), key=s.__getitem__)
        return Judgement(LABELS[best], round((p[0] + 0.5 * p[1]) / z, 4))

    def judge(self, title: str, body: str = "") -> Judgement:
        return self.judge_features(features(title, body))
