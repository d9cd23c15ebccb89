"""Template helpers: local times, durations, Chinese names, the small posts-per-hour chart."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, g
from markupsafe import Markup

from .. import labels
from ..clock import from_iso, local_str, post_time_str, to_iso
from ..config.schema import Config
from ..views.describe import describe


def session_fresh(since_iso: str | None, now: datetime, hours: int) -> bool:
    since = from_iso(since_iso) if since_iso else None
    return since is not None and since <= now + timedelta(minutes=5) and now - since < timedelta(hours=hours)


def sparkline(counts: list[int], width: int = 120, height: int = 28, mark: int | None = None) -> Markup:
    """An inline SVG of posts per hour (bars), oldest left; no script, no external file. `mark`: the bar
    index where a red line is drawn (the response, on the 回应效果 chart)."""
    if not counts:
        return Markup("")
    top = max(counts) or 1
    step = width / len(counts)
    bars = [f'<rect x="{i * step:.1f}" y="{height - 1:.0f}" width="{width:.0f}" height="1" class="z"></rect>'
            for i in (0,)]           # the baseline: hours with nothing
    for i, c in enumerate(counts):
        if c:
            h = max(1.0, c / top * (height - 2))
            bars.append(f'<rect x="{i * step:.1f}" y="{height - h:.1f}" width="{max(step - 0.6, 0.8):.1f}" '
                        f'height="{h:.1f}"></rect>')
    if mark is not None:
        bars.append(f'<rect x="{mark * step - 0.5:.1f}" y="0" width="1.2" height="{height}" class="mark"></rect>')
    total = sum(counts)
    return Markup(f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
                  f'aria-label="近{len(counts)}小时 {total} 条"><title>近{len(counts)}小时新增 {total} 条 (最高 {top} 条/小时)'
                  f'</title>{"".join(bars)}</svg>')


def install(app: Flask, config: Config) -> None:
    """An agency console's filters, with its agency's name and sources' names on every page."""
    install_filters(app, config.tz)

    @app.context_processor
    def current_config() -> dict:
        """The agency's name and its sources' names as the configuration now in force gives them."""
        c = g.get("config") or config
        return {"agency": c.agency.name, "source_name": c.source_name, "config_refused": g.get("config_refused"),
                "timezone_name": c.timezone, "office": False}


def install_filters(app: Flask, tz) -> None:

    @app.template_filter("local")
    def local(value) -> str:
        return local_str(value, tz) if value else "-"

    @app.template_filter("iso")
    def iso(value) -> str:
        return to_iso(value) if isinstance(value, datetime) else (value or "")

    @app.template_filter("post_time")
    def post_time(p: dict) -> str:
        return post_time_str(p.get("published_at"), p.get("published_precision"), p.get("seen_at"), tz)

    @app.template_filter("href")
    def href(url) -> str:
        """A crawled link as an href only when it is http(s): `javascript:` and `data:` never become links."""
        return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else "#"

    app.template_filter("fetch_error")(labels.fetch_error)

    @app.template_filter("approx")
    def approx(n: int) -> str:
        """约 12 万 / 约 3,400: a count read at a glance."""
        return f"{n / 10000:.3g} 万" if n >= 10000 else f"{n:,}"

    @app.template_filter("pct")
    def pct(value) -> str:
        return f"{round((value or 0) * 100)}%"

    @app.template_filter("dur")
    def dur(seconds) -> str:
        return labels.duration(seconds or 0)

    @app.template_filter("describe")
    def describe_detail(detail: dict) -> str:
        return describe(detail, tz)

    app.jinja_env.globals.update(L=labels, name=labels.name, sparkline=sparkline)
