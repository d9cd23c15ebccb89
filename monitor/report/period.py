"""`monitor report daily|weekly|monthly`: one self-contained HTML file (styles and charts inline, no
script, no network) that opens on a phone as it does on a PC, and can be sent by email."""
from __future__ import annotations

import datetime as dt

import sqlite_utils
from jinja2 import Environment, PackageLoader, StrictUndefined

from ..clock import local_str
from ..config.schema import Config
from ..views import reports
from . import charts

_env = Environment(loader=PackageLoader("monitor.report", "templates"), undefined=StrictUndefined, autoescape=True)


def render(db: sqlite_utils.Database, config: Config, period: str, day: dt.date, now: dt.datetime) -> str:
    w = reports.window(period, day, config.tz)
    f = reports.figures(db, config, w, now)
    for i in f["top"]:
        i["first_seen_local"] = local_str(i["first_seen_at"], config.tz)
        for d in i["clocks"]:
            d["due_local"] = local_str(d["due_at"], config.tz)
    drawn = {"volume": charts.volume(f["buckets"], "每小时信息量与情感" if period == "daily" else "每日信息量与情感"),
             "sources": charts.horizontal_bars("各来源信息量", f["by_source"]) if f["by_source"] else ""}
    return _env.get_template("period.html").render(f=f, charts=drawn, generated_local=local_str(now, config.tz))
