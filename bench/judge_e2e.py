"""End-to-end judgement throughput: relevance + dedupe + sentiment + clustering + store on real posts.

    .venv/bin/python bench/judge_e2e.py [--posts 50000] [--batch 500] [--database postgresql://…]

Posts are real texts: CED Weibo source posts and their reposts (shown as `comment//original`),
BDCI news headlines with leads, and SMP2020 Weibo posts, in that order of cascades interleaved
by batch. They go through `Collector.judge_items` (the pipeline's loop, without HTTP) into a real
SQLite file, `--batch` posts per pass, one simulated minute apart. The relevance rule keeps every
post (`re:.`), so every stage runs on every post. After each pass the same texts go through bare
sentiment scoring (interleaved, so both see the same machine load), with the shipped scorer and with the
previous one (bench/sentiment_nb_baseline.py: SnowNLP Bayes over jieba words, trained on the BDCI news;
the scorer the issue's 0.5 was set against). Reported: CPU time and posts per CPU-second, the ratios
(goal ≥ 0.5), wall time, and peak memory (max RSS).
"""
from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.clock import SimClock
from monitor.config.load import load_config
from monitor.store.db import open_db, rows
from pgutil import fresh, size_mb
from monitor.judge.candidate import RawItem
from monitor.collect.pipeline import Collector
from monitor.judge.sentiment import Model

DATA = Path("../shared/data")


def real_posts(n: int) -> list[RawItem]:
    out: list[RawItem] = []
    ced = DATA / "timeline/ced_weibo_rumor"
    for folder in ("rumor-repost", "non-rumor-repost"):
        for f in sorted((ced / folder).glob("*.json")):
            original = json.loads((ced / "original-microblog" / f.name).read_text(encoding="utf-8"))["text"]
            out.append(RawItem(original[:40], f"https://weibo.example/{f.stem}", original, None))
            for r in json.loads(f.read_text(encoding="utf-8")):
                text = f"{r['text'].strip() or '转发微博'}//{original}"
                out.append(RawItem(text[:40], f"https://weibo.example/{f.stem}/{r['mid']}", text, None))
    with open(DATA / "sentiment/bdci2019_news_dev/bdci2019_news_dev.csv", encoding="utf-8") as fh:
        out += [RawItem(r["title"], f"https://news.example/{r['id']}", r["content"], None) for r in csv.DictReader(fh)]
    for name in ("usual_test_labeled.txt", "virus_train.txt", "virus_test_labeled.txt"):
        for x in json.loads((DATA / "sentiment/smp2020_ewect" / name).read_text(encoding="utf-8")):
            out.append(RawItem(x["content"][:40], f"https://weibo.example/smp/{name}/{x['id']}", x["content"], None))
    return out[:n]


CONFIG = """agency:
  name: 基准测试
  keywords: {subject: ["re:."]}
sources:
  - {id: bench, kind: rss, url: "http://127.0.0.1:9/bench.xml"}
people: {duty: [duty@example.cn]}
"""


def previous_model():
    """The previous scorer, trained on the BDCI news (as bench/sentiment.py trains it on all the news)."""
    from sentiment_nb_baseline import NaiveBayes, train_counts
    with open(DATA / "sentiment/bdci2019_news_dev/bdci2019_news_dev.csv", encoding="utf-8") as fh:
        rows = [(r["title"], r["content"], ("positive", "neutral", "negative")[int(r["label"])])
                for r in csv.DictReader(fh)]
    model = NaiveBayes(train_counts(rows))
    model.judge("预热", "")
    return model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=50000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--database", help="a PostgreSQL database (schema bench_judge in it), instead of a file")
    args = ap.parse_args()
    items = real_posts(args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "sources.yaml"
        cfg.write_text(CONFIG, encoding="utf-8")
        config = load_config(cfg)
        target = fresh(args.database, "bench_judge") if args.database else str(Path(tmp) / "bench.db")
        db = open_db(target)
        clock = SimClock(datetime(2026, 3, 16, tzinfo=timezone.utc))
        collector = Collector(db, config, clock)
        source = config.sources[0]
        collector.scorer.judge("预热", "")                      # load the model outside the timing
        model = Model.load()
        previous = previous_model()
        started, segment_at = time.perf_counter(), 0.0
        kept, segments, pipeline_cpu, bare_cpu, previous_cpu = 0, [], 0.0, 0.0, 0.0
        for i in range(0, len(items), args.batch):
            batch = items[i:i + args.batch]
            cpu = time.process_time()
            report = collector.judge_items(source, batch, clock.now())
            pipeline_cpu += time.process_time() - cpu
            cpu = time.process_time()
            for it in batch:
                model.judge(it.title, it.summary[:200])
            bare_cpu += time.process_time() - cpu
            cpu = time.process_time()
            for it in batch:
                previous.judge(it.title, it.summary[:200])
            previous_cpu += time.process_time() - cpu
            kept += report.new_posts
            clock.advance(timedelta(minutes=1))
            done = i + args.batch
            if done % 10000 == 0 or done >= len(items):
                segments.append((done, (done - (segments[-1][0] if segments else 0)) / (pipeline_cpu - segment_at),
                                 len(collector.index_sync.index.sigs)))
                segment_at = pipeline_cpu
        wall_s = time.perf_counter() - started
        issues = rows(db, "select count(*) as n from issues")[0]["n"]
        reposts = rows(db, "select count(*) as n from posts where duplicate_of is not null")[0]["n"]
        stored_mb = (size_mb(args.database, "bench_judge") if args.database else
                     sum(p.stat().st_size for p in Path(tmp).glob("bench.db*")) / 2**20)
        collector.close()
    e2e, bare = len(items) / pipeline_cpu, len(items) / bare_cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.machine()} CPython {platform.python_version()}, {datetime.now().date()}")
    print(f"posts {len(items)}, kept {kept}, issues {issues}, reposts/near-duplicates {reposts}")
    print(f"end-to-end judgement: {pipeline_cpu:.1f} s CPU, {e2e:,.0f} posts per CPU-second; bare sentiment "
          f"(interleaved): {bare_cpu:.1f} s CPU, {bare:,.0f} posts per CPU-second; ratio {e2e / bare:.2f}")
    prev = len(items) / previous_cpu
    print(f"bare sentiment with the previous scorer (interleaved): {previous_cpu:.1f} s CPU, {prev:,.0f} posts per "
          f"CPU-second; ratio {e2e / prev:.2f}")
    print(f"wall time (all, interleaved): {wall_s:.1f} s")
    print(f"peak memory (max RSS): {peak_mb:,.0f} MB")
    print(f"database: {'PostgreSQL' if args.database else 'SQLite'}, {stored_mb:,.1f} MiB for {kept:,} posts "
          f"({stored_mb * 1_000_000 / max(kept, 1) / 1024:,.1f} GiB per million posts)")
    for done, rate, open_issues in segments:
        print(f"  up to post {done:>6,}: {rate:,.0f} posts per CPU-second with {open_issues:,} open issues in the index")


if __name__ == "__main__":
    main()
