"""The console under a shift's crowd: `monitor serve` on 1,000,000 posts, loaded from a second process by wrk
(Debian's package), with the daemon ticking beside it.

    .venv/bin/python bench/console_load.py [--db build/bench-console.db] [--clients 16] [--seconds 20]
                                           [--workers 1 2] [--threads 4]

The database is bench/console.py's (built if missing). For each `--workers` value: `monitor serve` is started
on a free port, a session is opened by logging in, and wrk runs `--clients` connections for `--seconds` against
值班台 (/) and then an open issue's page, reporting requests/s, p50/p95/p99 latency and errors (non-2xx and socket
errors). Meanwhile `monitor run --tick-every 5` ticks on the same database; the longest gap between its ticks
is reported (on time: about 5 s).

With `--first-collect 10000` (issue 32's case) the daemon also meets a new source listing that many items,
all about the agency, which it stores in its first pass while the console is loaded; the pass's duration is
reported from the daemon's log. Example: `--first-collect 10000 --clients 8 --seconds 600 --workers 2`.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from console import CONFIG, T0, WORDS, build  # noqa: E402
import random  # noqa: E402
from localfeeds import serve  # noqa: E402

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.1f\\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def session_cookie(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    opener.open(f"{base}/login", urllib.parse.urlencode({"name": "bench", "password": "bench password",
                                                          "csrf_token": token}).encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="build/bench-console.db")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--first-collect", type=int, default=0, metavar="ITEMS")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    if not os.path.exists(a.db):
        Path(a.db).parent.mkdir(parents=True, exist_ok=True)
        build(a.db, 1_000_000, 10_000, 1_000)
    tmp = Path(tempfile.mkdtemp())
    cfg = tmp / "sources.yaml"
    config_text = CONFIG
    if a.first_collect:
        rnd = random.Random(3)
        run_id = os.getpid()                # new links each run: the kept database already holds the last run's
        feed = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>big</title>' + "".join(
            f"<item><title>青禾县审计局{''.join(rnd.sample(WORDS, 3))}第{k}号</title><link>http://big{run_id}.example.cn/{k}"
            f"</link><description>{'，'.join(rnd.sample(WORDS, 12))}。</description></item>"
            for k in range(a.first_collect)) + "</channel></rss>").encode()

        feeds = serve(lambda path: feed if path.startswith("/big") else None)
        config_text = config_text.replace("sources:\n", f'sources:\n  - {{id: big, kind: rss, url: '
                                          f'"http://127.0.0.1:{feeds.server_port}/big.xml", interval: 1d}}\n', 1)
    cfg.write_text(config_text, encoding="utf-8")
    lua = tmp / "report.lua"
    lua.write_text(LUA, encoding="utf-8")
    now = (T0 + timedelta(minutes=10_000 * 30 + 60)).isoformat()
    monitor = [sys.executable, "-m", "monitor", "--config", str(cfg), "--db", a.db]
    print(f"{os.uname().nodename} {os.cpu_count()} cores, {datetime.now():%Y-%m-%d}; wrk {a.clients} connections, "
          f"{a.seconds} s per page, waitress {a.threads} threads per process; latency ms")
    for workers in a.workers:
        # both write their logs to files: a pipe nobody reads fills up and stops the process that writes to it
        daemon_log, serve_log = tmp / f"daemon-{workers}.log", tmp / f"serve-{workers}.log"
        daemon = subprocess.Popen([*monitor, "-vv", "--now", now, "run", "--tick-every", "5"],
                                  stdout=subprocess.DEVNULL, stderr=open(daemon_log, "w"))
        serve = subprocess.Popen([*monitor, "--now", now, "serve", "--port", "0", "--workers", str(workers),
                                  "--threads", str(a.threads)], stderr=open(serve_log, "w"))
        try:
            found = None
            while found is None:
                time.sleep(0.2)
                found = re.search(r"http://[\d.]+:\d+", serve_log.read_text(encoding="utf-8"))
            base = found[0]
            time.sleep(1.5)
            cookie = session_cookie(base)
            for name, path in (("值班台 /", "/"), ("issue /issues/10000", "/issues/10000")):
                out = subprocess.run(["wrk", "-t", "2", "-c", str(a.clients), "-d", f"{a.seconds}s", "--timeout", "10s",
                                      "-s", str(lua), "-H", f"Cookie: {cookie}", f"{base}{path}"],
                                     capture_output=True, text=True).stdout
                found = re.search(r"RESULT (.*)", out)
                if not found:
                    print(out)
                    continue
                n, errors, duration_us, p50, p95, p99 = found[1].split()
                print(f"workers {workers}  {name:22s} {int(n) / (int(duration_us) / 1e6):6.1f} req/s  p50 {p50:>7s}  "
                      f"p95 {p95:>7s}  p99 {p99:>7s}  errors {errors}")
        finally:
            serve.terminate()
            serve.wait(timeout=30)
            daemon.terminate()
            daemon.wait(timeout=30)
        log = daemon_log.read_text(encoding="utf-8")
        ticks = [datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S,%f") for m in
                 re.finditer(r"^(\S+ \S+) \S+ monitor\.daemon tick done", log, re.M)]
        if a.first_collect:
            big = re.search(r"source collected source=big items=(\d+) new=(\d+)", log)
            print(f"workers {workers}  first collect: {big[0] if big else 'not finished'}")
        gaps = [(b - a_).total_seconds() for a_, b in zip(ticks, ticks[1:])]
        print(f"workers {workers}  daemon beside it: {len(ticks)} ticks, longest gap {max(gaps, default=0):.1f} s")


if __name__ == "__main__":
    main()
