"""The `notifications` table: the outbox and the sent log. A notice's key is unique forever, so
queueing it twice queues it once; it is claimed before sending and marked sent only after the
server accepted it (with its audit row)."""
from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from ..clock import from_iso, to_iso
from ..clocks.rules import DeadlineStatus, IssueStatus
from . import audit
from .audit import Action
from .db import insert, one, rows, transaction
from .records import Deliverable, Notification, notification


def queue(db: sqlite_utils.Database, row: dict) -> bool:
    """Insert a notice unless its key is already there; True when it was queued now."""
    return insert(db, "notifications", row, or_ignore=True) is not None


def keys_of_running(db: sqlite_utils.Database) -> dict[int, frozenset[str]]:
    """The notice keys of every open clock, in one query (the tick's view of what was already queued)."""
    out: dict[int, set[str]] = {}
    for r in rows(db, "select n.deadline_id, n.key from deadlines d join notifications n on n.deadline_id = d.id "
                      "where d.status = 'open'"):
        out.setdefault(r["deadline_id"], set()).add(r["key"])
    return {k: frozenset(v) for k, v in out.items()}


def has(db: sqlite_utils.Database, key: str) -> bool:
    return one(db, "select 1 as x from notifications where key = ?", [key]) is not None


def deliverable(db: sqlite_utils.Database, now: datetime) -> list[Deliverable]:
    """Pending notices whose retry time has come, and every claimed one (the caller decides whether its
    claim is stale or its holder gone), with the status of their clock and issue."""
    found = rows(db, "select n.*, d.status as deadline_status, d.due_at, i.status as issue_status "
                     "from notifications n "
                     "left join deadlines d on d.id = n.deadline_id left join issues i on i.id = n.issue_id "
                     "where n.status in ('pending', 'sending') "        # notifications_undelivered
                     "and (n.status = 'sending' or n.next_attempt_at is null or n.next_attempt_at <= ?) "
                     "order by n.fire_at, n.id",
                 [to_iso(now)])
    return [Deliverable(notification(r), from_iso(r["due_at"]),
                        clock_open=r["deadline_id"] is None or r["deadline_status"] == DeadlineStatus.OPEN,
                        issue_open=r["deadline_id"] is None or r["issue_status"] == IssueStatus.OPEN)
            for r in found]


def cancel(db: sqlite_utils.Database, notice_id: int, reason: str | None = None) -> None:
    db.execute("update notifications set status = 'cancelled', last_error = coalesce(?, last_error) "
               "where id = ? and status in ('pending', 'sending')", [reason, notice_id])


def claim(db: sqlite_utils.Database, notice_id: int, status: str, now: datetime, by: str = "",
          previous_by: str | None = None) -> bool:
    """Take a notice for sending (from `status`, and from the holder `previous_by` when it was claimed);
    False when another process has it."""
    if status != "sending":
        return bool(db.execute("update notifications set status = 'sending', next_attempt_at = ?, claimed_by = ? "
                               "where id = ? and status = ?", [to_iso(now), by, notice_id, status]).rowcount)
    return bool(db.execute("update notifications set status = 'sending', next_attempt_at = ?, claimed_by = ? "
                           "where id = ? and status = 'sending' and coalesce(claimed_by, '') = ?",
                           [to_iso(now), by, notice_id, previous_by or ""]).rowcount)


def failed(db: sqlite_utils.Database, notice_id: int, attempts: int, error: str, retry_at: datetime) -> None:
    db.execute("update notifications set status = 'pending', attempts = ?, last_error = ?, next_attempt_at = ? "
               "where id = ?", [attempts, error, to_iso(retry_at), notice_id])


def sent(db: sqlite_utils.Database, n: Notification, attempts: int, now: datetime, accepted: list[str],
         refused: dict[str, str] | None = None, retry_at: datetime | None = None) -> None:
    """The server accepted the notice for `accepted`. With `refused` addresses left, it stays pending for
    them alone (retried at `retry_at`); otherwise it is sent. Either way the acceptance is recorded."""
    delivered = [*n.delivered_to, *accepted]
    with transaction(db):
        if refused:
            error = "收件人被拒绝: " + ", ".join(f"{a} ({why})" for a, why in refused.items())
            db.execute("update notifications set status = 'pending', attempts = ?, last_error = ?, "
                       "next_attempt_at = ?, delivered_to = ? where id = ?",
                       [attempts, error, to_iso(retry_at), json.dumps(delivered), n.id])
        else:
            db.execute("update notifications set status = 'sent', sent_at = ?, attempts = ?, last_error = null, "
                       "delivered_to = ? where id = ?", [to_iso(now), attempts, json.dumps(delivered), n.id])
        if accepted:
            audit.record(db, now, audit.SYSTEM, n.issue_id, Action.NOTIFY, key=n.key, stage=n.stage,
                         role=n.role, recipients=accepted, subject=n.subject, late=n.late,
                         **({"refused": sorted(refused)} if refused else {}))


def undelivered(db: sqlite_utils.Database) -> list[Notification]:
    return [notification(r) for r in
            rows(db, "select * from notifications where status in ('pending', 'sending') order by fire_at")]


def last_fire_of_stage(db: sqlite_utils.Database, stage: str) -> str | None:
    row = one(db, "select max(fire_at) at from notifications where stage = ?", [stage])
    return row["at"] if row else None


def sent_since(db: sqlite_utils.Database, since_iso: str) -> list[dict]:
    """Notices sent since then, and those still failing (for the digest)."""
    return rows(db, "select id, issue_id, stage, role, subject, fire_at, sent_at, status, attempts, last_error "
                    "from notifications where (sent_at >= ? and stage != 'digest') "
                    "or (status in ('pending', 'sending') and attempts > 0) order by fire_at", [since_iso])


def of_issue(db: sqlite_utils.Database, issue_id: int) -> list[Notification]:
    return [notification(r) for r in
            rows(db, "select * from notifications where issue_id = ? order by fire_at, id", [issue_id])]
