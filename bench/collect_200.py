"""One collection pass over 200 local sources, 10% of them misbehaving; then a second pass
when nothing changed.

    .venv/bin/python bench/collect_200.py

Each source is its own HTTP server on 127.0.0.1 (its own host:port, so per-host politeness
applies as for 200 real sites). 180 serve real feeds from ../shared/data/feeds (cycled, with an
ETag); 20 misbehave: 5 slow (1.5 s), 5 answer 500, 5 hang past the timeout, 5 reset the
connection. Reported: wall time of each pass, sources ok/failed, and the bytes of the second
pass as a share of the first (goal: at most 5%): conditional GET turns unchanged feeds into 304s.
"""
from __future__ import annotations

import hashlib
import platform
import socket
import struct
import tempfile
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from monitor.clock import SimClock
from monitor.config.load import load_config
from monitor.store.db import open_db
from monitor.collect.pipeline import Collector

FEEDS = sorted(p for p in Path("../shared/data/feeds").rglob("*.xml") if "illformed" not in str(p))


def server(behaviour: str, body: bytes) -> ThreadingHTTPServer:
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/robots.txt":
                self.send_error(404)
                return
            if behaviour == "reset":
                self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            if behaviour == "500":
                self.send_error(500)
                return
            if behaviour in ("slow", "hang"):
                time.sleep(1.5 if behaviour == "slow" else 6.0)     # the server misbehaving on purpose
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass                        # the client gave up on a hanging source, as it should

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def main() -> None:
    import logging
    logging.basicConfig(level=logging.ERROR)
    behaviours = ["slow"] * 5 + ["500"] * 5 + ["hang"] * 5 + ["reset"] * 5 + ["ok"] * 180
    servers = [server(b, FEEDS[i % len(FEEDS)].read_bytes()) for i, b in enumerate(behaviours)]
    sources = "".join(f'  - {{id: s{i:03d}, kind: rss, url: "http://127.0.0.1:{s.server_address[1]}/feed.xml"}}\n'
                      for i, s in enumerate(servers))
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "sources.yaml"
        cfg.write_text("agency:\n  name: 基准测试\n  keywords: {subject: [\"re:.\"]}\n"
                       "fetch: {timeout: 3s, retries: 1, host_delay: 0s}\n"
                       f"sources:\n{sources}people: {{duty: [duty@example.cn]}}\n", encoding="utf-8")
        config = load_config(cfg)
        db = open_db(str(Path(tmp) / "bench.db"))
        collector = Collector(db, config, SimClock(datetime(2026, 3, 16, tzinfo=timezone.utc)))
        collector.scorer.judge("预热", "")
        print(f"machine: {platform.machine()} CPython {platform.python_version()}, {datetime.now().date()}")
        passes = []
        for n in (1, 2):
            t = time.perf_counter()
            reports = collector.collect()
            wall = time.perf_counter() - t
            ok = sum(r.ok for r in reports)
            nbytes = sum(r.bytes for r in reports)
            unchanged = sum(r.not_modified for r in reports)
            passes.append(nbytes)
            print(f"pass {n}: {wall:.1f} s wall, {ok} ok / {len(reports) - ok} failed, {nbytes:,} bytes, "
                  f"{unchanged} not modified (304), {sum(r.new_posts for r in reports)} new posts")
        collector.close()
    for s in servers:
        s.shutdown()
    print(f"second pass bytes / first pass bytes: {passes[1] / passes[0]:.1%} (goal ≤ 5%)")


if __name__ == "__main__":
    main()
