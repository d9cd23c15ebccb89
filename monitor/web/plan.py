"""方案管理 (administrators): keyword groups and rules with a 7-day preview, sources with a live preview of
what their selectors extract now. Every save goes through desk.plan (validated as `monitor check`,
audited with a diff, the previous version kept); the daemon and this console reload the file by themselves."""
from __future__ import annotations

import re

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from ..collect.fetch import Fetcher
from ..collect.pipeline import parse_items
from ..clocks.rules import ROLES
from ..config.schema import CHANNELS, ROBOT_KINDS, Keywords, Rule
from ..desk import plan
from ..desk.people import Permission
from ..errors import ConfigError, FetchError, InvalidInput
from ..labels import fetch_error
from ..store import audit as audit_rows
from .common import by, requires

bp = Blueprint("plan", __name__)
SPLIT = re.compile(r"[\n,，、;；]+")


def _terms(name: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in SPLIT.split(request.form.get(name) or "") if t.strip())


def _rules() -> tuple[Rule, ...]:
    out = []
    for i in range(int(request.form.get("rule_count") or 0) + 1):
        name = (request.form.get(f"rule{i}_name") or "").strip()
        if not name:
            continue                    # a rule whose name was cleared is deleted
        cap = (request.form.get(f"rule{i}_cap") or "").strip()
        if cap and not cap.isdigit():
            raise InvalidInput(f"规则「{name}」的每日上限应为正整数, 实际是 {cap!r}")
        out.append(Rule(name, _terms(f"rule{i}_all"), _terms(f"rule{i}_any"), _terms(f"rule{i}_none"),
                        int(cap) if cap else None))
    return tuple(out)


def _history() -> list[dict]:
    return audit_rows.search(g.db, action=audit_rows.Action.CONFIG_CHANGE, limit=10)


def _page(keywords: Keywords, rules: tuple[Rule, ...], preview=None, problems=()):
    return render_template("plan.html", kw=keywords, rules=rules, preview=preview, problems=problems,
                           sources=[*g.config.sources, *g.config.disabled], history=_history(), roles=ROLES,
                           people=g.config.people, robots=g.config.robots, robot_kinds=ROBOT_KINDS)


@bp.get("/plan")
@requires(Permission.CONFIGURE)
def page():
    return _page(g.config.agency.keywords, g.config.agency.rules)


@bp.post("/plan/keywords")
@requires(Permission.CONFIGURE)
def keywords():
    kw = Keywords(*(_terms(group) for group in plan.GROUPS))
    rules = _rules()
    text = plan.with_keywords(_read(), kw, rules)
    try:
        plan.validate(g.config.path, text)
    except ConfigError as e:
        return _page(kw, rules, problems=e.problems), 400
    if request.form.get("do") != "save":
        return _page(kw, rules, preview=plan.preview(g.db, g.config, kw, rules, g.now))
    plan.save(g.db, g.config.path, text, by(), g.now, "关键词与规则")
    flash("已保存监测方案: 采集程序会在一分钟内按新关键词判断 (原版本已保留)", "ok")
    return redirect(url_for("plan.page"))


@bp.post("/plan/recipients")
@requires(Permission.CONFIGURE)
def recipients():
    people = {role: _terms(f"people_{role}") for role in ROLES}
    robots = []
    for i in range(int(request.form.get("robot_count") or 0) + 1):
        name = (request.form.get(f"robot{i}_name") or "").strip()
        if not name:
            continue                    # a robot whose name was cleared is removed
        robots.append({"was": request.form.get(f"robot{i}_was") or None, "name": name,
                       "kind": request.form.get(f"robot{i}_kind") or "wecom",
                       "url": (request.form.get(f"robot{i}_url") or "").strip(),
                       "secret_env": (request.form.get(f"robot{i}_secret_env") or "").strip(),
                       "roles": tuple(r for r in ROLES if request.form.get(f"robot{i}_role_{r}"))})
    text = plan.with_recipients(_read(), people, robots)
    try:
        plan.validate(g.config.path, text)
    except ConfigError as e:
        return _page(g.config.agency.keywords, g.config.agency.rules, problems=e.problems), 400
    plan.save(g.db, g.config.path, text, by(), g.now, "接收人与机器人")
    flash("已保存接收人与机器人: 下一条通知起生效 (原版本已保留)", "ok")
    return redirect(url_for("plan.page"))


def _read() -> str:
    with open(g.config.path, encoding="utf-8") as f:
        return f.read()


def _source_values() -> dict:
    f = request.form
    sel = {k: (f.get(f"sel_{k}") or "").strip() for k in ("item", "title", "link", "date", "summary", "next")}
    authority = (f.get("authority") or "").strip()
    try:
        authority_value = float(authority) if authority else None
    except ValueError:
        raise InvalidInput(f"权重应为数字, 实际是 {authority!r}") from None
    return {"id": (f.get("id") or "").strip(), "name": (f.get("name") or "").strip(), "kind": f.get("kind") or "rss",
            "url": (f.get("url") or "").strip(), "interval": (f.get("interval") or "").strip() or None,
            "channel": f.get("channel") or None, "own": True if f.get("own") else None,
            "authority": authority_value if authority_value not in (None, 1.0) else None,
            "expect_new": (f.get("expect_new") or "").strip() or None,
            "enabled": None if f.get("enabled") else False,
            "selectors": sel if f.get("kind") == "html" and any(sel.values()) else None}


@bp.route("/plan/sources/<source_id>", methods=["GET", "POST"])
@bp.route("/plan/sources/new", methods=["GET", "POST"], defaults={"source_id": None})
@requires(Permission.CONFIGURE)
def source(source_id: str | None):
    existing = g.config.source(source_id) if source_id else None
    if source_id and existing is None:
        flash(f"没有来源 {source_id}", "error")
        return redirect(url_for("plan.page"))
    if request.method == "GET":
        return _form_page(existing, None)
    values = _source_values()
    text = plan.with_source(_read(), source_id, values)
    try:
        config = plan.validate(g.config.path, text)
    except ConfigError as e:
        return _form_page(existing, values, problems=e.problems), 400
    if request.form.get("do") != "save":
        return _form_page(existing, values, items=_fetch_now(config, values["id"]))
    plan.save(g.db, g.config.path, text, by(), g.now, f"来源「{values['name'] or values['id']}」")
    flash(f"已保存来源「{values['name'] or values['id']}」: 采集程序会在一分钟内使用 (原版本已保留)", "ok")
    return redirect(url_for("plan.page"))


def _shown(existing, values: dict | None) -> dict:
    """The form's fields: what was typed (after a preview or a refusal), else the source as configured."""
    if values is not None:
        return values | {"enabled": values["enabled"] is None, "own": bool(values["own"]),
                         "authority": values["authority"] or 1, "selectors": values["selectors"] or {}}
    if existing is None:
        return {"kind": "rss", "interval": "30m", "channel": "news", "authority": 1, "enabled": True, "selectors": {}}
    s = existing
    return {"id": s.id, "name": s.name, "kind": s.kind, "url": s.url, "interval": _span(s.interval_s),
            "expect_new": _span(s.expect_new_s) if s.expect_new_s else "", "channel": s.channel, "own": s.own,
            "authority": s.authority, "enabled": s.enabled,
            "selectors": {k: v for k, v in vars(s.selectors).items() if v} if s.selectors else {}}


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _form_page(existing, values, items=None, problems=()):
    return render_template("plan_source.html", s=existing, f=_shown(existing, values), items=items,
                           problems=problems, channels=CHANNELS)


def _fetch_now(config, source_id: str) -> dict:
    """What the source's page gives right now, read the way collection reads it."""
    s = config.source(source_id)
    fetcher = Fetcher(policy=config.fetch)
    try:
        items = parse_items(s, fetcher.fetch(s.id, s.url, robots=s.robots))
        return {"ok": True, "items": items[:20], "count": len(items)}
    except FetchError as e:
        return {"ok": False, "error": fetch_error(str(e))}
    finally:
        fetcher.close()
