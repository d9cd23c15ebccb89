"""Sustained collection by an office installation's worker processes: PostgreSQL against SQLite.

    .venv/bin/python bench/server.py --units 100 --sources 5000 --workers 4 --database postgresql://…/bench
    .venv/bin/python bench/server.py --units 100 --sources 5000 --workers 4     # the same on SQLite files

`--units` units share `--sources` feeds on one local HTTP server, each feed answering every fetch with
`--items` new posts (real texts: the CED/BDCI/SMP posts of bench/judge_e2e.py, cycled), read every
`--interval`. `monitor run --office DIR --processes W --only collect` runs the collection in `--workers`
processes, and `--processes 1 --only tick,deliver` the clocks, in real time, for `--seconds` after the
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


def units_total(targets: list[str]) -> int:
    """Posts stored in every unit (ids grow from 1 in each unit: the largest is the count)."""
    total = 0
    for t in targets:
        db = open_db(t)
        total += rows(db, "select coalesce(max(id), 0) as n from posts")[0]["n"]
        db.conn.close()
    return total


def children(pids: list[int]) -> list[int]:
    out = []
    for p in pids:
        out += [int(c) for c in subprocess.run(["pgrep", "-P", str(p)], capture_output=True, text=True).stdout.split()]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1)
    ap.add_argument("--sources", type=int, default=500, help="in all, spread over the units")
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--interval", default="10s")
    ap.add_argument("--workers", type=int, default=4, help="collect processes (each serving its share of the units)")
    ap.add_argument("--seconds", type=int, default=90)
    ap.add_argument("--database", help="PostgreSQL database (a schema per unit in it); default SQLite files")
    a = ap.parse_args()
    texts = real_posts(20000)
    server = feed_server(texts, a.items)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "office"
        (root / "agencies").mkdir(parents=True)
        (root / "office.yaml").write_text("office: 基准测试\n" + (f"database: {a.database}\n" if a.database else ""),
                                          encoding="utf-8")
        targets = []
        for u in range(a.units):
            folder = root / "agencies" / f"u{u:03d}"
            folder.mkdir()
            listed = "".join(f'  - {{id: s{i}, kind: rss, url: "http://127.0.0.1:{server.server_port}/s{i}.xml", '
                             f'interval: {a.interval}}}\n' for i in range(u, a.sources, a.units))
            (folder / "sources.yaml").write_text(f"""agency:
  name: 基准测试{u}
  keywords: {{subject: ["re:."]}}
sources:
{listed}people: {{duty: [duty@example.cn]}}
fetch: {{host_delay: 0s, retries: 0}}
""", encoding="utf-8")
            target = fresh(a.database, f"u_u{u:03d}") if a.database else str(folder / "monitor.db")
            open_db(target).conn.close()
            targets.append(target)
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        base = [sys.executable, "-m", "monitor", "run", "--office", str(root), "--tick-every", "10"]
        # as many units as workers or more: the units split between the processes; fewer: every worker
        # serves every unit, and the units' leases split the sources
        commands = ([[*base, "--processes", str(a.workers), "--only", "collect"]] if a.units >= a.workers else
                    [[*base, "--processes", "1", "--only", "collect"]] * a.workers)
        commands.append([*base, "--processes", "1", "--only", "tick,deliver"])
        procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env) for c in commands]
        while units_total(targets) == 0:
            time.sleep(0.5)
        time.sleep(5)                                   # past the first batches' start-up
        pids = [p.pid for p in procs] + children([p.pid for p in procs])
        pg = postgres_pids() if a.database else []
        n0, t0, cpu0, pg0 = units_total(targets), time.perf_counter(), cpu_s(pids), cpu_s(pg)
        waits, samples, sessions = 0, 0, 0
        probe = open_db(targets[0])
        while time.perf_counter() - t0 < a.seconds:
            time.sleep(1)
            if a.database:
                waits += rows(probe, "select count(*) as n from pg_locks where locktype = 'advisory' and not granted"
                              )[0]["n"]
                sessions = max(sessions, rows(probe, "select count(*) as n from pg_stat_activity where datname = "
                                                     "current_database()")[0]["n"])
                samples += 1
        n1, t1, cpu1, pg1 = units_total(targets), time.perf_counter(), cpu_s(pids), cpu_s(pg)
        probe.conn.close()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        stored = (sum(size_mb(a.database, f"u_u{u:03d}") for u in range(a.units)) if a.database else
                  sum(f.stat().st_size for f in (root / "agencies").glob("*/monitor.db*")) / 2**20)
        total = units_total(targets)
    wall = t1 - t0
    cores = os.cpu_count() or 1
    print(f"{platform.processor() or platform.machine()}, {cores} cores, {datetime.now():%Y-%m-%d}; "
          f"{'PostgreSQL' if a.database else 'SQLite'}; {a.units} units, {a.sources} sources x {a.items} new posts "
          f"every {a.interval}; {a.workers} collect processes + 1 tick/deliver")
    print(f"sustained: {(n1 - n0) / wall:,.0f} posts/s over {wall:.0f} s ({n1 - n0:,} posts); "
          f"a day at this rate: {(n1 - n0) / wall * 86400 / 1e6:,.1f} M posts")
    print(f"CPU: workers {(cpu1 - cpu0) / wall / cores:.0%} of the machine, PostgreSQL server "
          f"{(pg1 - pg0) / wall / cores:.0%}")
    if samples:
        print(f"write locks: {waits / samples:.2f} writers waiting on average (sampled each second); "
              f"at most {sessions} sessions on the database")
    print(f"database: {stored:,.1f} MiB for {total:,} posts ({stored * 1_000_000 / max(total, 1) / 1024:.2f} GiB "
          f"per million posts)")


if __name__ == "__main__":
    main()
