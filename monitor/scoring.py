"""Heat and suggested severity of an issue: pure functions, documented in README.

heat = Σ over posts of (source authority × 2 if negative else × 1) + 2 × (distinct sources − 1)

Suggested level (the duty officer confirms with `monitor declare`):
  I   heat ≥ 80 and negative share ≥ 0.6
  II  heat ≥ 20 and negative share ≥ 0.5
  III heat ≥ 8  and negative share ≥ 0.4
  IV  otherwise
"""
from __future__ import annotations

from dataclasses import dataclass

THRESHOLDS = (("I", 80.0, 0.6), ("II", 20.0, 0.5), ("III", 8.0, 0.4))


@dataclass(frozen=True)
class MemberPost:
    source_id: str
    authority: float
    negative: bool


@dataclass(frozen=True)
class IssueScore:
    heat: float
    negative_share: float
    post_count: int
    source_count: int
    suggested_level: str
    suggested_reason: str


def score_issue(posts: list[MemberPost]) -> IssueScore:
    n = len(posts)
    sources = len({p.source_id for p in posts})
    negative = sum(p.negative for p in posts)
    heat = sum(p.authority * (2 if p.negative else 1) for p in posts) + 2 * max(sources - 1, 0)
    share = negative / n if n else 0.0
    level, reason = suggest_level(heat, share)
    return IssueScore(round(heat, 2), round(share, 3), n, sources, level, reason)


def suggest_level(heat: float, negative_share: float) -> tuple[str, str]:
    for level, min_heat, min_share in THRESHOLDS:
        if heat >= min_heat and negative_share >= min_share:
            return level, f"热度 {heat:.0f} ≥ {min_heat:.0f} 且负面占比 {negative_share:.0%} ≥ {min_share:.0%}"
    return "IV", f"热度 {heat:.0f}, 负面占比 {negative_share:.0%}, 未达到 III 级标准"
