"""Documents from the console: the 舆情日报/周报/月报 (HTML or PDF), the annual workbook, an issue's
处置台账 (PDF, Word or HTML), an issue's posts and a search result as Excel, and the evidence snapshots (read as text; the bytes as fetched download
as an attachment, never rendered on this site)."""
from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote

from flask import Blueprint, Response, g, render_template, request

from ..views import console
from ..views.reports import PERIOD_NAMES, Period
from ..errors import InvalidInput
from ..report import annual, dossier, pdf, period
from ..report import posts as post_sheet

bp = Blueprint("documents", __name__)
MIME = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _download(content: bytes | str, name: str, fmt: str, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(content, mimetype=MIME[fmt],
                    headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"})


def _html_or_pdf(html: str, name: str, fmt: str) -> Response:
    if fmt == "pdf":
        return _download(pdf.html_to_pdf(html), f"{name}.pdf", "pdf")
    if fmt == "html":
        return _download(html, f"{name}.html", "html", inline=True)
    raise InvalidInput(f"不支持的格式 {fmt!r}")


@bp.get("/reports")
def reports():
    today = g.now.astimezone(g.config.tz).date()
    return render_template("reports.html", today=today.isoformat(), year=today.year,
                           periods=[(str(p), name) for p, name in PERIOD_NAMES.items()])


@bp.get("/reports/<kind>.<fmt>")
def period_report(kind: str, fmt: str):
    if kind not in Period.__members__.values():
        raise InvalidInput(f"没有 {kind} 这种报告")
    try:
        day = date.fromisoformat(request.args.get("date") or g.now.astimezone(g.config.tz).date().isoformat())
    except ValueError:
        raise InvalidInput("日期格式应为 2026-03-16") from None
    html = period.render(g.db, g.config, kind, day, g.now)
    return _html_or_pdf(html, f"{PERIOD_NAMES[Period(kind)]}-{day.isoformat()}", fmt)


@bp.get("/reports/annual-<int:year>.xlsx")
def annual_report(year: int):
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在 2000 到 2100 之间")
    summary, detail = annual.tables(g.db, g.config, year, g.now)
    out = io.BytesIO()
    annual.write_xlsx(out, g.config, year, summary, detail, annual.repeated(g.db, g.config, year))
    return _download(out.getvalue(), f"{year}年回应时限统计.xlsx", "xlsx")


@bp.get("/issues/<int:issue_id>/dossier.<fmt>")
def issue_dossier(issue_id: int, fmt: str):
    d = dossier.gather(g.db, g.config, issue_id, g.now)
    name = f"处置台账-{issue_id}"
    if fmt == "docx":
        return _download(dossier.docx(d), f"{name}.docx", "docx")
    return _html_or_pdf(dossier.html(d), name, fmt)


@bp.get("/issues/<int:issue_id>/posts.xlsx")
def issue_posts(issue_id: int):
    issue = console.issue_page(g.db, g.config, issue_id, g.now)
    return _download(post_sheet.xlsx(issue["posts"], g.config, f"舆情 {issue_id}: {issue['title']}"),
                     f"舆情{issue_id}-相关信息.xlsx", "xlsx")


@bp.get("/search.xlsx")
def search_posts():
    q = (request.args.get("q") or "").strip()[:100]
    found = console.search(g.db, g.config, q, limit=5000) if q else []
    return _download(post_sheet.xlsx(found, g.config, f"全文搜索「{q}」: {len(found)} 条"), f"搜索-{q[:20]}.xlsx", "xlsx")


@bp.get("/snapshots/<int:snapshot_id>")
def snapshot(snapshot_id: int):
    return render_template("snapshot.html", s=console.snapshot(g.db, snapshot_id))


@bp.get("/snapshots/<int:snapshot_id>/original")
def snapshot_original(snapshot_id: int):
    s = console.snapshot(g.db, snapshot_id)
    ext = "json" if s["kind"] == "item" else "html"
    return Response(s["body"], mimetype="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename=snapshot-{snapshot_id}-{s['sha256'][:12]}.{ext}",
                             "X-Content-Type-Options": "nosniff"})
