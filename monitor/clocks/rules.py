"""The legal clocks as data: which kinds exist, how long each runs, what document sets it, who is
reminded and who is escalated to. sources.yaml `policies:` overrides them per kind.

Also the typed values of the clock lifecycle: levels, roles, issue kinds and statuses, clock kinds
and statuses. Their Chinese names live in `monitor.labels`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from ..labels import CLOCK_KIND_NAMES


class Level(StrEnum):
    I = "I"
    II = "II"
    III = "III"
    IV = "IV"


LEVELS = tuple(Level)


class Role(StrEnum):
    DUTY = "duty"                     # 值班员
    DEPUTY_LEADER = "deputy_leader"   # 分管领导
    HEAD = "head"                     # 主要负责人


ROLES = tuple(Role)


class IssueKind(StrEnum):
    OPINION = "opinion"          # crawled 舆情
    MESSAGE = "message"          # a netizen message (reply clock)
    DISCLOSURE = "disclosure"    # an information-disclosure request
    REPOST = "repost"            # a superior new-media post to repost
    ASSIGNMENT = "assignment"    # handed down by the 政务公开办 (下发): answered with 反馈


class IssueStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ClockKind(StrEnum):
    RELEASE = "release"
    PRESS_CONFERENCE = "press_conference"
    RESPONSE = "response"
    UPDATE = "update"
    REPOST = "repost"
    REPLY = "reply"
    DISCLOSURE = "disclosure"
    FEEDBACK = "feedback"


class DeadlineStatus(StrEnum):
    """What is stored: a clock runs until it is met or cancelled."""
    OPEN = "open"
    MET = "met"
    CANCELLED = "cancelled"


class ClockState(StrEnum):
    """What is shown: the stored status read at a moment."""
    PENDING = "pending"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    CANCELLED = "cancelled"


class StartPoint(StrEnum):
    FIRST_SEEN = "first_seen"
    FIRST_PUBLISHED = "first_published"
    DECLARED = "declared"


START_POINTS = tuple(StartPoint)


@dataclass(frozen=True)
class DeadlineRule:
    kind: str                                # a ClockKind
    label: str                               # shown to people
    basis: str                               # the document that sets it
    within_s: int
    levels: tuple[str, ...]                  # declared levels that start this clock
    start: str = StartPoint.FIRST_SEEN
    remind: tuple[tuple[str, int], ...] = (("duty", 7200), ("duty", 3600), ("deputy_leader", 3600))
    escalate: tuple[str, ...] = ("deputy_leader", "head")
    repeat_s: int | None = 3600              # repeat to `escalate` roles while overdue
    max_repeats: int = 24
    enabled: bool = True
    within_wd: int | None = None             # working days instead of within_s (reply, disclosure)
    intake: str | None = None                # started by `monitor intake --kind` this, not by a level
    max_extension_wd: int = 0                # `monitor extend` may add up to this, once
    follows: tuple[str, ...] = ()            # started when a clock of these kinds is met (update)

    def replace(self, **changes) -> "DeadlineRule":
        return dataclasses.replace(self, **changes)


def _rule(kind: ClockKind, **kw) -> DeadlineRule:
    return DeadlineRule(kind=kind, label=CLOCK_KIND_NAMES[kind], **kw)


DEFAULT_POLICIES: dict[str, DeadlineRule] = {
    ClockKind.RELEASE: _rule(ClockKind.RELEASE, basis="国办发〔2016〕80号", within_s=5 * 3600, levels=("I", "II")),
    ClockKind.PRESS_CONFERENCE: _rule(ClockKind.PRESS_CONFERENCE, basis="国办发〔2016〕80号",
                                      within_s=24 * 3600, levels=("I", "II")),
    ClockKind.RESPONSE: _rule(ClockKind.RESPONSE, basis="国办发〔2016〕61号", within_s=48 * 3600,
                              levels=("III", "IV")),
    ClockKind.UPDATE: _rule(ClockKind.UPDATE, basis="国办发〔2016〕80号", within_s=24 * 3600, levels=("I", "II"),
                            follows=("release", "update"), remind=(("duty", 2 * 3600),),
                            escalate=("deputy_leader",)),
    ClockKind.REPOST: _rule(ClockKind.REPOST, basis="政务新媒体管理规定", within_s=12 * 3600, levels=(),
                            intake="repost", remind=(("duty", 2 * 3600),), escalate=("deputy_leader",),
                            repeat_s=None),
    ClockKind.REPLY: _rule(ClockKind.REPLY, basis="网民留言办理规定", within_s=0, within_wd=5, levels=(),
                           intake="message", remind=(("duty", 24 * 3600), ("duty", 4 * 3600)),
                           repeat_s=24 * 3600, max_repeats=10),
    ClockKind.DISCLOSURE: _rule(ClockKind.DISCLOSURE, basis="《政府信息公开条例》第三十三条", within_s=0,
                                within_wd=20, levels=(), intake="disclosure", max_extension_wd=20,
                                remind=(("duty", 72 * 3600), ("duty", 24 * 3600), ("deputy_leader", 24 * 3600)),
                                repeat_s=24 * 3600, max_repeats=20),
    # the office that handed it down hears of a missed 反馈 too ("supervisor": config.supervisors)
    ClockKind.FEEDBACK: _rule(ClockKind.FEEDBACK, basis="政务公开办下发", within_s=0, within_wd=3, levels=(),
                              intake="assignment", remind=(("duty", 24 * 3600), ("duty", 4 * 3600)),
                              escalate=("deputy_leader", "head", "supervisor"), repeat_s=24 * 3600, max_repeats=10),
}
INTAKE_KINDS = {r.intake: r.kind for r in DEFAULT_POLICIES.values() if r.intake}

# kinds an officer may record an answer for (`monitor respond --kind`)
RESPONSE_KINDS = ("release", "press_conference", "update", "response", "reply", "disclosure", "repost", "feedback")
# kinds an own-channel post may answer: it is detected and awaits the duty officer's confirmation
ANSWERED_BY_OWN_POST = (ClockKind.RELEASE, ClockKind.UPDATE, ClockKind.RESPONSE, ClockKind.REPOST)
