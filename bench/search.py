"""全文搜索 at scale: the console's search on 1,000,000 posts, beside Datasette's FTS query on the same rows.

    .venv/bin/python bench/search.py [--posts 1000000] [--db PATH] [--runs 20]

The database is bench/console.py's (synthetic posts: every title names 青禾县审计局, bodies of common
words), built once and kept at --db. Each query is run `--runs` times in process through
`views.console.search` (what the 全文搜索 page calls, 100 newest hits) and `search_total` (the 约 N 条 line);
reported: p50 and p95 CPU time (time.process_time) and wall time. The baseline is the query Datasette runs
for a table's `_search=` (rows whose rowid is in the FTS match, `limit 101`) over a trigram FTS5 table of
the same rows (`baseline_fts`, built once), as the console searched before migration 0028.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from console import build  # noqa: E402  (bench/console.py)

from monitor.config.load import load_config  # noqa: E402
from monitor.views import console as desk  # noqa: E402
from monitor.store.db import open_db  # noqa: E402

QUERIES = [("agency name, in every post", "青禾县审计局"), ("common 2-character word", "审计"),
           ("absent 2-character word", "噪音"), ("absent 4-character word", "拆迁补偿"),
           ("two words", "宴请 公车"), ("rare: one post", "第777777号")]
DATASETTE = "select rowid, * from posts where rowid in (select rowid from baseline_fts where baseline_fts match ?) " \
            "order by rowid limit 101"


def timed(fn, runs: int) -> tuple[float, float, float, object]:
    cpu, wall, out = [], [], None
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    cpu.sort()
    return statistics.median(cpu) * 1000, cpu[int(0.95 * (len(cpu) - 1))] * 1000, statistics.median(wall) * 1000, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--db", default="/tmp/bench-console.db")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if not os.path.exists(args.db):
        t = time.perf_counter()
        build(args.db, args.posts, 10_000, 1_000)
        print(f"built {args.db} in {time.perf_counter() - t:.0f} s")
    db = open_db(args.db)                # migrates an older file (0028 fills the pair index)
    if not db.execute("select 1 from sqlite_master where name = 'baseline_fts'").fetchone():
        t = time.perf_counter()
        db.execute("create virtual table baseline_fts using fts5(title, body, content='posts', content_rowid='id', "
                   "tokenize='trigram')")
        db.execute("insert into baseline_fts(baseline_fts) values ('rebuild')")
        print(f"built the trigram baseline in {time.perf_counter() - t:.0f} s")
    config = load_config(Path(__file__).resolve().parent.parent / "sources.yaml")
    n = db.execute("select count(*) from posts").fetchone()[0]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{n:,} posts; ms, p50 / p95 CPU, p50 wall")
    print(f"{'query':32s} {'console search':>22s} {'约 N 条':>14s} {'hits':>6s} {'Datasette FTS':>22s}")
    for label, q in QUERIES:
        c50, c95, w50, found = timed(lambda: desk.search(db, config, q), args.runs)
        e50, _, _, total = timed(lambda: desk.search_total(db, q), args.runs)
        words = " AND ".join(f'"{w}"' for w in q.split())
        d50, d95, dw, rows = timed(lambda: db.execute(DATASETTE, [words]).fetchall(), max(3, args.runs // 4)) \
            if all(len(w) >= 3 for w in q.split()) else (0, 0, 0, None)
        baseline = f"{d50:6.1f} / {d95:6.1f} / {dw:6.1f}" if rows is not None else "(trigram: no index)"
        print(f"{label:32s} {c50:6.1f} / {c95:6.1f} / {w50:6.1f} {e50:8.2f} ({total}) {len(found):6d} {baseline:>22s}")


if __name__ == "__main__":
    main()
