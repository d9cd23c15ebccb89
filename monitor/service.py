"""Officer actions on issues. Each validates, writes, and records itself in the audit trail."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from . import store
from .clock import from_iso, to_iso
from .config import Config
from .errors import InvalidInput, NotFound
from .policy import ClockStart, IssueTimes, clocks_for_level, follow_up
from .policy_defaults import LEVELS
from .timeparse import Precision
from .db import transaction

RESPONSE_KINDS = ("release", "press_conference", "update", "response", "reply", "disclosure", "repost")


def get_issue(db: sqlite_utils.Database, issue_id: int) -> dict:
    row = store.issue_row(db, issue_id)
    if row is None:
        raise NotFound(f"没有编号为 {issue_id} 的舆情")
    return row


def _require_by(by: str) -> str:
    if not by or not by.strip():
        raise InvalidInput("--by 需要填写操作人姓名")
    return by.strip()


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
    by = _require_by(by)
    row = get_issue(db, issue_id)
    if row["status"] != "open":
        raise InvalidInput(f"舆情 {issue_id} 已关闭, 不能定级")
    times = IssueTimes(
        first_seen_at=from_iso(row["first_seen_at"]),
        first_published_at=from_iso(row["first_published_at"]),
        first_published_precision=Precision(row["first_published_precision"]) if row["first_published_precision"] else None,
        declared_at=now,
        explicit_at=start_at,
    )
    existing = frozenset(r["kind"] for r in db.query("select kind from deadlines where issue_id = ?", [issue_id]))
    starts = clocks_for_level(level, config.policies, times, existing)
    with transaction(db):
        db["issues"].update(issue_id, {"level": level, "declared_at": to_iso(now), "declared_by": by})
        store.record_action(db, now, by, issue_id, "declare", level=level, previous=row["level"],
                            suggested=row["suggested_level"])
        for s in starts:
            rule = config.policies[s.kind]
            earlier = _earlier_response(db, issue_id, s.kind)
            deadline_id = db["deadlines"].insert({
                "issue_id": issue_id, "kind": s.kind, "basis": rule.basis, "start_basis": s.start_basis,
                "started_at": to_iso(s.started_at), "due_at": to_iso(s.due_at),
                "status": "met" if earlier else "open", "created_at": to_iso(now),
                "met_at": earlier["published_at"] if earlier else None,
                "evidence_url": earlier["url"] if earlier else None,
            }).last_pk
            store.record_action(db, now, by, issue_id, "clock_start", kind=s.kind, deadline_id=deadline_id,
                                started_at=to_iso(s.started_at), due_at=to_iso(s.due_at),
                                start_basis=s.start_basis, already_met=bool(earlier),
                                **({"start_reason": start_reason.strip()} if start_at else {}))
    return DeclareResult(issue_id, level, tuple(starts))


def _earlier_response(db, issue_id: int, kind: str) -> dict | None:
    """A response recorded before its clock existed (e.g. released, then declared)."""
    for r in db.query("select detail from actions where issue_id = ? and action = 'respond' order by id", [issue_id]):
        d = json.loads(r["detail"])
        if d.get("kind") == kind:
            return d
    return None


def ack(db: sqlite_utils.Database, issue_id: int, by: str, now: datetime,
        roles: tuple[str, ...] = ("duty", "deputy_leader", "head")) -> None:
    """Stop the overdue repeats to `roles` (all by default); the clocks keep running."""
    by = _require_by(by)
    get_issue(db, issue_id)
    with transaction(db):
        db["issues"].update(issue_id, {"acked_at": to_iso(now), "acked_by": by})
        store.record_action(db, now, by, issue_id, "ack", roles=list(roles))


def reopen(db: sqlite_utils.Database, issue_id: int, by: str, reason: str, now: datetime) -> int:
    """Re-open a closed issue; the clocks its close cancelled run again. Notices already sent for
    them are not sent again (their outbox keys remain). Returns how many clocks were restored."""
    by = _require_by(by)
    if not reason or not reason.strip():
        raise InvalidInput("--reason 需要填写重新打开的原因")
    row = get_issue(db, issue_id)
    if row["status"] != "closed":
        raise InvalidInput(f"舆情 {issue_id} 没有关闭")
    closes = list(db.query("select detail from actions where issue_id = ? and action = 'close' order by id desc "
                           "limit 1", [issue_id]))
    cancelled = json.loads(closes[0]["detail"]).get("cancelled_deadlines", []) if closes else []
    with transaction(db):
        db["issues"].update(issue_id, {"status": "open", "closed_at": None, "closed_by": None, "close_reason": None})
        for d in cancelled:
            db.execute("update deadlines set status = 'open' where id = ? and status = 'cancelled'", [d])
        store.record_action(db, now, by, issue_id, "reopen", reason=reason, restored_deadlines=cancelled)
    return len(cancelled)


@dataclass(frozen=True)
class RespondResult:
    issue_id: int
    kind: str
    deadline_id: int | None
    on_time: bool | None        # None when no clock of that kind was running


def respond(db: sqlite_utils.Database, issue_id: int, kind: str, url: str, at: datetime, by: str,
            now: datetime, config: Config | None = None) -> RespondResult:
    if kind not in RESPONSE_KINDS:
        raise InvalidInput(f"--kind 应为 {' / '.join(RESPONSE_KINDS)}, 实际是 {kind!r}")
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"--url 需要一个 http(s) 网址作为证据, 实际是 {url!r}")
    if at > now:
        raise InvalidInput("--at 不能晚于当前时间")
    by = _require_by(by)
    issue = get_issue(db, issue_id)
    rows = list(db.query("select * from deadlines where issue_id = ? and kind = ? and status = 'open' "
                         "order by seq", [issue_id, kind]))
    with transaction(db):
        store.record_action(db, now, by, issue_id, "respond", kind=kind, url=url, published_at=to_iso(at))
        if not rows:
            return RespondResult(issue_id, kind, None, None)
        d = rows[0]
        stopped = db.execute("update deadlines set status = 'met', met_at = ?, evidence_url = ? "
                             "where id = ? and status = 'open'", [to_iso(at), url, d["id"]]).rowcount
        if not stopped:                      # closed or answered by another process meanwhile
            return RespondResult(issue_id, kind, None, None)
        on_time = at <= from_iso(d["due_at"])
        store.record_action(db, now, by, issue_id, "clock_stop", kind=kind, deadline_id=d["id"],
                            met_at=to_iso(at), due_at=d["due_at"], on_time=on_time)
        nxt = follow_up(kind, at, issue["level"], config.policies) if config else None
        if nxt is not None and issue["status"] == "open":
            seq = 1 + max([r["seq"] for r in db.query("select seq from deadlines where issue_id = ? and kind = ?",
                                                       [issue_id, nxt.kind])] or [0])
            new_id = db["deadlines"].insert({
                "issue_id": issue_id, "kind": nxt.kind, "seq": seq, "basis": config.policies[nxt.kind].basis,
                "start_basis": nxt.start_basis, "started_at": to_iso(nxt.started_at), "due_at": to_iso(nxt.due_at),
                "status": "open", "created_at": to_iso(now)}).last_pk
            store.record_action(db, now, by, issue_id, "clock_start", kind=nxt.kind, deadline_id=new_id, seq=seq,
                                started_at=to_iso(nxt.started_at), due_at=to_iso(nxt.due_at),
                                start_basis=nxt.start_basis)
    return RespondResult(issue_id, kind, d["id"], on_time)


def confirm_detected(db: sqlite_utils.Database, config: Config, issue_id: int, post_id: int | None, by: str,
                     now: datetime) -> RespondResult:
    """Confirm a detected own-channel post as the answer: stops its clock with the post as evidence."""
    get_issue(db, issue_id)
    detected = [json.loads(a["detail"]) for a in db.query(
        "select detail from actions where issue_id = ? and action = 'release_detected' order by id desc", [issue_id])]
    if post_id is not None:
        detected = [d for d in detected if d["post_id"] == post_id]
    if not detected:
        raise InvalidInput(f"舆情 {issue_id} 没有检测到本单位发布的信息" + (f" (信息 {post_id})" if post_id else ""))
    d = detected[0]
    post = next(iter(db.query("select * from posts where id = ?", [d["post_id"]])))
    at = from_iso(post["published_at"]) if post["published_at"] and post["published_precision"] != "day" \
        else from_iso(post["seen_at"])
    return respond(db, issue_id, d["kind"], post["url"], min(at, now), by, now, config)


SENTIMENT_LABELS = ("positive", "neutral", "negative")


def override_label(db: sqlite_utils.Database, post_id: int, label: str, by: str, now: datetime) -> int | None:
    """The duty officer corrects a post's sentiment; the issue's figures follow. Returns the issue id."""
    if label not in SENTIMENT_LABELS:
        raise InvalidInput(f"--as 应为 {' / '.join(SENTIMENT_LABELS)}, 实际是 {label!r}")
    by = _require_by(by)
    rows = list(db.query("select id, issue_id, sentiment_label, sentiment_override from posts where id = ?", [post_id]))
    if not rows:
        raise NotFound(f"没有编号为 {post_id} 的信息")
    p = rows[0]
    with transaction(db):
        db.execute("update posts set sentiment_override = ? where id = ?", [label, post_id])
        store.record_action(db, now, by, p["issue_id"], "label", post_id=post_id, label=label,
                            model_label=p["sentiment_label"], previous_override=p["sentiment_override"])
        if p["issue_id"] is not None:
            store.refresh_issue(db, p["issue_id"])
    return p["issue_id"]


def close(db: sqlite_utils.Database, issue_id: int, by: str, reason: str, now: datetime) -> int:
    """Close the issue; open clocks are cancelled. Returns how many were cancelled."""
    by = _require_by(by)
    if not reason or not reason.strip():
        raise InvalidInput("--reason 需要填写关闭原因")
    row = get_issue(db, issue_id)
    if row["status"] == "closed":
        raise InvalidInput(f"舆情 {issue_id} 已经关闭")
    with transaction(db):
        db["issues"].update(issue_id, {"status": "closed", "closed_at": to_iso(now), "closed_by": by,
                                       "close_reason": reason})
        open_ids = [r["id"] for r in db.query(
            "select id from deadlines where issue_id = ? and status = 'open'", [issue_id])]
        for d in open_ids:
            db["deadlines"].update(d, {"status": "cancelled"})
        store.record_action(db, now, by, issue_id, "close", reason=reason, cancelled_deadlines=open_ids)
    return len(open_ids)
