"""The 政务公开办's view across its units: each unit's open issues by level, its clocks due and overdue, its
on-time rate per clock kind over a period, 回应效果, its 单项否决 findings and blind spots; and the ranking
of the quarterly 督促检查. Read from each unit's own database (see config/office.py), never written."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from ..clock import to_iso
from ..clocks import stats as clock_stats
from ..clocks.inspection import Severity
from ..clocks.rules import LEVELS, ClockKind, IssueKind
from ..config.office import Unit
from ..errors import InvalidInput
from ..judge.health import SourceState
from ..store import deadlines, issues
from . import dossier, inspection
from . import read as views

DUE_AHEAD = timedelta(hours=24)
QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    start_at: datetime
    end_at: datetime
    label: str            # 2026年第1季度


def quarter(text: str | None, now: datetime, tz: ZoneInfo) -> Period:
    """`2026Q1`, or the quarter `now` is in."""
    if text:
        m = QUARTER.match(text.strip())
        if not m or not 2000 <= int(m.group(1)) <= 2200:
            raise InvalidInput(f"季度应写作 2026Q1 这样的形式, 实际是 {text!r}")
        year, q = int(m.group(1)), int(m.group(2))
    else:
        local = now.astimezone(tz)
        year, q = local.year, (local.month - 1) // 3 + 1
    start = datetime(year, 3 * q - 2, 1, tzinfo=tz)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=tz)
    return Period(start, end, f"{year}年第{q}季度")


def unit_figures(unit: Unit, db: sqlite_utils.Database, now: datetime, period: Period) -> dict:
    """One unit's row of the office's table."""
    open_opinion = [i for i in issues.listed(db) if i.kind == IssueKind.OPINION]
    by_level = Counter(i.level or "" for i in open_opinion)
    running = deadlines.running(db)
    stats = clock_stats.compute(issues.for_clock_stats(db, to_iso(period.start_at), to_iso(period.end_at)),
                                deadlines.started_between(db, period.start_at, period.end_at), period.start_at,
                                period.end_at, now)
    on_time = sum(k["on_time"] for k in stats["kinds"])
    answered = sum(k["on_time"] + k["late"] + k["overdue"] for k in stats["kinds"])
    found = inspection.current(db, unit.config, now)
    handed = next((k for k in stats["kinds"] if k["kind"] == ClockKind.FEEDBACK), {})
    handled = handed.get("on_time", 0) + handed.get("late", 0) + handed.get("overdue", 0)
    sources = views.sources(db, unit.config, now)
    return {
        "id": unit.id, "name": unit.name, "ready": True,
        "open_issues": len(open_opinion), "by_level": {lvl: by_level.get(lvl, 0) for lvl in LEVELS},
        "undeclared": by_level.get("", 0),
        "overdue": sum(c.deadline.due_at <= now for c in running),
        "pressing": [{"unit": unit.name, "unit_id": unit.id, "issue_id": c.deadline.issue_id, "title": c.issue.title,
                      "kind": c.deadline.kind, "due_at": to_iso(c.deadline.due_at), "overdue": c.deadline.due_at <= now}
                     for c in running if c.deadline.due_at <= now + DUE_AHEAD],
        "due_soon": sum(now < c.deadline.due_at <= now + DUE_AHEAD for c in running),
        "clocks": answered, "on_time": on_time, "on_time_rate": round(on_time / answered, 3) if answered else None,
        "kinds": stats["kinds"],
        # 下发: items the office handed down in the period, and how their 反馈 went
        "handed": handed.get("total", 0), "handed_on_time": handed.get("on_time", 0),
        "handed_late": handed.get("late", 0), "handed_overdue": handed.get("overdue", 0),
        "handed_pending": handed.get("pending", 0),
        "handed_rate": round(handed.get("on_time", 0) / handled, 3) if handled else None,
        "effects": dossier.effects_between(db, unit.config, period.start_at, period.end_at, now)["tally"],
        "vetoes": sum(f.severity == Severity.FAILED for f in found),
        "at_risk": sum(f.severity == Severity.AT_RISK for f in found),
        "findings": inspection.board(db, unit.config, now),
        "blind": sum(s["state"] in (SourceState.BROKEN, SourceState.FAILING, SourceState.QUIET) for s in sources),
        "sources": len(sources),
    }


def not_ready(unit: Unit) -> dict:
    """A unit whose database does not exist yet (its daemon never ran)."""
    return {"id": unit.id, "name": unit.name, "ready": False, "open_issues": 0, "by_level": dict.fromkeys(LEVELS, 0),
            "undeclared": 0, "overdue": 0, "due_soon": 0, "pressing": [], "clocks": 0, "on_time": 0, "on_time_rate": None,
            "kinds": [], "handed": 0, "handed_on_time": 0, "handed_late": 0, "handed_overdue": 0, "handed_pending": 0,
            "handed_rate": None, "effects": {}, "vetoes": 0, "at_risk": 0, "findings": [], "blind": 0, "sources": 0}


def ranked(rows: list[dict]) -> list[dict]:
    """The 督促检查 order: no 单项否决 first, then the higher on-time rate (a unit with no clock in the period
    counts as on time), then fewer overdue clocks; each row gets its rank."""
    order = sorted(rows, key=lambda r: (r["vetoes"], -(1.0 if r["on_time_rate"] is None else r["on_time_rate"]),
                                        r["overdue"], r["id"]))
    return [r | {"rank": n} for n, r in enumerate(order, 1)]


def ranked_by_handling(rows: list[dict]) -> list[dict]:
    """下发处理排名: the higher share of 反馈 on time first, then fewer overdue; units handed nothing last."""
    order = sorted(rows, key=lambda r: (r["handed_rate"] is None, -(r["handed_rate"] or 0), r["handed_overdue"],
                                        r["id"]))
    return [r | {"handling_rank": n} for n, r in enumerate(order, 1)]
