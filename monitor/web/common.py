"""What every console view needs: the request's user, clock and database, permission checks,
safe redirects."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, g, render_template, request

from ..desk.people import Permission


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host): a login link cannot send anyone elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target.rstrip("?") or "/"


def back_to(referrer: str | None, default: str) -> str:
    """The page a form was sent from, when it is a page of this site (its path as the browser had it, so a
    console mounted under a path stays under it); else `default`."""
    parts = urlsplit(referrer or "")
    if parts.scheme in ("http", "https") and parts.netloc == request.host and parts.path.startswith("/") \
            and not parts.path.startswith("//") and "\\" not in parts.path:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return default


def requires(permission: Permission):
    """Refuse (403, with the reason on the page) a user whose role lacks `permission`."""
    def wrap(view):
        @wraps(view)
        def inner(*args, **kwargs):
            if g.user is None or not g.user.can(permission):
                return render_template("error.html", message="您的账号没有此项操作的权限 (领导账号可查看和确认收到; "
                                                             "登记回应等操作由值班员完成)"), 403
            return view(*args, **kwargs)
        return inner
    return wrap


def by() -> str:
    """Who acts: always the logged-in person, never a name typed into a form."""
    if g.user is None:
        abort(401)
    return g.user.name
