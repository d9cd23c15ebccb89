"""Build and measure the news sentiment model from the BDCI 2019 news set (development half)."""
from __future__ import annotations

import csv
import random
import statistics
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import InvalidInput
from .sentiment import ALPHA, LABELS, MODEL_PATH, NEGATIVE_BIAS, NewsSentiment, features, save, sha256, train_counts

BDCI_LABELS = {"0": "positive", "1": "neutral", "2": "negative"}
DEFAULT_DATA = Path("../shared/data/sentiment/bdci2019_news_dev/bdci2019_news_dev.csv")


def load_bdci(path: Path) -> list[tuple[str, str, str]]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return [(r["title"], r["content"], BDCI_LABELS[r["label"]]) for r in csv.DictReader(f)]
    except FileNotFoundError:
        raise InvalidInput(f"找不到训练数据 {path}") from None
    except (KeyError, csv.Error) as e:
        raise InvalidInput(f"训练数据格式不对 (需要 id,title,content,label 列, label 为 0/1/2): {e}") from None


def build(data: Path = DEFAULT_DATA, out: Path = MODEL_PATH) -> dict:
    rows = load_bdci(data)
    counts = train_counts(rows)
    meta = {
        "model": "snownlp Bayes counts, jieba words (title twice), Laplace smoothing over the shared vocabulary",
        "data": str(data.name), "data_sha256": sha256(data), "rows": len(rows),
        "rows_per_label": {label: sum(1 for r in rows if r[2] == label) for label in LABELS},
        "alpha": ALPHA, "negative_bias": NEGATIVE_BIAS, "built_on": date.today().isoformat(),
        "vocabulary": len(set().union(*[set(v["d"]) for v in counts["d"].values()])),
    }
    save(counts, out, meta)
    return meta


@dataclass(frozen=True)
class Scores:
    macro_f1: float
    macro_f1_folds_sd: float
    per_class: dict[str, dict[str, float]]     # label -> precision, recall, f1


def cross_validate(rows: list[tuple[str, str, str]], k: int = 5, seed: int = 7,
                   negative_bias: float = NEGATIVE_BIAS) -> Scores:
    """k-fold: every row is scored by a model that never saw it."""
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    feats = [features(t, b) for t, b, _ in rows]
    confusion = {(g, p): 0 for g in LABELS for p in LABELS}
    fold_f1 = []
    for fold in range(k):
        test = set(idx[fold::k])
        model = NewsSentiment(train_counts([rows[i] for i in idx if i not in test]), negative_bias=negative_bias)
        fc = {(g, p): 0 for g in LABELS for p in LABELS}
        for i in test:
            key = (rows[i][2], model.judge_features(feats[i]).label)
            confusion[key] += 1
            fc[key] += 1
        fold_f1.append(_macro(fc)[0])
    macro, per_class = _macro(confusion)
    return Scores(round(macro, 4), round(statistics.stdev(fold_f1), 4), per_class)


def _macro(confusion) -> tuple[float, dict]:
    per = {}
    for c in LABELS:
        tp = confusion[(c, c)]
        fp = sum(confusion[(o, c)] for o in LABELS if o != c)
        fn = sum(confusion[(c, o)] for o in LABELS if o != c)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        per[c] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4)}
    return sum(v["f1"] for v in per.values()) / len(LABELS), per
