"""Real parts for tests: an HTTP server on 127.0.0.1 (port 0) that serves ../shared/data and
misbehaves on request, an SMTP server (aiosmtpd) on 127.0.0.1, and a database per test: a SQLite file,
or, in modules marked `backends`, each test a second time on a fresh PostgreSQL schema (tests/pgtest.py)."""
from __future__ import annotations

import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.drill.sink import SmtpSink

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def shared(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"shared data not present: {p}")
    return p


def bench_module(name: str):
    """A script of bench/ imported as a module (tests reuse its data construction)."""
    import importlib
    sys.path.insert(0, str(REPO / "bench"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/xml"
    delay_s: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    misbehave: str | None = None    # "reset" | "truncate" | "stream_50mb" | "drip" (one byte each 0.1 s)
    then: "Route | None" = None     # served after this route once (a flaky source that recovers)


class WebServer:
    """Serves `/shared/<path>` from ../shared/data and any route a test sets."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        web = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                web.hits[self.path] = web.hits.get(self.path, 0) + 1
                route = web.routes.get(self.path)
                if route is None and self.path.startswith("/shared/"):
                    f = SHARED / self.path[len("/shared/"):]
                    route = Route(body=f.read_bytes()) if f.is_file() else Route(404, b"not found", "text/plain")
                if route is None:
                    route = Route(404, b"not found", "text/plain")
                if route.then is not None:
                    web.routes[self.path] = route.then
                if route.delay_s:
                    time.sleep(route.delay_s)   # the server misbehaving on purpose, not a test waiting
                if route.misbehave == "reset":
                    self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                if route.misbehave == "truncate":
                    self.send_response(200)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body) * 2))
                    self.end_headers()
                    self.wfile.write(route.body)
                    self.close_connection = True
                    return
                if route.misbehave == "drip":
                    self.send_response(200)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    try:
                        for i in range(len(route.body)):
                            self.wfile.write(route.body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(0.1)     # the server misbehaving on purpose
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return
                if route.misbehave == "stream_50mb":
                    self.send_response(200)
                    self.send_header("Content-Type", route.content_type)
                    self.end_headers()
                    try:
                        for _ in range(50):
                            self.wfile.write(b"<!-- " + b"x" * (1024 * 1024) + b" -->")
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for k, v in route.headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(route.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def set(self, path: str, body: bytes | str, content_type: str = "application/xml", status: int = 200,
            **kw) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(status, body, content_type, **kw)
        return self.base_url + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class HeaderDrip:
    """A server that answers every request one byte of its response headers at a time, `every_s` apart:
    each read gets a byte, so no per-read timeout ever fires (a misbehaving platform or site, on purpose)."""

    def __init__(self, every_s: float = 0.1, size: int = 600):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.every_s, self.answer = every_s, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * size
        self.stop = threading.Event()
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.sock.settimeout(0.5)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.recv(65536)
            for byte in self.answer:
                if self.stop.is_set():
                    break
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    break
                time.sleep(self.every_s)        # the server misbehaving on purpose, not a test waiting
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.fixture
def web():
    server = WebServer()
    yield server
    server.close()


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


AGENCY_YAML = """\
agency:
  name: 青禾县审计局
  keywords:
    subject: [青禾县审计局]
    region: [青禾]
    event: [审计, 通报]
    exclude: [招聘]
timezone: Asia/Shanghai
fetch: {host_delay: 0s, retries: 0}    # every source here is on one local host; tests never wait
digest: {at: []}                        # no 值班交接 unless a test asks (tests/test_digest.py)
"""


def write_config(tmp_path: Path, sources_yaml: str, smtp_port: int | None = None, extra: str = "",
                 subject: str | None = None) -> Path:
    agency = AGENCY_YAML if subject is None else AGENCY_YAML.replace("subject: [青禾县审计局]", f"subject: [{subject}]")
    text = agency + "sources:\n" + sources_yaml + """
people:
  duty: [duty@agency.example.cn]
  deputy_leader: [deputy@agency.example.cn]
  head: [head@agency.example.cn, head2@agency.example.cn]
"""
    if smtp_port:
        text += f"smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, from: monitor@agency.example.cn}}\n"
    text += extra
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def pytest_generate_tests(metafunc):
    """A module or test marked `backends` runs on SQLite and on PostgreSQL."""
    if metafunc.definition.get_closest_marker("backends") and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["sqlite", "postgresql"])


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture(scope="session")
def pg_session():
    from pgtest import Session
    session = Session()
    yield session
    session.close()


@pytest.fixture
def db_target(tmp_path, backend, request) -> str:
    """Where this test's database is: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if backend == "postgresql":
        return request.getfixturevalue("pg_session").schema_url()
    return str(tmp_path / "monitor.db")


@pytest.fixture
def run(db_target):
    """run(*args, config=path) -> click Result, on this test's database (db_target)."""
    def _run(*args: str, config: Path | None = None):
        base = ["--db", db_target]
        if config is not None:
            base += ["--config", str(config)]
        return CliRunner().invoke(cli, [*base, *args], catch_exceptions=False)
    return _run


@pytest.fixture
def declared(web, smtp, tmp_path, run):
    """One crawled issue, declared Level II at 08:05 on 2026-03-16, with SMTP configured."""
    url = web.set("/f.xml", rss([("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "",
                                  "青禾县审计局审计组被举报")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n', smtp.port)
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    r = run("--now", "2026-03-16T08:05+08:00", "declare", "1", "--level", "II", "--by", "李娜", config=config)
    assert r.exit_code == 0, r.output
    return config


def rss(items: list[tuple[str, str, str, str]], encoding: str = "utf-8") -> bytes:
    """items: (title, link, pubDate, description)."""
    body = "".join(f"<item><title>{t}</title><link>{l}</link><pubDate>{p}</pubDate>"
                   f"<description>{d}</description></item>" for t, l, p, d in items)
    return (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>t</title>'
            f"<link>http://x/</link><description>d</description>{body}</channel></rss>").encode(encoding)


class MovableClock:
    """The one thing tests fake: time. A test moves it; nothing sleeps."""

    def __init__(self, at):
        self.at = at

    def now(self):
        return self.at


PASSWORD = "correct horse battery"
HOSTILE_TITLE = "<script>alert(1)</script>青禾县审计局审计组被举报接受宴请"


@pytest.fixture
def console(web, tmp_path, run, db_target):
    """A collected issue (whose first post is titled with a script tag), a duty officer 张敏 and a
    leader 王局长, and the console app on a movable clock at 2026-03-16 08:30 (+08:00)."""
    from datetime import datetime
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from monitor.config.load import load_config
    from monitor.desk import people
    from monitor.store.db import open_db
    from monitor.web import create_app

    hostile = HOSTILE_TITLE.replace("<", "&lt;").replace(">", "&gt;")
    url = web.set("/f.xml", rss([
        (hostile, "http://a.example.cn/1", "Mon, 16 Mar 2026 00:10:00 GMT", "青禾县审计局审计组被举报"),
        ("青禾县审计局审计组接受宴请 网友: 必须严肃处理", "http://a.example.cn/2", "Mon, 16 Mar 2026 00:20:00 GMT",
         "青禾县审计局审计组被举报接受宴请"),
        ("青禾县审计局开展审计进社区宣讲活动", "http://a.example.cn/3", "Sun, 15 Mar 2026 02:00:00 GMT",
         "青禾县审计局在社区开展政策宣讲"),
    ]))
    config_path = write_config(tmp_path, f'  - {{id: forum, name: 青禾论坛, kind: rss, url: "{url}"}}\n',
                               extra="console_url: http://console.example.cn:8765\n")
    assert run("--now", "2026-03-16T08:25+08:00", "collect", config=config_path).exit_code == 0
    db_path = db_target
    db = open_db(db_path)
    tz = ZoneInfo("Asia/Shanghai")
    at = datetime(2026, 3, 16, 8, 30, tzinfo=tz)
    people.add(db, "张敏", "duty", PASSWORD, at, "test")
    people.add(db, "王局长", "leader", PASSWORD, at, "test")
    clock = MovableClock(at)
    config = load_config(config_path)
    app = create_app(config, db_path, clock, refresh_s=1)
    yield SimpleNamespace(app=app, clock=clock, db=db, config=config, config_path=config_path, db_path=db_path,
                          tz=tz)
    db.conn.close()


class Row(tuple):
    """A row read by position or by name, and unpacked as values (as sqlite3.Row), from either engine."""

    def __new__(cls, found: dict):
        row = super().__new__(cls, found.values())
        row._names = list(found)
        return row

    def keys(self) -> list[str]:
        return self._names

    def __getitem__(self, key):
        return super().__getitem__(self._names.index(key) if isinstance(key, str) else key)


class Reader:
    """A test's own look into its database (db_target), the same on SQLite and PostgreSQL."""

    def __init__(self, target: str):
        from monitor.store.db import open_db
        self.db = open_db(target)

    def execute(self, sql: str, params=()):
        from monitor.store.db import rows
        if sql.lstrip()[:6].lower() != "select":
            self.db.execute(sql, params)
            return _Result()
        return _Result(Row(r) for r in rows(self.db, sql, params))

    def close(self):
        self.db.conn.close()


class _Result(list):
    def fetchall(self):
        return list(self)

    def fetchone(self):
        return self[0] if self else None
