"""The 督查台's pages: every unit at a glance, one unit read-only, the quarterly 督促检查 ranking and its
workbook. Read from each unit's database through views/office.py; nothing here writes."""
from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path

from flask import Blueprint, current_app, g, render_template, request, send_file

from ..errors import MonitorError, NotFound
from ..report import office as office_report
from ..views import office as office_views
from ..views import inspection
from ..views import read as views
from ..clocks.rules import IssueKind

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
    return render_template("office.html", rows=_rows(period), period=period)


@bp.get("/ranking")
def ranking():
    office = _office()
    period = office_views.quarter(request.args.get("quarter"), g.now, office_views.ZoneInfo(office.timezone))
    return render_template("office_ranking.html", rows=office_views.ranked(_rows(period)), period=period,
                           quarter=request.args.get("quarter") or "")


@bp.get("/ranking.xlsx")
def ranking_xlsx():
    office = _office()
    period = office_views.quarter(request.args.get("quarter"), g.now, office_views.ZoneInfo(office.timezone))
    rows = office_views.ranked(_rows(period))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ranking.xlsx"
        office_report.write_ranking(path, office.name, period, rows, g.now, office.timezone)
        data = path.read_bytes()
    return send_file(BytesIO(data), as_attachment=True, download_name=f"督促检查排名-{period.label}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


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
                           findings=inspection.board(db, u.config, g.now), sources=sources)
