"""Does judging a new post slow down as history grows? CPU per post on an empty database against one
holding a year of posts.

    .venv/bin/python bench/judge_history.py [--history 1000000] [--posts 2000]

The history is written straight into a real SQLite file (migrated as the monitor would): posts spread
evenly over the 365 days before now, each with a content hash, a canonical URL and a SimHash fingerprint
with its bands, as the pipeline stores them (random fingerprints: a year of distinct originals), and the
full-text index kept by its triggers. Then `--posts` real posts (bench/judge_e2e.py's mix of Weibo
cascades, news and Weibo posts) go through `Collector.judge_items` in passes of 500, one simulated
minute apart, once into an empty database and once into the history. Reported: CPU milliseconds per
post for both, and the query plans of the lookups each new post makes (none may scan `posts`).
"""
from __future__ import annotations

import argparse
import hashlib
import platform
import random
import shutil
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from judge_e2e import CONFIG, real_posts

from monitor.clock import SimClock, to_iso
from monitor.collect.pipeline import Collector
from monitor.config.load import load_config
from monitor.judge.simhash import bands, to_signed
from monitor.store.db import open_db

NOW = datetime(2026, 3, 16, tzinfo=timezone.utc)
WORDS = ("审计", "整改", "资金", "项目", "乡镇", "群众", "反映", "通报", "公示", "检查", "补贴", "工程", "学校",
         "医院", "道路", "环境", "投诉", "回应", "调查", "处理")


def write_history(path: str, n: int) -> None:
    db = open_db(path)
    conn = db.conn
    conn.execute("PRAGMA synchronous=OFF")
    rnd = random.Random(7)
    step_s = 365 * 86400 / max(n, 1)
    start = NOW - timedelta(days=365)
    conn.execute("BEGIN")
    conn.execute("insert into sources(id, kind, url, status) values ('history', 'rss', 'http://127.0.0.1:9/h', 'ok')")
    batch = []
    for i in range(1, n + 1):
        fp = rnd.getrandbits(64)
        seen = to_iso(start + timedelta(seconds=i * step_s))
        title = "".join(rnd.sample(WORDS, 4)) + f"第{i}号"
        body = "，".join(rnd.sample(WORDS, 8))
        batch.append((i, "history", f"https://history.example/{i}", f"https://history.example/{i}",
                      hashlib.sha1(str(i).encode()).hexdigest(), title, body, seen, seen, "neutral",
                      to_signed(fp), *bands(fp)))
        if len(batch) == 20000 or i == n:
            conn.executemany("insert into posts(id, source_id, url, canonical_url, content_hash, title, body, "
                             "published_at, seen_at, sentiment_label, simhash, sh0, sh1, sh2, sh3, sh4, sh5) "
                             "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
            batch = []
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    db.conn.close()


def judge(path: str, items) -> float:
    """CPU seconds to judge `items` into the database at `path`."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "sources.yaml"
        cfg.write_text(CONFIG, encoding="utf-8")
        config = load_config(cfg)
        db = open_db(path)
        clock = SimClock(NOW)
        collector = Collector(db, config, clock)
        collector.scorer.judge("预热", "")
        cpu = 0.0
        for i in range(0, len(items), 500):
            t = time.process_time()
            collector.judge_items(config.sources[0], items[i:i + 500], clock.now())
            cpu += time.process_time() - t
            clock.advance(timedelta(minutes=1))
        plans(db)
        collector.close()
        return cpu


def plans(db) -> None:
    since = to_iso(NOW - timedelta(days=7))
    for what, sql, params in (
            ("same URL", "select id, issue_id, content_hash from posts where canonical_url = ?", ["x"]),
            ("same content", "select id from posts where content_hash = ? and duplicate_of is null order by id "
                             "limit 1", ["x"]),
            ("near-duplicate", "select id, simhash from posts where (sh0 = ? or sh1 = ? or sh2 = ? or sh3 = ? or "
                               "sh4 = ? or sh5 = ?) and duplicate_of is null and id >= ?", [1, 2, 3, 4, 5, 6, 10]),
            ("rule cap", "select count(*) from posts where matched_rule = ? and seen_at >= ? and seen_at < ?",
             ["r", since, since])):
        detail = "; ".join(r[-1] for r in db.conn.execute(f"explain query plan {sql}", params))
        print(f"    {what}: {detail}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--history", type=int, default=1_000_000)
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--keep", metavar="FILE", help="Keep the history database here (and reuse it when it exists).")
    args = ap.parse_args()
    items = real_posts(args.posts)
    print(f"machine: {platform.machine()} CPython {platform.python_version()}, {datetime.now().date()}")
    with tempfile.TemporaryDirectory() as tmp:
        empty = str(Path(tmp) / "empty.db")
        print("empty database:")
        cpu_empty = judge(empty, items)
        full = str(Path(tmp) / "history.db")
        if args.keep and Path(args.keep).exists():
            shutil.copyfile(args.keep, full)
        else:
            t = time.perf_counter()
            write_history(full, args.history)
            print(f"history: {args.history:,} posts written in {time.perf_counter() - t:.0f} s, "
                  f"{Path(full).stat().st_size / 2**20:,.0f} MiB")
            if args.keep:
                shutil.copyfile(full, args.keep)
        print(f"with {args.history:,} posts of history:")
        cpu_full = judge(full, items)
    print(f"CPU per post: empty {1000 * cpu_empty / len(items):.2f} ms, with history "
          f"{1000 * cpu_full / len(items):.2f} ms (ratio {cpu_full / cpu_empty:.2f})")


if __name__ == "__main__":
    main()
