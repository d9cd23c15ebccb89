"""Is a post still there? A pure verdict on what a re-check of its URL returned.

gone     HTTP 404 or 410; or a page that says the content was deleted (已被删除, 内容不存在, …);
         or a redirect that lands on the site's front page
present  any other page
unknown  the site could not be reached (timeout, 5xx, robots, …): a site being down is not deletion
"""
from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlsplit

DELETED_PHRASES = ("已被删除", "已删除", "内容不存在", "页面不存在", "帖子不存在", "该帖已被", "已被屏蔽",
                   "无法查看此内容", "该内容已被", "文章已被", "此内容因违规", "抱歉，您访问的页面", "微博不存在",
                   "该微博已被", "信息已下线", "已被作者删除", "404 Not Found")
# a deletion page is short; an article quoting the phrase is long
DELETED_PAGE_MAX_CHARS = 2000


class EvidenceState(StrEnum):
    PRESENT = "present"
    GONE = "gone"
    UNKNOWN = "unknown"


def verdict(url: str, status: int | None, final_url: str | None, text: str, error: str | None
            ) -> tuple[EvidenceState, str]:
    if status in (404, 410):
        return EvidenceState.GONE, f"HTTP {status}"
    if status is None or error:
        return EvidenceState.UNKNOWN, error or "无法访问"
    if final_url:
        before, after = urlsplit(url), urlsplit(final_url)
        if after.path.strip("/") in ("", "index.html", "index.htm", "index.shtml") and before.path.strip("/") \
                and not after.query:
            return EvidenceState.GONE, f"跳转到首页 {final_url}"
    body = " ".join(text.split())
    if len(body) <= DELETED_PAGE_MAX_CHARS:
        for phrase in DELETED_PHRASES:
            if phrase in body:
                return EvidenceState.GONE, f"页面显示「{phrase}」"
    return EvidenceState.PRESENT, f"HTTP {status}"
