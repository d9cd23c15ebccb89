"""Text from fetched bytes: charsets as Chinese sites declare them (GB2312/GBK read as GB18030), and the
readable text of a stored snapshot. Pure functions."""
from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup

_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.I)
_HEADER_CHARSET = re.compile(r"charset=[\"']?([A-Za-z0-9_-]+)", re.I)
_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "cp936", "euc-cn"}


def normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    n = name.strip().lower()
    return "gb18030" if n in _GB else n


def header_charset(content_type: str) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return normalise_charset(m[1]) if m else None


def decode_bytes(body: bytes, declared: list[str | None]) -> str:
    """Try the declared charsets in order (strictly), then UTF-8, then GB18030; never raise."""
    tried = []
    for cs in [*declared, "utf-8", "gb18030"]:
        cs = normalise_charset(cs)
        if not cs or cs in tried:
            continue
        tried.append(cs)
        try:
            return body.decode(cs)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("utf-8", errors="replace")


# a server's default claim that a Chinese page's bytes cannot bear out: overruled when the bytes are not ASCII
SINGLE_BYTE = frozenset({"iso-8859-1", "latin-1", "latin1", "l1", "windows-1252", "cp1252", "us-ascii", "ascii"})


def decode_html(body: bytes, content_type: str = "") -> str:
    """A page's text: its header and meta charsets when the bytes bear them out (a single-byte claim on
    non-ASCII bytes never does: ISO-8859-1 is a server default, not what a Chinese site wrote), then UTF-8,
    then GB18030."""
    meta = _META_CHARSET.search(body[:4096])
    claims = [header_charset(content_type), meta[1].decode("ascii") if meta else None]
    if not body.isascii():
        claims = [c for c in claims if normalise_charset(c) not in SINGLE_BYTE]
    return decode_bytes(body, claims)




def snapshot_text(body: bytes, content_type: str, kind: str) -> str:
    """What a snapshot says, as text to be read in the console (never its HTML: a page's scripts stay
    inert): an item's fields one per line, a page's visible text."""
    if kind == "item":
        fields = json.loads(body.decode("utf-8"))
        names = {"title": "标题", "link": "链接", "summary": "摘要", "published": "发布时间", "source_url": "来源地址"}
        return "\n".join(f"{label}: {fields[k]}" for k, label in names.items() if fields.get(k))
    soup = BeautifulSoup(decode_html(body, content_type), "lxml")
    for node in soup(["script", "style", "noscript", "template"]):
        node.decompose()
    lines = (" ".join(line.split()) for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)
