"""Timeliness figures for the annual 政务公开 report: pure functions over deadline and issue rows."""
from __future__ import annotations

import statistics
from datetime import datetime

from ..labels import CLOCK_KIND_NAMES
from .policy import deadline_status
from .records import Deadline, Issue
from .rules import LEVELS, ClockState


def compute(issues: list[Issue], deadlines: list[Deadline], start_at: datetime, end_at: datetime,
            now: datetime) -> dict:
    """Issues declared, and clocks started, in [start_at, end_at). An issue merged into another is part
    of that one: neither it nor its (cancelled) clocks count."""
    merged = {i.id for i in issues if i.merged_into}
    issues = [i for i in issues if not i.merged_into]
    deadlines = [d for d in deadlines if d.issue_id not in merged]
    declared = [i for i in issues if i.declared_at is not None and start_at <= i.declared_at < end_at]
    by_level = {lvl: sum(1 for i in declared if i.level == lvl) for lvl in LEVELS}
    kinds: dict[str, dict] = {}
    for d in deadlines:
        if not start_at <= d.started_at < end_at:
            continue
        status = deadline_status(d.running, d.due_at, d.met_at, now)
        k = kinds.setdefault(d.kind, {"kind": d.kind, "label": CLOCK_KIND_NAMES.get(d.kind, d.kind),
                                         "total": 0, "on_time": 0, "late": 0, "overdue": 0, "pending": 0,
                                         "cancelled": 0, "extended": 0, "hours_to_answer": []})
        k["total"] += 1
        k[{ClockState.MET: "on_time", ClockState.MET_LATE: "late"}.get(status, status)] += 1
        k["extended"] += bool(d.extended_wd)
        if d.met_at:
            k["hours_to_answer"].append((d.met_at - d.started_at).total_seconds() / 3600)
    for k in kinds.values():
        hours = k.pop("hours_to_answer")
        k["median_hours_to_answer"] = round(statistics.median(hours), 2) if hours else None
        answered = k["on_time"] + k["late"] + k["overdue"]
        k["on_time_rate"] = round(k["on_time"] / answered, 3) if answered else None
    return {"from": start_at.isoformat(), "to": end_at.isoformat(), "issues_declared": len(declared),
            "issues_by_level": by_level, "kinds": sorted(kinds.values(), key=lambda k: k["kind"])}
