"""Sustained collection with several worker processes on one unit's database: PostgreSQL against SQLite.

    .venv/bin/python bench/server.py --workers 4 --database postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/server.py --workers 4                  # the same on a SQLite file
    .venv/bin/python bench/server.py --workers 1

`--sources` feeds on one local HTTP server, each answering every fetch with `--items` new posts (real texts:
the CED/BDCI/SMP posts of bench/judge_e2e.py, cycled), read every 10 s. `--workers` processes run
`monitor run --only collect` and one more `--only tick,deliver`, in real time, for `--seconds` after the
first posts are stored. Every post is kept (rule `re:.`), so every stage runs on every post. Reported: posts
stored per second (wall), the CPU the workers and the PostgreSQL server used (share of the machine), how
often a writer was waiting for the unit's write lock (sampled from pg_locks), and the database size.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from judge_e2e import real_posts
from localfeeds import serve
from pgutil import fresh, size_mb
from monitor.store.db import open_db, rows

TICKS = os.sysconf("SC_CLK_TCK")


def feed_server(texts, items: int):
    lock, counters = threading.Lock(), {}

    def body_for(path: str) -> bytes | None:
        if not path.endswith(".xml"):
            return None
        with lock:
            start = counters.get(path, 0)
            counters[path] = start + items
        entries = []
        for n in range(start, start + items):
            t = texts[(hash(path) + n) % len(texts)]
            entries.append(f"<item><title>{escape(t.title)}</title><link>http://feeds.example.cn{path}/{n}</link>"
                           f"<description>{escape(t.summary[:400])}</description></item>")
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                f"<link>http://x/</link><description>d</description>{''.join(entries)}</channel></rss>").encode()
    return serve(body_for)


def cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])         # utime, stime
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / TICKS


def postgres_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-f", "postgres"], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=500)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=90)
    ap.add_argument("--database", help="PostgreSQL database (schema bench_server in it); default a SQLite file")
    a = ap.parse_args()
    texts = real_posts(20000)
    server = feed_server(texts, a.items)
    with tempfile.TemporaryDirectory() as tmp:
        listed = "".join(f'  - {{id: s{i}, kind: rss, url: "http://127.0.0.1:{server.server_port}/s{i}.xml", '
                         f'interval: 10s}}\n' for i in range(a.sources))
        config = Path(tmp) / "sources.yaml"
        config.write_text(f"""agency:
  name: 基准测试
  keywords: {{subject: ["re:."]}}
sources:
{listed}people: {{duty: [duty@example.cn]}}
fetch: {{host_delay: 0s, retries: 0}}
""", encoding="utf-8")
        target = fresh(a.database, "bench_server") if a.database else str(Path(tmp) / "bench.db")
        open_db(target).conn.close()
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        base = [sys.executable, "-m", "monitor", "--config", str(config), "--db", target, "run", "--tick-every", "10"]
        procs = [subprocess.Popen([*base, "--only", "collect"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env=env) for _ in range(a.workers)]
        procs.append(subprocess.Popen([*base, "--only", "tick,deliver"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, env=env))
        db = open_db(target)
        count = lambda: rows(db, "select count(*) as n from posts")[0]["n"]   # noqa: E731
        while count() == 0:
            time.sleep(0.5)
        pids, pg = [p.pid for p in procs], postgres_pids() if a.database else []
        n0, t0, cpu0, pg0 = count(), time.perf_counter(), cpu_s(pids), cpu_s(pg)
        waits, samples = 0, 0
        while time.perf_counter() - t0 < a.seconds:
            time.sleep(1)
            if a.database:
                waits += rows(db, "select count(*) as n from pg_locks where locktype = 'advisory' and not granted")[0]["n"]
                samples += 1
        n1, t1, cpu1, pg1 = count(), time.perf_counter(), cpu_s(pids), cpu_s(pg)
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        stored = size_mb(a.database, "bench_server") if a.database else \
            sum(p.stat().st_size for p in Path(tmp).glob("bench.db*")) / 2**20
        total = count()
        db.conn.close()
    wall = t1 - t0
    cores = os.cpu_count() or 1
    print(f"{platform.processor() or platform.machine()}, {cores} cores, {datetime.now():%Y-%m-%d}; "
          f"{'PostgreSQL' if a.database else 'SQLite'}; {a.sources} sources x {a.items} new posts per fetch, "
          f"{a.workers} collect workers + 1 tick/deliver")
    print(f"sustained: {(n1 - n0) / wall:,.0f} posts/s over {wall:.0f} s ({n1 - n0:,} posts)")
    print(f"CPU: workers {(cpu1 - cpu0) / wall / cores:.0%} of the machine, PostgreSQL server "
          f"{(pg1 - pg0) / wall / cores:.0%}")
    if samples:
        print(f"write lock: {waits / samples:.2f} workers waiting for it on average (sampled each second)")
    print(f"database: {stored:,.1f} MiB for {total:,} posts ({stored * 1_000_000 / max(total, 1) / 1024:.2f} GiB "
          f"per million posts)")


if __name__ == "__main__":
    main()
