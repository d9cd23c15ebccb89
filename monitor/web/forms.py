"""The console's actions: each is a POST with a CSRF token, checked against the user's role, done by
the same desk/ function the CLI calls, recorded under the logged-in person."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, request, url_for

from .. import labels
from ..clock import parse_cli_time
from ..desk.door import Desk
from ..desk.people import Permission
from ..errors import InvalidInput
from .common import by, requires

bp = Blueprint("forms", __name__)


def _field(name: str, what: str) -> str:
    value = (request.form.get(name) or "").strip()
    if not value:
        raise InvalidInput(f"请填写{what}")
    return value


def _time(name: str):
    text = (request.form.get(name) or "").strip()
    return parse_cli_time(text, g.config.tz) if text else g.now


def _int(name: str, what: str) -> int:
    text = _field(name, what)
    if not text.isdigit() or len(text) > 12:
        raise InvalidInput(f"{what}应为数字, 实际是 {text!r}")
    return int(text)


def desk() -> Desk:
    """The one door for writes, with this request's database, configuration and clock."""
    return Desk(g.db, g.config, current_app.config["MONITOR_CLOCK"])


def _back(issue_id: int):
    return redirect(url_for("pages.issue", issue_id=issue_id))


@bp.post("/issues/<int:issue_id>/declare")
@requires(Permission.ACT)
def declare(issue_id: int):
    level = _field("level", "级别")
    r = desk().declare(issue_id, level, by=by(), now=g.now)
    started = "、".join(labels.name(labels.CLOCK_KIND_NAMES, s.kind) for s in r.started) or "无新计时"
    flash(f"已定为 {level} 级 ({labels.name(labels.LEVEL_NAMES, level)}), 开始计时: {started}", "ok")
    return _back(issue_id)


@bp.post("/issues/<int:issue_id>/instruct")
@requires(Permission.INSTRUCT)
def instruct(issue_id: int):
    desk().instruct(issue_id, request.form.get("text") or "", by=by(), now=g.now)
    flash("批示已记录, 值班员在本页可见", "ok")
    return _back(issue_id)


@bp.post("/issues/<int:issue_id>/ack")
@requires(Permission.ACK)
def ack(issue_id: int):
    desk().ack(issue_id, by=by(), now=g.now)
    flash("已确认收到: 停止重复催办 (时限继续计算)", "ok")
    return _back(issue_id)


@bp.post("/issues/<int:issue_id>/respond")
@requires(Permission.ACT)
def respond(issue_id: int):
    kind = _field("kind", "回应类型")
    r = desk().respond(issue_id, kind, _field("url", "发布地址"), at=_time("at"), by=by(), now=g.now)
    what = labels.name(labels.CLOCK_KIND_NAMES, kind)
    flash(f"已登记「{what}」; " + ("没有正在计时的该项时限" if r.deadline_id is None
                                 else f"时限已停止 ({'按时' if r.on_time else '超时'})"), "ok")
    return _back(issue_id)


@bp.post("/issues/<int:issue_id>/confirm")
@requires(Permission.ACT)
def confirm(issue_id: int):
    r = desk().confirm(issue_id, _int("post_id", "信息编号"), by=by(), now=g.now)
    flash(f"已确认为本单位发布, 「{labels.name(labels.CLOCK_KIND_NAMES, r.kind)}」时限已停止"
          + (f" ({'按时' if r.on_time else '超时'})" if r.deadline_id else ""), "ok")
    return _back(issue_id)


@bp.post("/issues/<int:issue_id>/extend")
@requires(Permission.ACT)
def extend(issue_id: int):
    due_at, provisional = desk().extend(issue_id, _field("approver", "批准人"), _int("days", "延期工作日数"),
                                        by=by(), now=g.now)
    flash("已延期" + (" (暂定)" if provisional else ""), "ok")
    return _back(issue_id)


@bp.post("/issues/<int:issue_id>/close")
@requires(Permission.ACT)
def close(issue_id: int):
    n = desk().close(issue_id, _field("reason", "关闭原因"), by=by(), now=g.now)
    flash(f"已关闭, 取消 {n} 个计时", "ok")
    return _back(issue_id)


@bp.post("/issues/<int:issue_id>/dismiss")
@requires(Permission.ACT)
def dismiss(issue_id: int):
    desk().dismiss(issue_id, _field("reason", "误报原因"), by=by(), now=g.now)
    flash("已标为误报: 该舆情不再发送预警", "ok")
    return _back(issue_id)


@bp.post("/issues/<int:issue_id>/reopen")
@requires(Permission.ACT)
def reopen(issue_id: int):
    n = desk().reopen(issue_id, _field("reason", "重新打开的原因"), by=by(), now=g.now)
    flash(f"已重新打开, 恢复 {n} 个计时", "ok")
    return _back(issue_id)


@bp.post("/posts/<int:post_id>/label")
@requires(Permission.ACT)
def label(post_id: int):
    value = _field("label", "情感")
    issue_id = desk().label(post_id, value, by=by(), now=g.now)
    flash(f"信息 {post_id} 已修正为{labels.name(labels.SENTIMENT_NAMES, value)}", "ok")
    return _back(issue_id) if issue_id else redirect(url_for("pages.home"))


@bp.post("/issues/<int:issue_id>/merge")
@requires(Permission.ACT)
def merge(issue_id: int):
    others = [int(v) for v in request.form.getlist("source") if v.isdigit() and len(v) < 12]
    if not others:
        raise InvalidInput("请选择要并入的舆情")
    n = desk().merge(issue_id, others, by=by(), now=g.now)
    flash(f"已将 {len(others)} 个舆情并入本舆情 (移入 {n} 条信息)", "ok")
    return _back(issue_id)


@bp.post("/issues/<int:issue_id>/split")
@requires(Permission.ACT)
def split(issue_id: int):
    ids = [int(v) for v in request.form.getlist("post") if v.isdigit() and len(v) < 12]
    new_id = desk().split(issue_id, ids, by=by(), now=g.now)
    flash(f"已拆分为新舆情 #{new_id}", "ok")
    return redirect(url_for("pages.issue", issue_id=new_id))


@bp.post("/intake")
@requires(Permission.ACT)
def intake():
    r = desk().intake(_field("kind", "类型"), _field("title", "标题"), received_at=_time("received"), by=by(),
                      now=g.now, url=(request.form.get("url") or "").strip() or None,
                      from_name=(request.form.get("from_name") or "").strip() or None)
    flash(f"已登记为 #{r.issue_id}" + (" (暂定时限: 该年份节假日安排尚未公布)" if r.provisional else ""), "ok")
    return _back(r.issue_id)
