"""Sentiment: the shipped model against the previous one, on news and on social posts; speed, memory,
and how well P(negative) is calibrated.

    .venv/bin/python bench/sentiment.py [--k 5] [--seed 7] [--news-only]   (needs the test or train extra)
    .venv/bin/python bench/sentiment.py --seed 7,11,3,13 --news-only   (several splits, and their mean)

News: k-fold cross-validation on the BDCI 2019 development half (the folds of earlier runs: rows
shuffled with seed 7, fold i = every k-th row from i; `--seed` gives another split of the same rows,
to tell a change that helps from one that suits these folds). In each fold the shipped recipe's news weights
are trained, tuned and calibrated on the other folds only (its own inner folds choose the biases),
and the previous model (SnowNLP Bayes over jieba words, bench/sentiment_nb_baseline.py) is trained on
the same rows; per-fold differences are paired.
Social: SMP2020-EWECT usual_test and virus_test (never trained on), emotions mapped as in training,
scored by the shipped model's social weights, and by the previous model trained on all the news.
Speed: one core (process time) over 5,000 texts of 200 characters (SMP2020 posts concatenated).
Memory: peak RSS of a fresh process that loads the shipped model and scores 1,000 texts.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, recall_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sentiment_nb_baseline import NaiveBayes, train_counts  # noqa: E402

from monitor.judge.candidate import SENTIMENTS  # noqa: E402
from monitor.judge.sentiment import FORMAT, Model  # noqa: E402
from monitor.judge.sentiment_train import (DATA, EVALUATION_FILES, NEWS_FILE, SETTINGS, fit_kind,  # noqa: E402
                                           load_news, load_social, scorer)

NEG = SENTIMENTS.index("negative")
POS = SENTIMENTS.index("positive")


def scores(y: list[int], p: list[int]) -> dict:
    return {"macro_f1": f1_score(y, p, average="macro"),
            "negative_recall": recall_score(y, p, labels=[NEG], average=None)[0],
            "positive_f1": f1_score(y, p, labels=[POS], average=None)[0]}


def news_cv(k: int, seed: int = 7) -> tuple[list[dict], list[dict], list[tuple[float, int]]]:
    docs = load_news(DATA / NEWS_FILE)
    idx = list(range(len(docs)))
    random.Random(seed).shuffle(idx)
    ours, before, calibration = [], [], []
    for fold in range(k):
        test = set(idx[fold::k])
        train = [docs[i] for i in idx if i not in test]
        held = [docs[i] for i in sorted(test)]
        part, _ = fit_kind(train, "news", SETTINGS)
        model = scorer({"format": FORMAT, "labels": list(SENTIMENTS), "ngram_max": SETTINGS["news"]["ngram_max"],
                        "kinds": {"news": part}})
        judged = [model.judge(d.title, d.body, "news") for d in held]
        y = [d.label for d in held]
        ours.append(scores(y, [SENTIMENTS.index(j.label) for j in judged]))
        calibration += [(j.negative, int(d.label == NEG)) for j, d in zip(judged, held)]
        nb = NaiveBayes(train_counts([(d.title, d.body, SENTIMENTS[d.label]) for d in train]))
        before.append(scores(y, [SENTIMENTS.index(nb.judge(d.title, d.body).label) for d in held]))
        print(f"  fold {fold}: shipped F1 {ours[-1]['macro_f1']:.3f} negR {ours[-1]['negative_recall']:.3f} | "
              f"previous F1 {before[-1]['macro_f1']:.3f} negR {before[-1]['negative_recall']:.3f}", flush=True)
    return ours, before, calibration


def social(shipped: Model) -> None:
    news = load_news(DATA / NEWS_FILE)
    nb = NaiveBayes(train_counts([(d.title, d.body, SENTIMENTS[d.label]) for d in news]))
    calibration = []
    for name in (*EVALUATION_FILES, "both"):
        docs = [d for f in EVALUATION_FILES for d in load_social(DATA / f)] if name == "both" \
            else load_social(DATA / name)
        y = [d.label for d in docs]
        judged = [shipped.judge("", d.body, "social") for d in docs]
        ours = scores(y, [SENTIMENTS.index(j.label) for j in judged])
        prev = scores(y, [SENTIMENTS.index(nb.judge(d.body).label) for d in docs])
        if name == "both":
            calibration = [(j.negative, int(d.label == NEG)) for j, d in zip(judged, docs)]
        print(f"  {name} ({len(docs)}): shipped macro-F1 {ours['macro_f1']:.3f} negR {ours['negative_recall']:.3f}"
              f" | previous macro-F1 {prev['macro_f1']:.3f} negR {prev['negative_recall']:.3f}")
    reliability("social, shipped model", calibration)


def reliability(what: str, pairs: list[tuple[float, int]]) -> None:
    print(f"  reliability of P(negative), {what}: predicted → observed (n)")
    for lo in np.arange(0, 1, 0.1):
        inside = [(p, o) for p, o in pairs if lo <= p < lo + 0.1 or (lo >= 0.9 and p == 1.0)]
        if inside:
            print(f"    {lo:.1f}–{lo + 0.1:.1f}: {statistics.mean(p for p, _ in inside):.2f} → "
                  f"{statistics.mean(o for _, o in inside):.2f} ({len(inside)})")
    brier = statistics.mean((p - o) ** 2 for p, o in pairs)
    print(f"    Brier score {brier:.3f}")


def texts_200(n: int) -> list[str]:
    pool = "".join(x["content"] for x in json.loads((DATA / EVALUATION_FILES[0]).read_text(encoding="utf-8")))
    return [pool[i * 200:(i + 1) * 200] for i in range(n)]


def speed(model: Model) -> None:
    texts = texts_200(5000)
    for kind in ("news", "social"):
        t = time.process_time()
        for x in texts:
            model.judge(x[:30], x, kind)
        print(f"  {kind}: {len(texts) / (time.process_time() - t):,.0f} docs/s on one core")


# VmHWM, not ru_maxrss: a child's ru_maxrss keeps its parent's peak across fork and exec
MEMORY = """
import re, sys
from monitor.judge.sentiment import Model
m = Model.load()
for t in sys.stdin.read().split("\\n"):
    m.judge(t[:30], t, "social")
print(int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())[1]) // 1024)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--seed", default="7",
                    help="shuffle of the news rows before the folds (7: the usual); several: 7,11,3,13")
    ap.add_argument("--news-only", action="store_true", help="skip social posts, speed and memory")
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}, "
          f"date {date.today()}")
    splits = []
    for seed in map(int, args.seed.split(",")):
        splits.append((seed, news(args.k, seed)))
    if len(splits) > 1:
        print("over the splits: " + ", ".join(f"seed {seed} {f1:.4f} (weakest negative recall {r:.3f})"
                                              for seed, (f1, r) in splits)
              + f"; mean macro-F1 {statistics.mean(f1 for _, (f1, _) in splits):.4f}")
    if args.news_only:
        return
    shipped = Model.load()
    print("social: SMP2020-EWECT test sets (never trained on)")
    social(shipped)
    print("speed:")
    speed(shipped)
    rss = subprocess.run([sys.executable, "-c", MEMORY], input="\n".join(texts_200(1000)), capture_output=True,
                         text=True, check=True).stdout.strip()
    print(f"memory: peak RSS {rss} MiB (a fresh process: load the model, score 1,000 texts)")
    print(f"this process: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")


def news(k: int, seed: int) -> tuple[float, float]:
    """One split's k-fold CV, printed; its mean macro-F1 and weakest fold's negative recall."""
    print(f"news: {k}-fold CV on {NEWS_FILE}, rows shuffled with seed {seed}")
    ours, before, calibration = news_cv(k, seed)
    for key in ("macro_f1", "negative_recall", "positive_f1"):
        a, b = [f[key] for f in ours], [f[key] for f in before]
        diffs = [x - y for x, y in zip(a, b)]
        print(f"  {key}: shipped {statistics.mean(a):.4f} ± {statistics.stdev(a):.3f} (min {min(a):.3f}), previous "
              f"{statistics.mean(b):.3f} ± {statistics.stdev(b):.3f}; paired differences "
              f"{', '.join(f'{d:+.3f}' for d in diffs)} (mean {statistics.mean(diffs):+.3f})")
    reliability("news, out of fold", calibration)
    return statistics.mean(f["macro_f1"] for f in ours), min(f["negative_recall"] for f in ours)


if __name__ == "__main__":
    main()
