"""Sentiment: quality by k-fold cross-validation on the BDCI 2019 news development half, and speed.

    .venv/bin/python bench/sentiment.py [--data CSV] [--k 5]

Quality: every row is scored by a model trained without it (5 folds, fixed seed), with the
shipped settings; the negative-bias sweep shows the precision/recall trade-off.
Speed: the shipped model on one core over 200-character texts (real Weibo posts from
SMP2020-EWECT, concatenated to 200 characters), features included; stock SnowNLP for scale.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import date
from pathlib import Path

from monitor.judge.sentiment import NEGATIVE_BIAS, NewsSentiment
from monitor.judge.sentiment_train import DEFAULT_DATA, cross_validate, load_bdci

SMP = Path("../shared/data/sentiment/smp2020_ewect/usual_test_labeled.txt")


def texts_200(n: int) -> list[str]:
    pool = "".join(x["content"] for x in json.loads(SMP.read_text(encoding="utf-8")))
    return [pool[i * 200:(i + 1) * 200] for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--k", type=int, default=5)
    args = ap.parse_args()
    rows = load_bdci(args.data)
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}, "
          f"date {date.today()}")
    print(f"data: {args.data.name}, {len(rows)} rows, {args.k}-fold CV")
    for bias in (0.0, 0.4, NEGATIVE_BIAS, 1.2):
        s = cross_validate(rows, k=args.k, negative_bias=bias)
        neg = s.per_class["negative"]
        mark = "  <- shipped" if bias == NEGATIVE_BIAS else ""
        print(f"negative_bias={bias:.1f}: macro-F1 {s.macro_f1:.3f} (fold sd {s.macro_f1_folds_sd:.3f}), "
              f"negative P {neg['precision']:.3f} R {neg['recall']:.3f}, "
              f"positive F1 {s.per_class['positive']['f1']:.3f}, neutral F1 {s.per_class['neutral']['f1']:.3f}{mark}")
    model = NewsSentiment.load()
    texts = texts_200(5000)
    model.judge(texts[0])                               # jieba's dictionary loads on first use
    t = time.perf_counter()
    for x in texts:
        model.judge(x)
    ours = len(texts) / (time.perf_counter() - t)
    print(f"speed: {ours:,.0f} docs/s on one core ({len(texts)} texts of 200 characters)")
    from snownlp import SnowNLP
    t = time.perf_counter()
    for x in texts[:300]:
        SnowNLP(x).sentiments
    print(f"stock SnowNLP for scale: {300 / (time.perf_counter() - t):,.0f} docs/s")


if __name__ == "__main__":
    main()
