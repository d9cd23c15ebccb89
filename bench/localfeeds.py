"""A local HTTP server for the benchmarks' feeds: `serve(body_for)` answers a GET with `body_for(path)` as RSS,
or 404 when it gives None (robots.txt, anything else). Threaded, on a free port of 127.0.0.1."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable


def serve(body_for: Callable[[str], bytes | None]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = body_for(self.path)
            self.send_response(404 if body is None else 200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_config(folder: Path, port: int, sources: int, interval: str) -> Path:
    """A sources.yaml in `folder` for `sources` feeds /s0.xml … on this server, each read every `interval`."""
    listed = "".join(f'  - {{id: s{i}, kind: rss, url: "http://127.0.0.1:{port}/s{i}.xml", interval: {interval}}}\n'
                     for i in range(sources))
    path = folder / "sources.yaml"
    path.write_text(f"""agency:
  name: 青禾县审计局
  keywords: {{subject: [青禾县审计局]}}
sources:
{listed}people:
  duty: [duty@example.cn]
fetch: {{host_delay: 0s, retries: 0}}
""", encoding="utf-8")
    return path
