"""The drill's local sources: a forum list page, a Weibo RSS route (RSSHub style), a GBK news feed,
and the agency's own GBK list page. Each shows only what is published by the simulated now."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from .scenario import POSTS, ScriptedPost

TZ = ZoneInfo("Asia/Shanghai")


def _visible(source: str, start_at: datetime, now: datetime) -> list[tuple[int, ScriptedPost, datetime]]:
    out = [(i, p, start_at + timedelta(minutes=p.at_min)) for i, p in enumerate(POSTS) if p.source == source]
    return sorted([x for x in out if x[2] <= now], key=lambda x: x[2], reverse=True)[:20]


def forum_page(base: str, start_at: datetime, now: datetime) -> bytes:
    rows = "".join(
        f'<li class="thread"><a class="title" href="/forum/thread-{i}.html">{escape(p.title)}</a>'
        f'<span class="time">{at.astimezone(TZ):%Y-%m-%d %H:%M}</span><p class="digest">{escape(p.body)}</p></li>'
        for i, p, at in _visible("forum", start_at, now))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>青禾论坛 - 百姓话题</title></head>'
            f'<body><h1>百姓话题</h1><ul class="threads">{rows}</ul></body></html>').encode("utf-8")


def own_page(base: str, start_at: datetime, now: datetime) -> bytes:
    rows = "".join(
        f'<li><a href="/sjj/tzgg/{i}.html" title="{escape(p.title)}">{escape(p.title)}</a>'
        f'<span class="date">{at.astimezone(TZ):%Y-%m-%d %H:%M}</span><div class="zy">{escape(p.body)}</div></li>'
        for i, p, at in _visible("own", start_at, now))
    html = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
            f'<title>青禾县审计局 通知公告</title></head><body><div class="list"><ul>{rows}</ul></div></body></html>')
    return html.encode("gbk")


def rss(title: str, link: str, items: list[tuple[int, ScriptedPost, datetime]], path: str, rfc822: bool,
        encoding: str) -> bytes:
    def pub(at: datetime) -> str:
        return format_datetime(at) if rfc822 else f"{at.astimezone(TZ):%Y-%m-%d %H:%M:%S}"
    entries = "".join(
        f"<item><title>{xml_escape(p.title)}</title><link>{link}{path}{i}</link>"
        f"<guid>{link}{path}{i}</guid><pubDate>{pub(at)}</pubDate>"
        f"<description><![CDATA[<p>{escape(p.body)}</p>]]></description></item>"
        for i, p, at in items)
    doc = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>{xml_escape(title)}</title>'
           f"<link>{link}</link><description>{xml_escape(title)}</description>{entries}</channel></rss>")
    return doc.encode(encoding)


class DrillServer:
    """ThreadingHTTPServer on 127.0.0.1:0 whose pages follow the drill clock."""

    def __init__(self, clock, start_at: datetime):
        self.clock, self.start_at = clock, start_at
        drill = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                now = drill.clock.now()
                base = drill.base_url
                if self.path == "/forum/list.html":
                    body, ctype = forum_page(base, drill.start_at, now), "text/html; charset=utf-8"
                elif self.path == "/sjj/tzgg/":
                    body, ctype = own_page(base, drill.start_at, now), "text/html"
                elif self.path.startswith("/rsshub/weibo/keyword/"):
                    body = rss("微博关键词: 青禾审计 - RSSHub", base, _visible("weibo", drill.start_at, now),
                               "/weibo/status/", True, "utf-8")
                    ctype = "application/xml; charset=utf-8"
                elif self.path == "/news/rss.xml":
                    body = rss("青禾新闻网 - 本地新闻", base, _visible("news", drill.start_at, now),
                               "/news/", False, "gbk")
                    ctype = "application/xml"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
