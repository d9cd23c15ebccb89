"""Log in (rate-limited failures) and out."""
from __future__ import annotations

import logging

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from ..clock import to_iso
from ..desk import people
from ..desk.people import LoginResult
from .common import safe_next

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

MESSAGES = {
    LoginResult.WRONG: "用户名或密码不正确",
    LoginResult.DISABLED: "该账号已停用, 请联系管理员",
    LoginResult.LIMITED: f"登录失败次数过多, 请 {people.WINDOW.seconds // 60} 分钟后再试",
}


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.user is not None:
            return redirect(request.script_root + target)
        return render_template("login.html", next=target)
    name = request.form.get("name", "")
    result = people.login(g.db, name, request.form.get("password", ""), request.remote_addr or "-", g.now)
    log.info("login name=%s result=%s remote=%s", name[:40], result, request.remote_addr)
    if result != LoginResult.OK:
        return render_template("login.html", next=target, error=MESSAGES[result], name=name), \
            429 if result == LoginResult.LIMITED else 401
    session.clear()
    session.permanent = True
    session["user"] = name.strip()
    session["since"] = to_iso(g.now)
    session["gen"] = people.session_generation(g.db, name.strip())
    return redirect(request.script_root + target)       # `next` is a path within this console


@bp.post("/logout")
def logout():
    if g.user is not None:                  # ends this session and any copy of its cookie
        people.end_sessions(g.db, g.user.name)
    session.clear()
    return redirect(url_for("auth.login"))
