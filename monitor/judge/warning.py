"""预警: which early warnings an issue earns now, and why. Pure: a function of the issue's figures, the
warnings already queued for it, the policy and the time.

早发现、早研判: a warning does not wait for an officer to declare a level. The reasons, each warned once
per issue (the same exactly-once outbox as every notice):
- NEGATIVE: a new issue whose posts are negative (P(negative) share and count at the policy's
  thresholds) and that names the agency (a post kept only for a 地域词 + 事件词, such as a 交警 通报 that
  names the county, is not enough);
- RISING: its suggested level rose above the one at its last warning (a heat jump), or it bursts;
- HIGH: undeclared with a suggested level of I or II: 国办发〔2016〕80号 counts the 5 h for authoritative
  information from first discovery, so the warning says how much has passed, repeats every
  `repeat_s`, and reaches the leaders once `escalate_after_s` has passed with no declare and no
  dismissal (误报).
A declared level ends HIGH's repeats (the clocks take over); a dismissal ends every warning of the issue.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..config.schema import WarningPolicy

LEVEL_ORDER = {"IV": 1, "III": 2, "II": 3, "I": 4}


class WarnReason(StrEnum):
    NEGATIVE = "negative"      # a new negative issue that names the agency
    RISING = "rising"          # suggested level rose, or a burst
    HIGH = "high"              # undeclared, suggested I/II: the 5 h counts from first discovery
    ESCALATE = "escalate"      # HIGH still undeclared after escalate_after: the leaders are told


@dataclass(frozen=True)
class IssueSignal:
    """What the tick knows of one open 舆情 issue."""
    issue_id: int
    level: str | None                  # declared
    suggested_level: str | None
    negative_share: float
    negative_posts: int
    negative_authority: float
    named: bool                        # a post names the agency (主体词 or a named rule), not only its region
    burst: bool
    first_seen_at: datetime
    dismissed: bool


@dataclass(frozen=True)
class Sent:
    """Warnings already queued for one issue: (reason, n) pairs, the suggested level at the last one,
    and when the first HIGH went out."""
    keys: frozenset[tuple[str, int]] = frozenset()
    last_level: str | None = None
    high_since: datetime | None = None


@dataclass(frozen=True)
class Warning:
    issue_id: int
    reason: WarnReason
    n: int                             # 0, or the repeat's number
    roles: tuple[str, ...]
    level: str | None                  # the suggested level it was decided on

    @property
    def key(self) -> str:
        return f"{self.reason}:{self.n}"


def decide_warnings(s: IssueSignal, policy: WarningPolicy, sent: Sent, now: datetime) -> list[Warning]:
    if not policy.enabled or s.dismissed or not s.named:
        return []
    out: list[Warning] = []
    negative = (s.negative_share >= policy.negative_at and s.negative_posts >= policy.min_negative_posts
                and s.negative_authority >= policy.min_authority)
    warned_before = bool(sent.keys)
    if negative and s.level is None and not {(WarnReason.NEGATIVE, 0), (WarnReason.HIGH, 0)} & sent.keys:
        out.append(Warning(s.issue_id, WarnReason.NEGATIVE, 0, policy.to, s.suggested_level))
    rank = LEVEL_ORDER.get(s.suggested_level or "", 0)
    if warned_before and (negative or s.burst):
        rose = rank > LEVEL_ORDER.get(sent.last_level or "", 0)
        if rose and (WarnReason.RISING, rank) not in sent.keys and rank < LEVEL_ORDER["II"]:
            out.append(Warning(s.issue_id, WarnReason.RISING, rank, policy.to, s.suggested_level))
        elif s.burst and (WarnReason.RISING, 0) not in sent.keys and not rose:
            out.append(Warning(s.issue_id, WarnReason.RISING, 0, policy.to, s.suggested_level))
    if s.level is None and rank >= LEVEL_ORDER["II"]:
        since = sent.high_since or now
        n = min(int((now - since).total_seconds() // policy.repeat_s), policy.max_repeats)
        if (WarnReason.HIGH, n) not in sent.keys:
            out.append(Warning(s.issue_id, WarnReason.HIGH, n, policy.to, s.suggested_level))
        if (now - since).total_seconds() >= policy.escalate_after_s and (WarnReason.ESCALATE, 0) not in sent.keys:
            out.append(Warning(s.issue_id, WarnReason.ESCALATE, 0, policy.escalate_to, s.suggested_level))
    if any(w.reason == WarnReason.HIGH for w in out):        # HIGH says all NEGATIVE would, and more
        out = [w for w in out if w.reason != WarnReason.NEGATIVE]
    return out
