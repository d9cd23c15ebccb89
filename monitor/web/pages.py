"""The console's pages: 值班台, issue, intake, sources, search, audit (with CSV export)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta

from flask import Blueprint, Response, g, render_template, request
from markupsafe import Markup

from .. import labels
from ..clock import local_str
from ..clocks.rules import INTAKE_KINDS, LEVELS, RESPONSE_KINDS
from ..views import console
from ..views import read as views
from ..errors import InvalidInput, NotFound
from ..judge.candidate import SENTIMENTS
from ..store.audit import Action
from .cache import Fragments

bp = Blueprint("pages", __name__)
AUDIT_ROWS = 200          # on the page; the CSV export has every row
POSTS_SHOWN = 50          # an issue's newest posts on its page; ?posts=all (and the Excel export) has every one


BOARDS = Fragments()
PAGES = Fragments()


@bp.get("/")
def home():
    """值班台: the board (rendered once per database change and minute for everyone), or only the board for
    the page's 30 s refresh."""
    board = Markup(BOARDS.get("board", lambda: render_template("_board.html", d=console.home(g.db, g.config, g.now))))
    if request.args.get("partial") == "board":
        return board
    return render_template("home.html", board=board)


@bp.get("/issues/<int:issue_id>")
def issue(issue_id: int):
    if issue_id > 2**62:
        raise NotFound(f"没有编号为 {issue_id} 的舆情")
    everything = request.args.get("posts") == "all"
    title = console.issue_title(g.db, issue_id)              # NotFound: 404

    def render() -> str:
        i = console.issue_page(g.db, g.config, issue_id, g.now)
        shown = i["posts"] if everything else i["posts"][-POSTS_SHOWN:]
        return render_template("_issue.html", i=i, shown=shown, levels=LEVELS, response_kinds=RESPONSE_KINDS,
                               sentiments=SENTIMENTS)
    body = Markup(PAGES.get(f"issue:{issue_id}:{int(everything)}", render, forms=True))
    return render_template("issue.html", issue_id=issue_id, title=title, body=body)


@bp.get("/intake")
def intake():
    closed = request.args.get("closed") == "1"
    return render_template("intake.html", items=console.intake_items(g.db, g.now, closed), kinds=INTAKE_KINDS,
                           closed=closed, repeated=console.repeated_requests(g.db, g.now))


@bp.get("/sources")
def sources():
    return render_template("sources.html", sources=views.sources(g.db, g.config, g.now))


@bp.get("/search")
def search():
    q = (request.args.get("q") or "").strip()[:100]
    exact = request.args.get("count") == "exact"
    results = console.search(g.db, g.config, q) if q else None
    total = console.search_total(g.db, q, exact) if results is not None and len(results) >= 100 else None
    return render_template("search.html", q=q, results=results, total=total, exact=exact)


def _day(text: str | None, end: bool = False) -> datetime | None:
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text).date()
    except ValueError:
        raise InvalidInput(f"日期格式应为 2026-03-16, 实际是 {text!r}") from None
    start = datetime.combine(d, time(0), g.config.tz)
    return start + timedelta(days=1) if end else start


@bp.get("/audit")
def audit():
    f = {k: (request.args.get(k) or "").strip() for k in ("issue", "by", "action", "from", "to")}
    issue_id = int(f["issue"]) if f["issue"].isdigit() and len(f["issue"]) < 18 else None
    trail = console.audit_trail(g.db, issue_id, f["by"] or None, f["action"] or None, _day(f["from"]),
                                _day(f["to"], end=True), None if request.args.get("format") == "csv" else AUDIT_ROWS)
    if request.args.get("format") == "csv":
        return _csv(trail)
    return render_template("audit.html", trail=trail, f=f, people=console.audit_people(g.db),
                           actions=[a.value for a in Action])


def _csv(trail: list[dict]) -> Response:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["编号", "时间", "操作人", "舆情编号", "操作", "详情"])
    for a in trail:
        w.writerow([a["id"], local_str(a["at"], g.config.tz), a["by"], a["issue_id"] or "",
                    labels.name(labels.ACTION_NAMES, a["action"]), json.dumps(a["detail"], ensure_ascii=False)])
    # a BOM so that Excel opens the Chinese text as UTF-8
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})
