"""From saving a keyword change in the console (方案管理) to the running daemon using it.

    .venv/bin/python bench/reload.py [--runs 5]

A real `monitor run` subprocess on a local feed whose one item is not about the agency. Each run saves a
new 主体词 through the console's own code path (`desk.plan.with_keywords` + `desk.plan.save`), then waits
until the daemon has stored the item (the source's interval is 1 minute, so it is fetched again as soon as
the daemon uses the new file). Reported per run: seconds from the save to the daemon's "configuration
reloaded" log line, and to the post in the database (which also waits for the source's next fetch).
"""
from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from monitor.config.load import load_config
from monitor.config.schema import Keywords
from monitor.desk import plan
from monitor.store.db import open_db

FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>{word}药品回扣问题被曝光</title><link>http://b.example.cn/{n}</link><description>{word}</description></item>
</channel></rss>"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    state = {"body": b""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.end_headers()
            self.wfile.write(state["body"])

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tmp = Path(tempfile.mkdtemp())
    cfg = tmp / "sources.yaml"
    cfg.write_text(f"""agency:
  name: 青禾县审计局
  keywords:
    subject: [青禾县审计局]   # 主体词
sources:
  - {{id: forum, kind: rss, url: "http://127.0.0.1:{server.server_port}/f.xml", interval: 1m}}
people:
  duty: [duty@example.cn]
fetch: {{host_delay: 0s, retries: 0}}
digest: {{at: []}}
""", encoding="utf-8")
    db_path = tmp / "monitor.db"
    open_db(str(db_path)).conn.close()
    daemon = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), "--db", str(db_path), "run"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    reloaded: list[float] = []                   # when the daemon said it read the new file

    def watch() -> None:
        for line in daemon.stderr:
            if "configuration reloaded" in line:
                reloaded.append(time.monotonic())

    threading.Thread(target=watch, daemon=True).start()
    times, reloads = [], []
    try:
        time.sleep(3)
        subject = ["青禾县审计局"]
        for n in range(args.runs):
            word = f"白杨镇卫生院{n}"
            state["body"] = FEED.format(word=word, n=n).encode()
            time.sleep(16)                        # the daemon has seen the item and turned it away
            subject.append(word)
            text = plan.with_keywords(cfg.read_text(encoding="utf-8"), Keywords(tuple(subject)), ())
            db = open_db(str(db_path))
            saved = time.monotonic()
            plan.save(db, str(cfg), text, "bench", datetime.now(timezone.utc), "关键词")
            con = sqlite3.connect(db_path)
            while not con.execute("select 1 from posts where url = ?", [f"http://b.example.cn/{n}"]).fetchone():
                if time.monotonic() - saved > 180:
                    raise SystemExit("the daemon never used the new keyword")
                time.sleep(0.2)
            times.append(time.monotonic() - saved)
            reloads.append(reloaded[-1] - saved)
            print(f"run {n + 1}: reloaded {reloads[-1]:.1f} s after the save, the post stored after {times[-1]:.1f} s",
                  flush=True)
        assert load_config(cfg).agency.keywords.subject == tuple(subject)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        server.shutdown()
    print(f"save → reloaded: min {min(reloads):.1f} s, max {max(reloads):.1f} s; save → post stored (the source's "
          f"1-minute interval): min {min(times):.1f} s, max {max(times):.1f} s; {len(times)} runs")


if __name__ == "__main__":
    main()
