"""Issue clustering measured on real Weibo event cascades (CED, ../shared/data/timeline/ced_weibo_rumor).

    .venv/bin/python bench/cluster_ced.py [--cascades 20] [--noise 1000] [--per-cascade 400]

Each cascade (a source post and its reposts/comments) is one event. Its posts are interleaved
in time order with other cascades and with unrelated source posts (noise: singletons), and fed
one by one to the product's clustering (signature + IssueIndex, the same code as the pipeline).
A repost is shown as a crawler of Weibo sees it: its comment (or the default 转发微博) followed
by `//` and the original text. Reported: B-cubed precision / recall / F1 over all posts, and
after how many posts of a cascade its issue is "raised" (its largest cluster reaches RAISE_AT posts).
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

from monitor.judge.stages.cluster import IssueIndex, merge, signature

CED = Path("../shared/data/timeline/ced_weibo_rumor")
RAISE_AT = 5


def epoch(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").timestamp()   # the 87 string times


def load(cascades: int, noise: int, per_cascade: int, seed: int):
    rows = list(csv.DictReader(open(CED / "MANIFEST.csv", encoding="utf-8")))
    with_reposts = [r["file"] for r in rows if r["repost_file_included"] == "yes"]
    rnd = random.Random(seed)
    chosen = rnd.sample(with_reposts, cascades)
    posts = []      # (time, text, truth)
    for name in chosen:
        folder = "rumor-repost" if (CED / "rumor-repost" / name).exists() else "non-rumor-repost"
        original = json.loads((CED / "original-microblog" / name).read_text(encoding="utf-8"))
        posts.append((epoch(original["time"]), original["text"], name))
        reposts = json.loads((CED / folder / name).read_text(encoding="utf-8"))
        reposts.sort(key=lambda r: r["date"])
        for r in reposts[:per_cascade]:
            t = datetime.strptime(r["date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp() - 8 * 3600
            posts.append((t, f"{r['text'].strip() or '转发微博'}//{original['text']}", name))
    others = [r["file"] for r in rows if r["file"] not in chosen]
    for name in rnd.sample(others, noise):
        o = json.loads((CED / "original-microblog" / name).read_text(encoding="utf-8"))
        posts.append((epoch(o["time"]), o["text"], f"noise:{name}"))
    # interleave: their real dates span 2010–2014, so each cascade keeps its own timeline but starts
    # at a random moment of a 48 h window, and the noise posts fall uniformly over 72 h
    first = {}
    for t, _, truth in posts:
        first[truth] = min(first.get(truth, t), t)
    start = {truth: rnd.uniform(0, 48 * 3600) for truth in first if not truth.startswith("noise:")}
    at = [start[truth] + t - first[truth] if truth in start else rnd.uniform(0, 72 * 3600)
          for t, _, truth in posts]
    return [posts[i] for i in sorted(range(len(posts)), key=at.__getitem__)]


def bcubed(truth: list[str], pred: list[int]) -> tuple[float, float, float]:
    by_truth, by_pred = defaultdict(list), defaultdict(list)
    for i, (t, p) in enumerate(zip(truth, pred)):
        by_truth[t].append(i)
        by_pred[p].append(i)
    prec = rec = 0.0
    for i, (t, p) in enumerate(zip(truth, pred)):
        same_pred, same_truth = by_pred[p], by_truth[t]
        both = sum(1 for j in same_pred if truth[j] == t)
        prec += both / len(same_pred)
        rec += both / len(same_truth)
    n = len(truth)
    p, r = prec / n, rec / n
    return p, r, 2 * p * r / (p + r)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cascades", type=int, default=20)
    ap.add_argument("--noise", type=int, default=1000)
    ap.add_argument("--per-cascade", type=int, default=400)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--drift", action="store_true", help="merge issues that drift together, as the pipeline does")
    args = ap.parse_args()
    posts = load(args.cascades, args.noise, args.per_cascade, args.seed)
    index, sigs, next_id, pred = IssueIndex(), {}, 1, []
    merged_into: dict[int, int] = {}
    merges = 0

    def home(i: int) -> int:
        while i in merged_into:
            i = merged_into[i]
        return i
    seen_in_cascade, size, raised_after = Counter(), Counter(), {}
    started = time.perf_counter()
    for _, text, truth in posts:
        sig = signature(text[:60], text[60:], ())
        issue_id, _sim = index.best(sig)
        if issue_id is None:
            issue_id, next_id = next_id, next_id + 1
            sigs[issue_id] = {}
        sigs[issue_id] = merge(sigs[issue_id], sig)
        index.put(issue_id, sigs[issue_id])
        if args.drift:                  # as the pipeline does after a batch: issues become one incident
            for other, _why in index.drifted(issue_id, kinds=("opinion",)):
                if other in index.sigs and issue_id in index.sigs:
                    target, gone = min(issue_id, other), max(issue_id, other)
                    sigs[target] = merge(sigs[target], sigs.pop(gone))
                    index.remove(gone)
                    index.put(target, sigs[target])
                    merged_into[gone] = target
                    merges += 1
                    issue_id = target
        pred.append(issue_id)
        if not truth.startswith("noise:"):
            seen_in_cascade[truth] += 1
            size[(truth, issue_id)] += 1
            if truth not in raised_after and size[(truth, issue_id)] >= RAISE_AT:
                raised_after[truth] = seen_in_cascade[truth]
    elapsed = time.perf_counter() - started
    pred = [home(i) for i in pred]
    p, r, f = bcubed([t for _, _, t in posts], pred)
    cascade_posts = sum(1 for _, _, t in posts if not t.startswith("noise:"))
    print(f"posts {len(posts)} ({args.cascades} cascades, {cascade_posts} cascade posts, {args.noise} noise), "
          f"clusters {len(set(pred))}, {len(posts) / elapsed:,.0f} posts/s")
    print(f"B-cubed precision {p:.3f} recall {r:.3f} F1 {f:.3f}" + (f" ({merges} drift merges)" if args.drift else ""))
    raised = sorted(raised_after.values())
    print(f"issue raised (largest cluster >= {RAISE_AT} posts) for {len(raised)}/{args.cascades} cascades, "
          f"after median {statistics.median(raised):.0f} posts (max {max(raised)})")


if __name__ == "__main__":
    main()
