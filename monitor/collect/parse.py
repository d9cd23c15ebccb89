"""Turn fetched bytes into RawItems: RSS/Atom via feedparser, HTML list pages via CSS selectors.

Chinese charsets: GB2312/GBK are decoded as GB18030 (their superset) *before* parsing,
because feedparser and lxml otherwise produce mojibake or an empty document.
"""
from __future__ import annotations

import io
import re
from urllib.parse import urljoin

import feedparser
from bs4 import BeautifulSoup

from ..config.schema import Selectors
from ..errors import FetchError
from ..judge.candidate import RawItem
from ..judge.text import decode_bytes, decode_html, header_charset, normalise_charset

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9_.-]+)[\"'][^>]*\?>", re.I)



_BLOCKED = re.compile(r"验证码|安全验证|访问验证|人机验证|captcha|请先登录|登录后(查看|访问)|访问过于频繁|access denied",
                      re.I)


def blocked(text: str) -> str | None:
    """A login, captcha or rate-limit page served instead of content: what it says, else None."""
    m = _BLOCKED.search(text[:20000])
    return m.group(0) if m else None


def parse_feed(body: bytes, content_type: str = "") -> list[RawItem]:
    if not body.strip():
        raise FetchError("empty_body", "源返回了空内容")
    head = body[:2048]
    if re.search(rb"<html[\s>]", head, re.I) and not re.search(rb"<(rss|feed|rdf:RDF)[\s>]", head, re.I):
        if why := blocked(decode_html(body, content_type)):
            raise FetchError("blocked", f"返回的是登录/验证码页面 (“{why}”), 不是订阅内容")
        raise FetchError("not_a_feed", "期望 RSS/Atom, 实际返回的是 HTML 页面")
    decl = _XML_DECL.match(body)
    declared = normalise_charset(decl[1].decode("ascii")) if decl else None
    hdr = header_charset(content_type)
    if declared is None and hdr is None and _gb_not_utf8(body):
        declared = "gb18030"            # undeclared GB bytes: feedparser would guess Latin-1 (mojibake)
    if declared == "gb18030" or hdr == "gb18030":
        text = decode_bytes(body, [declared, hdr])
        text = re.sub(r"^\s*<\?xml[^>]*\?>", '<?xml version="1.0" encoding="utf-8"?>', text, count=1)
        parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")))
    else:
        # always a stream: feedparser treats bytes that look like a path as a local file
        parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-type": content_type} if content_type else None)
    if not parsed.entries and parsed.get("bozo") and not parsed.get("feed"):
        exc = parsed.get("bozo_exception")
        raise FetchError("bad_feed", f"无法解析的订阅源: {exc}")
    if not parsed.entries and not parsed.get("version"):
        raise FetchError("not_a_feed", "内容不是 RSS/Atom")
    items = []
    for e in parsed.entries:
        link = e.get("link") or ""
        title = _clean(e.get("title", ""))
        summary = _clean(_html_text(e.get("summary", "") or _content(e)))
        published = dict.get(e, "published") or dict.get(e, "updated") or dict.get(e, "dc_date")
        items.append(RawItem(title, link, summary, published, e.get("id")))
    return items


def _gb_not_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
        return False
    except UnicodeDecodeError:
        pass
    try:
        body.decode("gb18030")
        return True
    except UnicodeDecodeError:
        return False


def _content(entry) -> str:
    content = entry.get("content") or []
    return content[0].get("value", "") if content else ""


def _html_text(fragment: str) -> str:
    if "<" not in fragment:
        return fragment
    return BeautifulSoup(fragment, "lxml").get_text(" ")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def parse_html_list(body: bytes, selectors: Selectors, base_url: str, content_type: str = "") -> list[RawItem]:
    """Items of a list page. Selector `a@href` means: attribute href of the element `a`."""
    if not body.strip():
        raise FetchError("empty_body", "页面为空")
    text = decode_html(body, content_type)
    soup = BeautifulSoup(text, "lxml")
    items = []
    for node in soup.select(selectors.item):
        title = _select(node, selectors.title)
        link = _select(node, selectors.link)
        if not title or not link:
            continue
        date = _select(node, selectors.date) if selectors.date else None
        summary = _select(node, selectors.summary) if selectors.summary else ""
        items.append(RawItem(_clean(title), urljoin(base_url, link.strip()), _clean(summary or ""), date, None))
    if not items:
        if why := blocked(text):
            raise FetchError("blocked", f"返回的是登录/验证码页面 (“{why}”), 不是列表内容")
        raise FetchError("no_items", f"选择器 {selectors.item!r} 在页面中没有匹配到条目")
    return items


def next_page(body: bytes, selector: str, base_url: str, content_type: str = "") -> str | None:
    """The next list page's URL, from a selector like `a.next@href`."""
    soup = BeautifulSoup(decode_html(body, content_type), "lxml")
    link = _select(soup, selector)
    return urljoin(base_url, link.strip()) if link and link.strip() else None


def extract_article(body: bytes, content_type: str = "", url: str | None = None) -> str:
    """The main text of an article page (trafilatura), decoded GB18030-safely first."""
    import trafilatura      # half a second to import: only sources with `article: true` pay it
    return trafilatura.extract(decode_html(body, content_type), url=url, include_comments=False,
                               include_tables=False) or ""


def _select(node, selector: str) -> str | None:
    css, _, attr = selector.partition("@")
    target = node.select_one(css) if css.strip() else node
    if target is None:
        return None
    if attr:
        return target.get(attr)
    return target.get_text(" ", strip=True)
