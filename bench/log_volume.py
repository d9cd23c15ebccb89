"""Lines of log a day from the daemon with 10 sources: the default level beside `-v` (the old unit's).

    .venv/bin/python bench/log_volume.py [--minutes 4] [--interval 1m]

Two `monitor run` subprocesses side by side, each on its own database and the same 10 local feeds (one new
item per source every 2 minutes, half of them about the agency), one at the default level and one with
`-v`. After `--minutes`, the lines each wrote (stdout and stderr) are counted and scaled to a day.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STARTED = time.monotonic()


def feed(i: int) -> bytes:
    n = int((time.monotonic() - STARTED) // 120)        # a new item every 2 minutes
    items = "".join(f"<item><title>{'青禾县审计局' if i % 2 else '白杨镇'}工作动态 {i}-{k}</title>"
                    f"<link>http://s{i}.example.cn/{k}</link><description>动态</description></item>"
                    for k in range(n, n + 3))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>s</title>{items}</channel></rss>'.encode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=4)
    ap.add_argument("--interval", default="1m")
    args = ap.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if not self.path.startswith("/s"):
                self.send_response(404)                   # robots.txt: none
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = feed(int(self.path.strip("/").split(".")[0][1:]))
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runs = {}
    for mode, flags in (("default", []), ("-v", ["-v"])):
        tmp = Path(tempfile.mkdtemp())
        sources = "".join(f'  - {{id: s{i}, kind: rss, url: "http://127.0.0.1:{server.server_port}/s{i}.xml", '
                          f'interval: {args.interval}}}\n' for i in range(10))
        (tmp / "sources.yaml").write_text(f"""agency:
  name: 青禾县审计局
  keywords: {{subject: [青禾县审计局]}}
sources:
{sources}people:
  duty: [duty@example.cn]
fetch: {{host_delay: 0s, retries: 0}}
""", encoding="utf-8")
        log = open(tmp / "log.txt", "w")
        runs[mode] = (subprocess.Popen([sys.executable, "-m", "monitor", *flags, "--config", str(tmp / "sources.yaml"),
                                        "--db", str(tmp / "monitor.db"), "run"], stdout=log, stderr=log), tmp)
    time.sleep(args.minutes * 60)
    for mode, (proc, tmp) in runs.items():
        proc.terminate()
        proc.wait(timeout=30)
        lines = (tmp / "log.txt").read_text(encoding="utf-8").splitlines()
        per_day = len(lines) * 1440 / args.minutes
        print(f"{mode:8s}: {len(lines)} lines in {args.minutes:g} min → about {per_day:,.0f} a day")
    server.shutdown()


if __name__ == "__main__":
    main()
