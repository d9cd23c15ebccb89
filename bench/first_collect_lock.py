"""How long another process waits for the write lock while a big first collect runs.

    .venv/bin/python bench/first_collect_lock.py [--posts 10000]

One pass of `--posts` real posts (the same mix as bench/judge_e2e.py) through `Collector.judge_items` into a
real SQLite file, while a second process (the tick or an officer's action, as far as SQLite can tell) takes
the write lock (BEGIN IMMEDIATE; COMMIT) every 50 ms and records how long each took. Reported: the pass's
wall time, and the longest and 99th-percentile wait of the other process.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

PROBE = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], timeout=120, isolation_level=None)
waits, end = [], time.time() + float(sys.argv[2])
while time.time() < end:
    t = time.perf_counter(); con.execute("BEGIN IMMEDIATE"); con.execute("COMMIT"); waits.append(time.perf_counter() - t)
    time.sleep(0.05)
waits.sort()
print(f"other process: {len(waits)} writes, longest wait {waits[-1]:.2f} s, p99 {waits[int(len(waits) * .99)]:.2f} s")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=10000)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    import judge_e2e
    from monitor.clock import SimClock
    from monitor.collect.pipeline import Collector
    from monitor.config.load import load_config
    from monitor.store.db import open_db

    items = judge_e2e.real_posts(args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "sources.yaml"
        cfg.write_text(judge_e2e.CONFIG, encoding="utf-8")
        config = load_config(cfg)
        db = open_db(str(Path(tmp) / "bench.db"))
        at = datetime(2026, 3, 16, tzinfo=timezone.utc)
        collector = Collector(db, config, SimClock(at))
        collector.scorer.judge("预热", "")
        probe = subprocess.Popen([sys.executable, "-c", PROBE, str(Path(tmp) / "bench.db"),
                                  str(max(10, args.posts / 400))])
        started = time.perf_counter()
        collector.judge_items(config.sources[0], items, at)
        print(f"pass of {len(items)} posts: {time.perf_counter() - started:.1f} s")
        probe.wait()


if __name__ == "__main__":
    main()
