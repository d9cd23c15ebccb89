"""The console's Flask app: one SQLite connection per server thread, login on every page, CSRF on
every form (Flask-WTF), the injected clock, and library errors turned into messages on the page."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

import sqlite_utils
from flask import Flask, flash, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from ..clock import Clock, SystemClock
from ..config.live import LiveConfig, refused
from ..config.schema import Config
from ..desk import people
from ..errors import MonitorError, NotFound
from ..store.db import open_db
from . import filters
from .auth import bp as auth_bp
from .common import back_to, safe_next
from .forms import bp as forms_bp
from .documents import bp as documents_bp
from .pages import bp as pages_bp
from .plan import bp as plan_bp

log = logging.getLogger(__name__)

SESSION_HOURS = 12          # one shift; then log in again
OPEN_ENDPOINTS = {"auth.login", "static", "health"}


CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class ScopedSession(SecureCookieSessionInterface):
    """The session cookie is scoped to where the console is mounted as the browser sees it (a unit under
    `/u/<unit>/`, behind a proxy's prefix too), so another unit's pages are never sent it."""

    def get_cookie_path(self, app: Flask) -> str:
        return (request.script_root or "") + "/"


def create_app(config: Config, db_path: str, clock: Clock | None = None, behind_proxy: bool = False,
               secure_cookies: bool = False, refresh_s: int = 30, cookie: str = "monitor_session") -> Flask:
    """One agency's console; mounted under a path (`/u/<unit>/`, see web/office.py) it has its own cookie."""
    app = Flask(__name__)
    local = threading.local()
    clock = clock or SystemClock()
    live = LiveConfig(config)       # sources.yaml reread when it changes (the 方案管理 page writes it)

    def db() -> sqlite_utils.Database:
        if getattr(local, "db", None) is None:
            local.db = open_db(db_path, create=False, shared=True)     # PostgreSQL: the thread's one session
        return local.db

    app.config.update(
        SECRET_KEY=people.secret(db()),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME=cookie,
        WTF_CSRF_TIME_LIMIT=None,          # valid for the session (a form may stay open through a shift)
        WTF_CSRF_SSL_STRICT=False,         # behind the agency's proxy the Referer may be rewritten
        MONITOR_CONFIG=live, MONITOR_CLOCK=clock, MONITOR_DB=db, MONITOR_REFRESH_S=refresh_s,
    )
    app.session_interface = ScopedSession()
    if behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    filters.install(app, config)

    @app.before_request
    def load_user():
        g.now = clock.now()
        g.db = db()
        g.config = live.current()
        g.config_refused = refused(g.config)
        return gate()

    guard(app, "pages.home")
    app.register_blueprint(auth_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(forms_bp)
    app.register_blueprint(plan_bp)
    return app


def gate(allowed=lambda user: True):
    """Who is logged in (g.user), from a session that is fresh and whose account is active and `allowed`;
    without one, every page but the login sends to it (a form gets the message instead)."""
    g.user = people.active(g.db, session.get("user"), session.get("gen")) if session.get("user") else None
    if g.user is not None and (not allowed(g.user)
                               or not filters.session_fresh(session.get("since"), g.now, SESSION_HOURS)):
        session.clear()
        g.user = None
    if g.user is None and request.endpoint not in OPEN_ENDPOINTS:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=safe_next(request.full_path)))
        return render_template("error.html", message="登录已过期, 请重新登录"), 401
    return None


def guard(app: Flask, home: str) -> None:
    """What every console app (a unit's, the office's) does around its pages: CSRF on every form (after the
    login check, so the error page has `g`), errors as pages or as a message back on the form's page, the
    headers that keep crawled content from running or framing it, and /healthz."""
    CSRFProtect(app)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_template("error.html", message="表单缺少或带有无效的校验码, 已拒绝。请刷新页面后重试。"), 400

    @app.errorhandler(NotFound)
    def not_found(e):
        return render_template("error.html", message=str(e)), 404

    @app.errorhandler(404)
    def no_page(e):
        return render_template("error.html", message="没有这个页面"), 404

    @app.errorhandler(500)
    def server_error(e):
        log.error("page failed path=%s error=%r", request.path, getattr(e, "original_exception", e))
        return render_template("error.html", message="服务器内部错误, 已记录在日志中。请稍后重试, 或联系管理员。"), 500

    @app.errorhandler(MonitorError)
    def monitor_error(e):
        flash(str(e), "error")
        return redirect(back_to(request.referrer, url_for(home)))

    @app.after_request
    def protect(response):
        """Only the console's own script runs, nothing frames it, and no address leaks to crawled sites."""
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.get("/healthz")
    def health():
        return {"ok": True}
