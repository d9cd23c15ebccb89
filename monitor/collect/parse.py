"""Turn fetched bytes into RawItems: RSS/Atom via feedparser, HTML list pages via CSS selectors.

Chinese charsets: GB2312/GBK are decoded as GB18030 (their superset) *before* parsing,
because feedparser and lxml otherwise produce mojibake or an empty document.
"""
from __future__ import annotations

import io
import re
import warnings
from urllib.parse import urljoin

import feedparser
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from ..config.schema import Selectors
from ..errors import FetchError
from ..judge.candidate import RawItem
from ..judge.text import SINGLE_BYTE, decode_html, header_charset, normalise_charset

# a page whose whole body is "index.html" is a page with no items, not a file name we were handed
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

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
    charset = feed_charset(body, content_type)
    if charset != "utf-8":
        text = body.decode(charset)
        text = re.sub(r"^\s*<\?xml[^>]*\?>", '<?xml version="1.0" encoding="utf-8"?>', text, count=1)
        body = text.encode("utf-8")
    elif _XML_DECL.match(body):
        body = _XML_DECL.sub(b'<?xml version="1.0" encoding="utf-8"?>', body, count=1)
    # always a stream: feedparser treats bytes that look like a path as a local file; no content type:
    # the charset is decided above, where a wrong claim cannot empty the feed
    parsed = feedparser.parse(io.BytesIO(body))
    if not parsed.entries and parsed.get("bozo") and not parsed.get("feed"):
        exc = parsed.get("bozo_exception")
        raise FetchError("bad_feed", f"无法解析的订阅源: {exc}")
    if not parsed.entries and not parsed.get("version"):
        raise FetchError("not_a_feed", "内容不是 RSS/Atom")
    items = []
    for e in parsed.entries:
        published = dict.get(e, "published") or dict.get(e, "updated") or dict.get(e, "dc_date")
        items.append(capped(e.get("title", ""), e.get("link") or "", _html_text((e.get("summary", "") or _content(e))
                                                                               [:SUMMARY_MAX * 4]), published, e.get("id")))
    return items


TITLE_MAX = 500            # characters; a real headline is under 100
SUMMARY_MAX = 20_000       # an article's main text fits
LINK_MAX = 2048
SHORT_MAX = 200            # a publication time, a guid


def capped(title: str, link: str, summary: str, published: str | None, guid: str | None) -> RawItem:
    """An item with each field cut to its cap before any further work (a 5 MB title costs nothing more
    than a headline downstream). A link beyond its cap is no link: the item is dropped as such."""
    return RawItem(_clean((title or "")[:TITLE_MAX * 2])[:TITLE_MAX], link.strip() if len(link) <= LINK_MAX else "",
                   _clean((summary or "")[:SUMMARY_MAX * 2])[:SUMMARY_MAX],
                   published[:SHORT_MAX] if published else published, guid[:SHORT_MAX * 5] if guid else guid)


def feed_charset(body: bytes, content_type: str = "") -> str:
    """The charset a feed's bytes are really in. Chinese sites often claim what is not so: GBK bytes
    under a UTF-8 header and declaration, or a server default of latin-1. A claim the bytes do not bear
    out is overruled (latin-1 and ASCII claims on non-ASCII bytes always are): UTF-8 when the bytes are
    valid UTF-8, else GB18030 when they are that; bytes that are neither, under no usable claim, are an
    error with its reason rather than a feed quietly read as mojibake and emptied by relevance."""
    decl = _XML_DECL.match(body)
    claims = [normalise_charset(decl[1].decode("ascii")) if decl else None, header_charset(content_type)]
    non_ascii = not body.isascii()
    for cs in claims:
        if not cs or (non_ascii and cs in _SINGLE_BYTE) or cs in ("utf-8", "gb18030"):
            continue
        try:
            body.decode(cs)
            return cs                   # another multi-byte claim the bytes bear out (Big5, …)
        except (UnicodeDecodeError, LookupError):
            continue
    for cs in ("utf-8", "gb18030"):
        try:
            body.decode(cs)
            return cs
        except UnicodeDecodeError:
            continue
    raise FetchError("bad_encoding", "内容既不是有效的 UTF-8 也不是 GB18030, 声明的编码也对不上: 无法读出中文")


_SINGLE_BYTE = SINGLE_BYTE


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
        items.append(capped(title, urljoin(base_url, link.strip()[:LINK_MAX * 2]), summary or "", date, None))
    if not items:
        if why := blocked(text):
            raise FetchError("blocked", f"返回的是登录/验证码页面 (“{why}”), 不是列表内容")
        if _list_is_there(soup, selectors.item):
            return []                   # the list is on the page, with nothing in it: a quiet day, not an error
        raise FetchError("no_items", f"选择器 {selectors.item!r} 在页面中没有匹配到条目")
    return items


def _list_is_there(soup: BeautifulSoup, item: str) -> bool:
    """Whether the container of the item selector (`ul.threads` of `ul.threads li`) is on the page: then an
    empty match is an empty list; without it the layout changed."""
    parts = item.strip().split()
    if len(parts) < 2:
        return False
    try:
        return soup.select_one(" ".join(parts[:-1]).rstrip(">+~ ")) is not None
    except Exception:                   # noqa: BLE001 - a selector soupsieve cannot split this way
        return False


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
