"""Posts as an Excel sheet, as people ask for them: an issue's posts, or a search result. One row a post,
the columns a leader reads (title, source, time, sentiment, link), Chinese headers, local times."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from ..clock import post_time_str
from ..config.schema import Config
from ..labels import SENTIMENT_NAMES, name

HEADERS = ["编号", "标题", "来源", "发布时间", "情感", "人工修正", "转载自", "命中规则", "链接"]
WIDTHS = [8, 60, 18, 22, 8, 10, 8, 24, 50]


def xlsx(posts: list[dict], config: Config, title: str) -> bytes:
    """`posts`: rows with id, title, source_id, published_at, published_precision, seen_at, sentiment_label,
    sentiment_override, duplicate_of, matched_rule, url (an issue's posts or a search's)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "信息"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for p in posts:
        ws.append([p["id"], p["title"], config.source_name(p["source_id"]),
                   post_time_str(p.get("published_at"), p.get("published_precision"), p["seen_at"], config.tz),
                   name(SENTIMENT_NAMES, p.get("sentiment_override") or p.get("sentiment_label")),
                   "是" if p.get("sentiment_override") else "", p.get("duplicate_of") or "",
                   p.get("matched_rule") or "", p["url"]])
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
