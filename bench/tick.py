"""The clock tick's cost: decide and queue (no delivery) with 100 / 1,000 / 10,000 open deadlines and
100,000 historical notifications, on a real SQLite file.

    .venv/bin/python bench/tick.py [--open 100 1000 10000] [--history 100000] [--repeat 5]
    .venv/bin/python bench/tick.py --database postgresql://postgres@127.0.0.1/test     # the same on PostgreSQL

Each open deadline is a Level II release clock of its own issue, half of them already overdue (their
notices already sent, so the tick decides and queues nothing new: the steady state); the history is
sent notices of closed issues. Reported: CPU and wall time of one tick (median of --repeat).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.clock import to_iso
from monitor.config.load import load_config
from monitor.notify.render import Renderer
from monitor.notify.tick import queue_notices
from monitor.store.db import open_db
from pgutil import fresh

NOW = datetime(2026, 6, 1, 4, tzinfo=timezone.utc)
CONFIG = """\
agency:
  name: 青禾县审计局
  keywords: {subject: [青禾县审计局]}
sources:
  - {id: a, kind: rss, url: "http://127.0.0.1:9/a.xml"}
people:
  duty: [duty@example.cn]
  deputy_leader: [deputy@example.cn]
  head: [head@example.cn]
digest: {at: []}
"""


def build(path: str, n_open: int, n_history: int) -> None:
    db = open_db(path)
    c = db.conn
    c.execute("BEGIN")
    n_closed = n_history // 10
    c.executemany("insert into issues (id, title, kind, status, level, first_seen_at, heat, negative_share, "
                  "post_count) values (?, ?, 'opinion', ?, 'II', ?, 10, 0.5, 5)",
                  [(i, f"青禾县审计局事件{i}", "closed" if i <= n_closed else "open", to_iso(NOW - timedelta(days=30)))
                   for i in range(1, n_closed + n_open + 1)])
    rows = []
    for i in range(1, n_closed + n_open + 1):
        closed = i <= n_closed
        overdue = not closed and i % 2 == 0
        start = NOW - timedelta(hours=7 if overdue else 1) - (timedelta(days=30) if closed else timedelta(0))
        rows.append((i, i, "release", "国办发〔2016〕80号", "first_seen", to_iso(start), to_iso(start + timedelta(hours=5)),
                     "met" if closed else "open", to_iso(start)))
    c.executemany("insert into deadlines (id, issue_id, kind, basis, start_basis, started_at, due_at, status, "
                  "created_at) values (?,?,?,?,?,?,?,?,?)", rows)
    c.executemany("insert into notifications (key, issue_id, deadline_id, stage, role, recipients, subject, body, "
                  "fire_at, created_at, status, sent_at) values (?,?,?,?,?,?,?,?,?,?, 'sent', ?)",
                  [(f"h{k}", 1 + k % n_closed, 1 + k % n_closed, "remind", "duty", '["duty@example.cn"]', "s", "b",
                    to_iso(NOW - timedelta(days=30)), to_iso(NOW - timedelta(days=30)), to_iso(NOW - timedelta(days=30)))
                   for k in range(n_history)])
    c.execute("COMMIT")
    c.execute("ANALYZE")
    c.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--open", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--history", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--database", help="a PostgreSQL database (a schema bench_tick_<n> in it), instead of a file")
    a = ap.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {datetime.now():%Y-%m-%d}; "
          f"{a.history:,} historical notifications; {'PostgreSQL' if a.database else 'SQLite'}")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "sources.yaml"
        cfg.write_text(CONFIG, encoding="utf-8")
        config = load_config(cfg)
        renderer = Renderer()
        for n in a.open:
            path = fresh(a.database, f"bench_tick_{n}") if a.database else str(Path(tmp) / f"tick-{n}.db")
            build(path, n, a.history)
            db = open_db(path)
            first = queue_notices(db, config, NOW, renderer)        # queues what is due: the notices of this hour
            cpu, wall = [], []
            for _ in range(a.repeat):                               # the steady state: nothing new to queue
                c0, w0 = time.process_time(), time.perf_counter()
                queue_notices(db, config, NOW + timedelta(seconds=30), renderer)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            print(f"{n:>6} open deadlines: first tick queued {len(first.queued):>5}; steady tick "
                  f"CPU {statistics.median(cpu):.3f} s, wall {statistics.median(wall):.3f} s")
            db.conn.close()


if __name__ == "__main__":
    main()
