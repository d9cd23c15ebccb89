"""回应效果: did the agency's answer cool the issue? Heat and negative share over the 24 h before the
first release or response against the 24 h after, with the posts' hourly trend around it. Pure
functions of the issue's posts (rows with seen_at, source_id, sentiment and authority) and times.

Verdict (numbers in the reason, no adjectives beyond the verdict's name):
  cooled     heat after ≤ 80% of before and negative share not up by 10 points or more
  escalated  heat after ≥ 120% of before, or negative share up by 10 points or more
  steady     otherwise
  watching   fewer than 24 h have passed since the response (the figures so far are shown)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ..clock import from_iso
from .heat import IssueStats, RECENT, score_stats

WINDOW = timedelta(hours=24)
COOLED_RATIO = 0.8
ESCALATED_RATIO = 1.2
SHARE_POINTS = 0.10


class Verdict(StrEnum):
    COOLED = "cooled"
    STEADY = "steady"
    ESCALATED = "escalated"
    WATCHING = "watching"


@dataclass(frozen=True)
class Side:
    posts: int
    heat: float
    negative_share: float


@dataclass(frozen=True)
class Effect:
    response_at: datetime
    response_kind: str
    before: Side
    after: Side
    verdict: Verdict
    reason: str
    hourly: tuple[int, ...]          # posts per hour from 24 h before to 24 h after (48 values)


def _negative(p: dict) -> bool:
    return (p.get("sentiment_override") or p.get("sentiment_label")) == "negative"


def _p_negative(p: dict) -> float:
    if p.get("sentiment_override"):
        return float(p["sentiment_override"] == "negative")
    if p.get("sentiment_negative") is not None:
        return float(p["sentiment_negative"])
    return float(p.get("sentiment_label") == "negative")


def window_stats(posts: list[dict], start_at: datetime, end_at: datetime) -> IssueStats:
    """What heat needs, over the public's posts seen in (start_at, end_at], as if read at end_at."""
    inside = [p for p in posts if not p.get("own") and start_at < from_iso(p["seen_at"]) <= end_at]
    recent_from = end_at - RECENT
    hour_from = end_at - timedelta(hours=1)
    return IssueStats(
        posts=len(inside), sources=len({p["source_id"] for p in inside}),
        negative=sum(_negative(p) for p in inside),
        authority=sum(p.get("authority") or 1.0 for p in inside),
        negative_authority=sum((p.get("authority") or 1.0) * _p_negative(p) for p in inside),
        engagement=sum(p.get("engagement") or 0 for p in inside),
        recent=sum(from_iso(p["seen_at"]) > recent_from for p in inside),
        before_recent=sum(from_iso(p["seen_at"]) <= recent_from for p in inside),
        last_hour=sum(from_iso(p["seen_at"]) > hour_from for p in inside),
        before_last_hour=sum(from_iso(p["seen_at"]) <= hour_from for p in inside))


def _side(posts: list[dict], start_at: datetime, end_at: datetime) -> Side:
    s = score_stats(window_stats(posts, start_at, end_at))
    return Side(s.post_count, s.heat, s.negative_share)


def effect(posts: list[dict], response_at: datetime, response_kind: str, now: datetime) -> Effect:
    before = _side(posts, response_at - WINDOW, response_at)
    after = _side(posts, response_at, min(now, response_at + WINDOW))
    hourly = [0] * 48
    for p in posts:
        if p.get("own"):
            continue
        offset = from_iso(p["seen_at"]) - (response_at - WINDOW)
        slot = int(offset.total_seconds() // 3600) if offset.total_seconds() > 0 else -1
        if 0 <= slot < 48:
            hourly[slot] += 1
    verdict, reason = judge_effect(before, after, now >= response_at + WINDOW)
    return Effect(response_at, response_kind, before, after, verdict, reason, tuple(hourly))


def judge_effect(before: Side, after: Side, complete: bool) -> tuple[Verdict, str]:
    share_change = after.negative_share - before.negative_share
    figures = (f"回应前 24 小时热度 {before.heat:.1f}、负面占比 {before.negative_share:.0%}、{before.posts} 条；"
               f"回应后{'' if complete else '至今'}热度 {after.heat:.1f}、负面占比 {after.negative_share:.0%}、{after.posts} 条")
    if not complete:
        return Verdict.WATCHING, figures + "（回应后不足 24 小时，继续观察）"
    if after.heat >= before.heat * ESCALATED_RATIO and after.heat > 0 or share_change >= SHARE_POINTS:
        return Verdict.ESCALATED, figures
    if before.heat > 0 and after.heat <= before.heat * COOLED_RATIO and share_change < SHARE_POINTS:
        return Verdict.COOLED, figures
    return Verdict.STEADY, figures
