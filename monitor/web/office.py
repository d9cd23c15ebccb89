"""The console of an office installation (config/office.py): the 政务公开办's 督查台 at `/`, read-only across
every unit, and each unit's own console mounted at `/u/<unit>/`, with its own accounts, secret and session
cookie (named and scoped for it), so nothing of one unit is reachable with another's login."""
from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlite_utils
from flask import Flask, g
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from ..clock import Clock, SystemClock
from ..config.office import Office
from ..desk import people
from ..desk.people import UserRole
from ..store.db import open_db
from . import filters
from .app import SESSION_HOURS, ScopedSession, create_app, gate, guard
from .auth import bp as auth_bp
from .office_pages import bp, unit_prefix


def create_office_app(office: Office, clock: Clock | None = None, behind_proxy: bool = False,
                      secure_cookies: bool = False, refresh_s: int = 30):
    """The WSGI application of the whole installation."""
    clock = clock or SystemClock()
    units = {}
    for u in office.units:
        open_db(u.db_path).conn.close()       # a unit whose daemon never ran still gets its (empty) console
        units[unit_prefix(u.id)] = create_app(u.config, u.db_path, clock, False, secure_cookies, refresh_s,
                                               cookie=f"monitor_{u.id}")
    app: object = DispatcherMiddleware(_office_app(office, clock, secure_cookies), units)
    if behind_proxy:                                  # one hop, once, for the office and every unit
        app = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    return app


def _office_app(office: Office, clock: Clock, secure_cookies: bool) -> Flask:
    app = Flask(__name__)
    local = threading.local()

    def db() -> sqlite_utils.Database:
        if getattr(local, "db", None) is None:
            local.db = open_db(office.db_path, shared=True)
        return local.db

    def unit_db(unit_id: str) -> sqlite_utils.Database:
        dbs = local.__dict__.setdefault("units", {})
        if unit_id not in dbs:
            # PostgreSQL: every unit through this thread's one session (100 units, not 100 connections)
            dbs[unit_id] = open_db(office.unit(unit_id).db_path, create=False, shared=True)
        return dbs[unit_id]

    app.config.update(
        SECRET_KEY=people.secret(db()), PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME="monitor_office", WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False, MONITOR_OFFICE=office, MONITOR_UNIT_DB=unit_db, MONITOR_CLOCK=clock)
    app.session_interface = ScopedSession()
    filters.install_filters(app, ZoneInfo(office.timezone))

    @app.context_processor
    def names() -> dict:
        return {"agency": office.name, "source_name": str, "config_refused": None, "timezone_name": office.timezone,
                "office": True}

    @app.before_request
    def load_user():
        g.now = clock.now()
        g.db = db()
        return gate(lambda user: user.role == UserRole.SUPERVISOR)     # the office's accounts are supervisors

    guard(app, "office.home")
    app.register_blueprint(auth_bp)
    app.register_blueprint(bp)
    return app
