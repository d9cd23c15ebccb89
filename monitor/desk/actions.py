"""Officer actions on issues: declare, ack, respond, confirm, close, reopen, label. Each validates,
writes through store/, and records itself in the audit trail, whoever triggers it (CLI, web,
collection, the drill)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from ..clock import Precision, from_iso, to_iso
from ..clocks.policy import ClockStart, IssueTimes, clocks_for_level, follow_up
from ..clocks.records import Issue
from ..clocks.rules import LEVELS, RESPONSE_KINDS, ROLES, ClockKind, IssueKind, IssueStatus
from ..config.schema import Config
from ..errors import InvalidInput, NotFound
from ..judge.candidate import SENTIMENTS as SENTIMENT_LABELS
from ..store import answers, audit, deadlines, instructions, issues, posts
from ..store.audit import Action
from ..store.db import transaction


def get_issue(db: sqlite_utils.Database, issue_id: int) -> Issue:
    return issues.require(db, issue_id)


def require_by(by: str) -> str:
    if not by or not by.strip():
        raise InvalidInput("--by 需要填写操作人姓名")
    return by.strip()


def require_reason(reason: str, what: str) -> str:
    if not reason or not reason.strip():
        raise InvalidInput(f"--reason 需要填写{what}")
    return reason.strip()


@dataclass(frozen=True)
class DeclareResult:
    issue_id: int
    level: str
    started: tuple[ClockStart, ...]


def declare(db: sqlite_utils.Database, config: Config, issue_id: int, level: str, by: str,
            now: datetime, start_at: datetime | None = None, start_reason: str | None = None) -> DeclareResult:
    if level not in LEVELS:
        raise InvalidInput(f"级别应为 {' / '.join(LEVELS)}, 实际是 {level!r}")
    if start_at is not None and not (start_reason or "").strip():
        raise InvalidInput("指定计时起点 (--start) 时必须用 --start-reason 说明原因")
    if start_at is not None and start_at > now:
        raise InvalidInput("--start 不能晚于当前时间")
    by = require_by(by)
    with transaction(db):                   # read and decide under the write lock: two declares start clocks once
        row = get_issue(db, issue_id)
        if row.status != IssueStatus.OPEN:
            raise InvalidInput(f"舆情 {issue_id} 已关闭, 不能定级")
        starts = clocks_for_level(level, config.policies, _times(row, now, start_at),
                                  deadlines.kinds_of(db, issue_id))
        issues.set_level(db, issue_id, level, now, by)
        audit.record(db, now, by, issue_id, Action.DECLARE, level=level, previous=row.level,
                     suggested=row.suggested_level)
        for s in starts:
            earlier = answers.earliest_response(db, issue_id, s.kind)
            deadlines.start(db, issue_id, s.kind, config.policies[s.kind].basis, s.start_basis, s.started_at,
                            s.due_at, now, by, met_at=earlier["published_at"] if earlier else None,
                            evidence_url=earlier["url"] if earlier else None, already_met=bool(earlier),
                            **({"start_reason": start_reason.strip()} if start_at else {}))
    return DeclareResult(issue_id, level, tuple(starts))


def _times(row: Issue, now: datetime, start_at: datetime | None = None) -> IssueTimes:
    return IssueTimes(
        first_seen_at=row.first_seen_at,
        first_published_at=row.first_published_at,
        first_published_precision=Precision(row.first_published_precision) if row.first_published_precision else None,
        declared_at=now,
        explicit_at=start_at,
    )


def declare_preview(db: sqlite_utils.Database, config: Config, issue_id: int, now: datetime) -> dict[str, list[ClockStart]]:
    """For each level, the clocks declaring it now would start (a due time already past means the
    legal window closed before the declaration)."""
    row = get_issue(db, issue_id)
    kinds = deadlines.kinds_of(db, issue_id)
    return {level: clocks_for_level(level, config.policies, _times(row, now), kinds) for level in LEVELS}


def ack(db: sqlite_utils.Database, issue_id: int, by: str, now: datetime, roles: tuple[str, ...] = ROLES) -> None:
    """Stop the overdue repeats to `roles` (all by default); the clocks keep running."""
    by = require_by(by)
    get_issue(db, issue_id)
    with transaction(db):
        issues.ack(db, issue_id, roles, now, by)
        audit.record(db, now, by, issue_id, Action.ACK, roles=[str(r) for r in roles])


MAX_INSTRUCTION = 1000      # characters of a 批示


def instruct(db: sqlite_utils.Database, issue_id: int, text: str, by: str, now: datetime) -> int:
    """A leader's 批示 on an issue: kept with the issue, shown to the duty officer, in the 处置台账."""
    by = require_by(by)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("请填写批示内容")
    if len(text) > MAX_INSTRUCTION:
        raise InvalidInput(f"批示过长 ({len(text)} 字, 最多 {MAX_INSTRUCTION} 字)")
    get_issue(db, issue_id)
    with transaction(db):
        note_id = instructions.add(db, issue_id, now, by, text)
        audit.record(db, now, by, issue_id, Action.INSTRUCT, text=text)
    return note_id


def reopen(db: sqlite_utils.Database, issue_id: int, by: str, reason: str, now: datetime) -> int:
    """Re-open a closed issue; the clocks its close cancelled run again. Notices already sent for
    them are not sent again (their outbox keys remain). Returns how many clocks were restored."""
    by = require_by(by)
    reason = require_reason(reason, "重新打开的原因")
    if get_issue(db, issue_id).status != IssueStatus.CLOSED:
        raise InvalidInput(f"舆情 {issue_id} 没有关闭")
    with transaction(db):
        issues.reopen(db, issue_id)
        restored = deadlines.restore_closed(db, issue_id)
        audit.record(db, now, by, issue_id, Action.REOPEN, reason=reason, restored_deadlines=restored)
    return len(restored)


@dataclass(frozen=True)
class RespondResult:
    issue_id: int
    kind: str
    deadline_id: int | None
    on_time: bool | None        # None when no clock of that kind was running


def respond(db: sqlite_utils.Database, issue_id: int, kind: str, url: str, at: datetime, by: str,
            now: datetime, config: Config) -> RespondResult:
    if kind not in RESPONSE_KINDS:
        raise InvalidInput(f"--kind 应为 {' / '.join(RESPONSE_KINDS)}, 实际是 {kind!r}")
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"--url 需要一个 http(s) 网址作为证据, 实际是 {url!r}")
    if at > now:
        raise InvalidInput("--at 不能晚于当前时间")
    by = require_by(by)
    issue = get_issue(db, issue_id)
    running = deadlines.open_of(db, issue_id, kind)
    with transaction(db):
        answers.record_response(db, issue_id, kind, url, at, now, by)
        audit.record(db, now, by, issue_id, Action.RESPOND, kind=kind, url=url, published_at=to_iso(at))
        if not running or not deadlines.meet(db, running[0].id, at, url):
            return RespondResult(issue_id, kind, None, None)    # none running, or stopped by another process
        d = running[0]
        on_time = at <= d.due_at
        audit.record(db, now, by, issue_id, Action.CLOCK_STOP, kind=kind, deadline_id=d.id,
                     met_at=to_iso(at), due_at=to_iso(d.due_at), on_time=on_time)
        nxt = follow_up(kind, at, issue.level, config.policies)
        if nxt is not None and issue.open:
            deadlines.start(db, issue_id, nxt.kind, config.policies[nxt.kind].basis, nxt.start_basis,
                            nxt.started_at, nxt.due_at, now, by)
    return RespondResult(issue_id, kind, d.id, on_time)


def confirm_detected(db: sqlite_utils.Database, config: Config, issue_id: int, post_id: int | None, by: str,
                     now: datetime) -> RespondResult:
    """Confirm a detected own-channel post as the answer: stops its clock with the post as evidence,
    at the post's publication time (when it is precise) or when it was seen."""
    get_issue(db, issue_id)
    detected = [d for d in answers.awaiting(db, issue_id) if post_id is None or d["post_id"] == post_id]
    if not detected:
        raise InvalidInput(f"舆情 {issue_id} 没有检测到本单位发布的信息" + (f" (信息 {post_id})" if post_id else ""))
    d = detected[-1]
    at = from_iso(d["published_at"]) if d["published_at"] and d["published_precision"] != Precision.DAY \
        else from_iso(d["seen_at"])
    if d["deadline_id"] is None:            # before any level: it answers the first clock a declare starts
        with transaction(db):
            result = respond(db, issue_id, ClockKind.RELEASE, d["url"], min(at, now), by, now, config)
            answers.record_response(db, issue_id, ClockKind.RESPONSE, d["url"], min(at, now), now, require_by(by))
        return result
    return respond(db, issue_id, d["kind"], d["url"], min(at, now), by, now, config)


def override_label(db: sqlite_utils.Database, post_id: int, label: str, by: str, now: datetime) -> int | None:
    """The duty officer corrects a post's sentiment; the issue's figures follow. Returns the issue id."""
    if label not in SENTIMENT_LABELS:
        raise InvalidInput(f"--as 应为 {' / '.join(SENTIMENT_LABELS)}, 实际是 {label!r}")
    by = require_by(by)
    p = posts.get(db, post_id)
    if p is None:
        raise NotFound(f"没有编号为 {post_id} 的信息")
    with transaction(db):
        posts.set_override(db, post_id, label)
        audit.record(db, now, by, p["issue_id"], Action.LABEL, post_id=post_id, label=label,
                     model_label=p["sentiment_label"], previous_override=p["sentiment_override"])
        if p["issue_id"] is not None:
            issues.refresh(db, p["issue_id"])
    return p["issue_id"]


def dismiss_warning(db: sqlite_utils.Database, issue_id: int, by: str, reason: str, now: datetime) -> None:
    """误报: the duty officer judges the issue's 预警 false (not about us, or not a problem); no warning of
    it goes out again. Audited; the issue stays open (close it as well if it is noise)."""
    by = require_by(by)
    reason = require_reason(reason, "误报原因")
    if get_issue(db, issue_id).warning_dismissed_at:
        raise InvalidInput(f"舆情 {issue_id} 的预警已经标为误报")
    with transaction(db):
        issues.dismiss_warning(db, issue_id, now, by)
        audit.record(db, now, by, issue_id, Action.WARNING_DISMISSED, reason=reason)


def close(db: sqlite_utils.Database, issue_id: int, by: str, reason: str, now: datetime) -> int:
    """Close the issue; open clocks are cancelled. Returns how many were cancelled."""
    by = require_by(by)
    reason = require_reason(reason, "关闭原因")
    with transaction(db):                   # read under the write lock: two closes close once
        if get_issue(db, issue_id).status == IssueStatus.CLOSED:
            raise InvalidInput(f"舆情 {issue_id} 已经关闭")
        issues.close(db, issue_id, now, by, reason)
        cancelled = deadlines.cancel_open(db, issue_id, "close")
        audit.record(db, now, by, issue_id, Action.CLOSE, reason=reason, cancelled_deadlines=cancelled)
    return len(cancelled)


def note_own_post(db: sqlite_utils.Database, issue_id: int, post_id: int, now: datetime,
                  reason: str = "", rivals: tuple[int, ...] = ()) -> int | None:
    """An own-channel post joined an issue: keep it for the duty officer to confirm as the answer. With a
    clock running it answers the soonest; before any level is declared it is recorded on the issue (a
    later declare counts it once confirmed)."""
    d = answers.clock_to_answer(db, issue_id)
    issue = get_issue(db, issue_id)
    if d is None and (issue.kind != IssueKind.OPINION or not issue.negative_share):
        return None                         # no clock, and nothing negative to answer (a 喜报 joins its story)
    deadline_id, kind = (d["id"], d["kind"]) if d else (None, ClockKind.RELEASE)
    detection = answers.detect(db, issue_id, post_id, deadline_id, kind, now, rivals)
    audit.record(db, now, audit.SYSTEM, issue_id, Action.RELEASE_DETECTED, post_id=post_id, deadline_id=deadline_id,
                 kind=str(kind), **({"reason": reason} if reason else {}))
    return detection
