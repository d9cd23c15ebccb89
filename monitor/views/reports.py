"""What the 舆情日报 / 周报 / 月报 say: volume and sentiment over the period, by source and by channel,
new and top issues with their levels and clocks, clock compliance, blind spots, and a summary paragraph
of numbers (no adjectives)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlite_utils

from ..clock import from_iso, to_iso
from ..clocks import stats as clock_stats
from ..config.schema import Config
from ..errors import InvalidInput
from ..judge import similar
from ..judge.health import SourceState
from ..labels import LEVEL_NAMES
from ..store import deadlines, issues, posts
from . import dossier
from . import read as views


class Period(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


PERIOD_NAMES = {Period.DAILY: "舆情日报", Period.WEEKLY: "舆情周报", Period.MONTHLY: "舆情月报"}


@dataclass(frozen=True)
class Window:
    period: Period
    start_at: dt.datetime      # aware, local midnight
    end_at: dt.datetime
    days: tuple[dt.date, ...]

    @property
    def title(self) -> str:
        first, last = self.days[0], self.days[-1]
        span = f"{first:%Y年%m月%d日}" if first == last else f"{first:%Y年%m月%d日}至{last:%m月%d日}"
        return f"{PERIOD_NAMES[self.period]}（{span}）"


def window(period: str, day: dt.date, tz: ZoneInfo) -> Window:
    """The day itself; the week (Monday to Sunday) or the month containing it."""
    if period not in Period.__members__.values():
        raise InvalidInput(f"报告类型应为 {' / '.join(Period)}, 实际是 {period!r}")
    if period == Period.DAILY:
        first, last = day, day
    elif period == Period.WEEKLY:
        first = day - dt.timedelta(days=day.weekday())
        last = first + dt.timedelta(days=6)
    else:
        first = day.replace(day=1)
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    days = tuple(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    start = dt.datetime.combine(first, dt.time(0), tz)
    return Window(Period(period), start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tz), days)


def figures(db: sqlite_utils.Database, config: Config, w: Window, now: dt.datetime) -> dict:
    tz = config.tz
    per_day = {d: Counter() for d in w.days}
    per_hour = {h: Counter() for h in range(24)}
    by_source: Counter = Counter()
    by_channel: Counter = Counter()
    for r in posts.counts_by_hour_source(db, to_iso(w.start_at), to_iso(w.end_at)):
        local = dt.datetime.fromisoformat(r["h"] + ":00:00+00:00").astimezone(tz)
        if local.date() in per_day:
            per_day[local.date()][r["s"] or "neutral"] += r["n"]
            per_hour[local.hour][r["s"] or "neutral"] += r["n"]
        by_source[config.source_name(r["source_id"])] += r["n"]
        source = config.source(r["source_id"])
        by_channel["社交媒体" if source and source.channel == "social" else "新闻网站"] += r["n"]
    total = sum(by_source.values())
    negative = sum(c["negative"] for c in per_day.values())
    active = issues.active_between(db, to_iso(w.start_at), to_iso(w.end_at))
    new = [i for i in active if from_iso(i["first_seen_at"]) >= w.start_at]
    clocks_by_issue: dict[int, list[dict]] = {}
    for d in deadlines.of_issues(db, [i["id"] for i in active[:20]]):
        clocks_by_issue.setdefault(d.issue_id, []).append(views.deadline(d, now))
    top = [{**i, "level_name": LEVEL_NAMES.get(i["level"] or "", ""), "clocks": clocks_by_issue.get(i["id"], []),
            "new": i in new} for i in active[:10]]
    compliance = clock_stats.compute(issues.for_clock_stats(db, to_iso(w.start_at), to_iso(w.end_at)),
                                     deadlines.started_between(db, w.start_at, w.end_at), w.start_at,
                                     w.end_at, now)
    blind = [{"name": config.source_name(s["id"]), "state": s["state"], "error": s["last_error"] or ""}
             for s in views.sources(db, config, now)
             if s["state"] in (SourceState.BROKEN, SourceState.FAILING, SourceState.QUIET)]
    kinds = compliance["kinds"]
    answered = sum(k["on_time"] + k["late"] + k["overdue"] for k in kinds)
    on_time = sum(k["on_time"] for k in kinds)
    return {
        "title": w.title, "agency": config.agency.name, "period": str(w.period),
        "days": [d.isoformat() for d in w.days],
        "per_day": {d.isoformat(): dict(c) for d, c in per_day.items()},
        # the chart's bars: hours for a day, days for a week or a month
        "buckets": [(f"{h:02d}时", dict(c)) for h, c in per_hour.items()] if w.period == Period.DAILY
        else [(d.isoformat()[5:], dict(c)) for d, c in per_day.items()],
        "total": total, "negative": negative,
        "by_source": by_source.most_common(), "by_channel": by_channel.most_common(),
        "new_issues": len(new), "top": top, "compliance": kinds,
        "declared": compliance["issues_declared"], "by_level": compliance["issues_by_level"],
        "blind": blind, "answered": answered, "on_time": on_time,
        "effects": dossier.effects_between(db, config, w.start_at, w.end_at, now),
        "summary": summary(total, negative, len(new), top, answered, on_time, blind),
    }


def repeated_requests(db: sqlite_utils.Database, start_at: dt.datetime, end_at: dt.datetime) -> list[list[dict]]:
    """Disclosure requests for the same information in [start_at, end_at), two or more: candidates for
    主动公开 (publishing it proactively), largest group first."""
    requests = issues.of_kind_between(db, "disclosure", to_iso(start_at), to_iso(end_at))
    by_id = {r["id"]: r for r in requests}
    return [[by_id[i] for i in g] for g in similar.groups([(r["id"], r["title"]) for r in requests])]


def summary(total: int, negative: int, new: int, top: list[dict], answered: int, on_time: int,
            blind: list[dict]) -> str:
    """A paragraph of numbers."""
    parts = [f"本期共监测到相关信息 {total} 条，其中负面 {negative} 条"
             + (f"（占 {round(negative / total * 100)}%）" if total else "") + "。"]
    parts.append(f"新增舆情 {new} 个" + (f"，热度最高的是「{top[0]['title']}」（热度 {top[0]['heat']:.1f}，"
                                      f"负面占比 {round((top[0]['negative_share'] or 0) * 100)}%）" if top else "") + "。")
    if answered:
        parts.append(f"本期开始计时的时限中，已完成或已到期 {answered} 项，按时完成 {on_time} 项"
                     f"（{round(on_time / answered * 100)}%）。")
    else:
        parts.append("本期开始计时的时限中，尚无完成或到期的。")
    parts.append(f"监测盲区 {len(blind)} 个来源。" if blind else "所有来源采集正常。")
    return "".join(parts)
