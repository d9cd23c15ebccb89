"""Heat, burst, suggested severity and rank of an issue: pure functions of its figures (IssueStats),
which storage aggregates in SQL (store.issues.refresh).

heat = volume + negativity + spread + growth + engagement, each shown (`heat_components`):
  volume      Σ authority(source) over the posts
  negativity  Σ authority(source) × P(negative) over the posts (a surely negative post counts double)
  spread      2 × (distinct sources − 1)
  growth      2 × max(0, posts in the last 6 h − the issue's own mean per 6 h over the 24 h before)
  engagement  2 × log2(1 + reposts + comments + likes), where a source reports them
The agency's own posts are not members here: they answer the issue, they do not heat it.

Burst: at least 5 posts in the last hour and at least 3 × the issue's mean hourly rate over
the 24 h before that hour.

Rank (the order of `monitor issues`): rank_score = heat × (1 + negative share): of two issues
equally hot, the more negative one comes first.

Suggested level (the duty officer confirms with `monitor declare`):
  I   heat ≥ 80 and negative share ≥ 0.6
  II  heat ≥ 20 and negative share ≥ 0.5
  III heat ≥ 8  and negative share ≥ 0.4
  IV  otherwise
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

THRESHOLDS = (("I", 80.0, 0.6), ("II", 20.0, 0.5), ("III", 8.0, 0.4))
RECENT = timedelta(hours=6)
BASELINE = timedelta(hours=24)
BURST_MIN_POSTS = 5
BURST_FACTOR = 3.0


@dataclass(frozen=True)
class IssueStats:
    """What heat needs, aggregated over an issue's member posts (storage computes it in SQL)."""
    posts: int
    sources: int
    negative: int                 # posts labelled negative (by the officer, else by the model)
    authority: float              # Σ authority
    negative_authority: float     # Σ authority × P(negative)
    engagement: int
    recent: int = 0               # posts in the last 6 h
    before_recent: int = 0        # posts in the 24 h before those 6 h
    last_hour: int = 0
    before_last_hour: int = 0     # posts in the 24 h before the last hour


@dataclass(frozen=True)
class IssueScore:
    heat: float
    negative_share: float
    post_count: int
    source_count: int
    suggested_level: str
    suggested_reason: str
    components: dict[str, float] = field(default_factory=dict)
    burst: bool = False


def score_stats(s: IssueStats) -> IssueScore:
    growth = 2 * max(0.0, s.recent - s.before_recent * RECENT / BASELINE)
    burst = s.last_hour >= BURST_MIN_POSTS and s.last_hour >= BURST_FACTOR * s.before_last_hour / 24
    components = {
        "volume": round(s.authority, 2),
        "negativity": round(s.negative_authority, 2),
        "spread": 2.0 * max(s.sources - 1, 0),
        "growth": round(growth, 2),
        "engagement": round(2 * math.log2(1 + s.engagement), 2),
    }
    heat = round(sum(components.values()), 2)
    share = s.negative / s.posts if s.posts else 0.0
    level, reason = suggest_level(heat, share)
    return IssueScore(heat, round(share, 3), s.posts, s.sources, level, reason, components, bool(burst))


def suggest_level(heat: float, negative_share: float) -> tuple[str, str]:
    for level, min_heat, min_share in THRESHOLDS:
        if heat >= min_heat and negative_share >= min_share:
            return level, f"热度 {heat:.0f} ≥ {min_heat:.0f} 且负面占比 {negative_share:.0%} ≥ {min_share:.0%}"
    return "IV", f"热度 {heat:.0f}, 负面占比 {negative_share:.0%}, 未达到 III 级标准"


def rank_score(heat: float | None, negative_share: float | None) -> float:
    """Order of `monitor issues`: heat weighted up by negativity."""
    return round((heat or 0.0) * (1 + (negative_share or 0.0)), 2)
