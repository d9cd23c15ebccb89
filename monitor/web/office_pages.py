"""The 督查台's pages: every unit at a glance, one unit read-only, the quarterly 督促检查 ranking and its
workbook. Read from each unit's database through views/office.py; nothing here writes."""
from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, send_file, url_for

from ..errors import InvalidInput, MonitorError, NotFound
from ..report import office as office_report
from ..views import office as office_views
from ..views import inspection
from ..views import read as views
from ..clocks.rules import DEFAULT_POLICIES, ClockKind, IssueKind
from ..desk.door import Desk
from ..desk.people import Permission
from .common import by, requires

bp = Blueprint("office", __name__)


def unit_prefix(unit_id: str) -> str:
    """Where a unit's own console is mounted."""
    return f"/u/{unit_id}"


def _office():
    return current_app.config["MONITOR_OFFICE"]


def _rows(period) -> list[dict]:
    out = []
    for u in _office().units:
        try:
            db = current_app.config["MONITOR_UNIT_DB"](u.id)
        except MonitorError:                       # its database does not exist yet
            out.append(office_views.not_ready(u))
            continue
        out.append(office_views.unit_figures(u, db, g.now, period) | {"url": unit_prefix(u.id) + "/"})
    return out


@bp.get("/")
def home():
    office = _office()
    period = office_views.quarter(None, g.now, office_views.ZoneInfo(office.timezone))
    rows = _rows(period)
    pressing = sorted((c for r in rows for c in r["pressing"]), key=lambda c: c["due_at"])
    return render_template("office.html", rows=rows, period=period, pressing=pressing)


@bp.get("/ranking")
def ranking():
    office = _office()
    period = office_views.quarter(request.args.get("quarter"), g.now, office_views.ZoneInfo(office.timezone))
    rows = _rows(period)
    return render_template("office_ranking.html", rows=office_views.ranked(rows), period=period,
                           handling=office_views.ranked_by_handling(rows), quarter=request.args.get("quarter") or "")


@bp.get("/ranking.xlsx")
def ranking_xlsx():
    office = _office()
    period = office_views.quarter(request.args.get("quarter"), g.now, office_views.ZoneInfo(office.timezone))
    rows = _rows(period)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ranking.xlsx"
        office_report.write_ranking(path, office.name, period, office_views.ranked(rows), g.now, office.timezone,
                                    office_views.ranked_by_handling(rows))
        data = path.read_bytes()
    return send_file(BytesIO(data), as_attachment=True, download_name=f"督促检查排名-{period.label}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/ranking.pdf")
def ranking_pdf():
    office = _office()
    period = office_views.quarter(request.args.get("quarter"), g.now, office_views.ZoneInfo(office.timezone))
    rows = _rows(period)
    data = office_report.ranking_pdf(office.name, period, office_views.ranked(rows),
                                     office_views.ranked_by_handling(rows), g.now, office.timezone)
    return send_file(BytesIO(data), as_attachment=True, download_name=f"督促检查排名-{period.label}.pdf",
                     mimetype="application/pdf")


@bp.get("/units/<unit_id>")
def unit(unit_id: str):
    u = _office().unit(unit_id)
    if u is None:
        raise NotFound(f"没有单位 {unit_id}")
    try:
        db = current_app.config["MONITOR_UNIT_DB"](u.id)
    except MonitorError:
        raise NotFound(f"单位「{u.name}」还没有运行过") from None
    shown, total = views.ranked_issues(db, g.now, kinds=(IssueKind.OPINION,), limit=50)
    intake, _ = views.ranked_issues(db, g.now, not_kinds=(IssueKind.OPINION,), limit=50)
    sources = views.sources(db, u.config, g.now)
    return render_template("office_unit.html", unit=u, issues=shown, more=total - len(shown), intake=intake,
                           findings=inspection.board(db, u.config, g.now), sources=sources,
                           default_days=DEFAULT_POLICIES[ClockKind.FEEDBACK].within_wd)


@bp.post("/units/<unit_id>/hand-down")
@requires(Permission.HAND_DOWN)
def hand_down(unit_id: str):
    """下发: one item to the unit, answered with 反馈 in its own console within the working days given."""
    office = _office()
    u = office.unit(unit_id)
    if u is None:
        raise NotFound(f"没有单位 {unit_id}")
    db = current_app.config["MONITOR_UNIT_DB"](u.id)
    about = request.form.get("about") or None
    days = request.form.get("days", "")
    if about is not None and not about.isdigit() or not days.isdigit():
        raise InvalidInput("关联舆情和办理期限应为数字")
    try:
        r = Desk(db, u.config, current_app.config["MONITOR_CLOCK"]).hand_down(
            request.form.get("title", ""), by=f"{by()}（{office.name}）", office=office.name, days=int(days),
            about=int(about) if about else None, url=(request.form.get("url") or "").strip() or None, now=g.now)
    except NotFound as e:                  # an issue of another unit, or none: said on the form's page
        raise InvalidInput(f"{u.name}: {e}") from None
    flash(f"已下发给{u.name}: 编号 {r.issue_id}, 须于 {r.due_at.astimezone(u.config.tz):%Y-%m-%d %H:%M} 前反馈", "ok")
    return redirect(url_for("office.unit", unit_id=u.id))
