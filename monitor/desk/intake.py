"""Items that are not crawled: netizen messages (`reply` clock) and information-disclosure requests
(`disclosure` clock), superior posts to repost; their extensions, and recounting provisional
working-day deadlines."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from ..clock import to_iso
from ..clocks.rules import INTAKE_KINDS, DeadlineRule
from ..clocks.workdays import WorkdayCalendar, WorkdayDue, add_working_days
from ..config.load import calendar_for
from ..config.schema import Config
from ..errors import InvalidInput
from ..store import audit, deadlines, issues
from ..store.audit import Action
from ..store.db import transaction
from .actions import get_issue, require_by


@dataclass(frozen=True)
class IntakeResult:
    issue_id: int
    deadline_id: int
    kind: str
    due_at: datetime
    provisional: bool


MAX_TITLE = 500          # a 留言 or 申请 title; the text itself stays at its link
MAX_WITHIN_WD = 30       # the longest reply deadline an item handed down may carry


def intake(db: sqlite_utils.Database, config: Config, cal: WorkdayCalendar, kind: str, title: str,
           received_at: datetime, by: str, now: datetime, url: str | None = None,
           from_name: str | None = None, within_wd: int | None = None, about: int | None = None) -> IntakeResult:
    """Register a message, a disclosure request, a post to repost or an item handed down, with its clock
    (`within_wd` instead of the policy's working days; `about`: the issue it concerns)."""
    if kind not in INTAKE_KINDS:
        raise InvalidInput(f"--kind 应为 {' / '.join(INTAKE_KINDS)}, 实际是 {kind!r}")
    if not title or not title.strip():
        raise InvalidInput("--title 不能为空")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"标题过长 ({len(title)} 字, 最多 {MAX_TITLE} 字): 正文请放在原文链接里")
    if received_at > now:
        raise InvalidInput("--received 不能晚于当前时间")
    if url and not url.startswith(("http://", "https://")):
        raise InvalidInput(f"--url 应为 http(s) 网址, 实际是 {url!r}")
    by = require_by(by)
    rule = config.policies[INTAKE_KINDS[kind]]
    if within_wd is not None:
        if not 1 <= within_wd <= MAX_WITHIN_WD:
            raise InvalidInput(f"办理期限应为 1 到 {MAX_WITHIN_WD} 个工作日, 实际是 {within_wd}")
        rule = rule.replace(within_wd=within_wd, within_s=0)
    due = _due(rule, received_at, config, cal)
    with transaction(db):
        if about is not None:
            get_issue(db, about)
        issue_id = issues.create(db, title.strip(), kind, to_iso(received_at), url=url,
                                 received_at=to_iso(received_at), from_name=from_name, incident_id=about)
        audit.record(db, now, by, issue_id, Action.INTAKE, kind=kind, title=title.strip(), url=url,
                     from_name=from_name, received_at=to_iso(received_at),
                     **({"about": about} if about is not None else {}))
        deadline_id = deadlines.start(db, issue_id, rule.kind, rule.basis, "received", received_at, due.due_at, now,
                                      by, provisional=due.provisional, working_days=rule.within_wd)
    return IntakeResult(issue_id, deadline_id, rule.kind, due.due_at, due.provisional)


def _due(rule: DeadlineRule, start_at: datetime, config: Config, cal: WorkdayCalendar) -> WorkdayDue:
    if rule.within_wd:
        return add_working_days(start_at, rule.within_wd, config.tz, cal)
    return WorkdayDue(start_at + timedelta(seconds=rule.within_s), False)


def start_tracked_clock(db: sqlite_utils.Database, config: Config, issue_id: int, kind: str,
                        published_at: datetime | None, now: datetime, even_if_expired: bool = False) -> int | None:
    """A crawled item that carries its own clock (a superior post to repost, a board message). A post
    whose window had already closed when first seen (e.g. the first crawl of a long list) is kept
    without a clock."""
    rule = config.policies[INTAKE_KINDS[kind]]
    start_at = min(published_at or now, now)
    due = _due(rule, start_at, config, calendar_for(config))
    with transaction(db):
        if due.due_at <= now and not even_if_expired:
            audit.record(db, now, audit.SYSTEM, issue_id, Action.CLOCK_SKIPPED, kind=rule.kind,
                         started_at=to_iso(start_at), due_at=to_iso(due.due_at),
                         reason="first seen after its window closed")
            return None
        issues.set_received(db, issue_id, start_at)
        return deadlines.start(db, issue_id, rule.kind, rule.basis, "published", start_at, due.due_at, now,
                               audit.SYSTEM, provisional=due.provisional)


def extend(db: sqlite_utils.Database, config: Config, cal: WorkdayCalendar, issue_id: int, by: str,
           approver: str, days: int, now: datetime) -> tuple[datetime, bool]:
    """Extend an open disclosure clock once, by at most the policy's limit, with the approver recorded."""
    by = require_by(by)
    if not approver or not approver.strip():
        raise InvalidInput("--approver 需要填写批准人")
    with transaction(db):                   # read under the write lock: two extends extend once
        get_issue(db, issue_id)
        extendable = [r for r in deadlines.open_of(db, issue_id)
                      if config.policies.get(r.kind) and config.policies[r.kind].max_extension_wd]
        if not extendable:
            raise InvalidInput(f"舆情 {issue_id} 没有可以延期的时限 (只有政府信息公开申请可以延期)")
        d = extendable[0]
        limit = config.policies[d.kind].max_extension_wd
        if d.extended_wd:
            raise InvalidInput(f"该时限已经延期过一次 ({d.extended_wd} 个工作日), 不能再次延期")
        if not 0 < days <= limit:
            raise InvalidInput(f"--days 应为 1 到 {limit} 个工作日, 实际是 {days}")
        new = add_working_days(d.due_at, days, config.tz, cal)
        deadlines.extend(db, d.id, new.due_at, days, approver.strip(), d.provisional or new.provisional)
        audit.record(db, now, by, issue_id, Action.EXTEND, kind=d.kind, deadline_id=d.id, days=days,
                     approver=approver.strip(), old_due_at=to_iso(d.due_at), due_at=to_iso(new.due_at))
    return new.due_at, new.provisional


def recompute_provisional(db: sqlite_utils.Database, config: Config, cal: WorkdayCalendar,
                          now: datetime) -> list[int]:
    """Deadlines counted over an uncovered year are recounted once the calendar covers it."""
    changed = []
    for d in (c.deadline for c in deadlines.provisional(db)):
        rule = config.policies.get(d.kind)
        if rule is None or not rule.within_wd:
            continue
        due = add_working_days(d.started_at, rule.within_wd, config.tz, cal)
        if d.extended_wd:
            due = add_working_days(due.due_at, d.extended_wd, config.tz, cal)
        if due.provisional:
            continue
        with transaction(db):
            deadlines.set_due(db, d.id, due.due_at, False)
            audit.record(db, now, audit.SYSTEM, d.issue_id, Action.CLOCK_RECOMPUTED, kind=d.kind,
                         deadline_id=d.id, old_due_at=to_iso(d.due_at), due_at=to_iso(due.due_at))
        changed.append(d.id)
    return changed
