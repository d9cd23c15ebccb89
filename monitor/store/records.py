"""Typed rows that travel up from the store: a queued notice. (A clock is `clocks.records.Deadline` and a
source's stored state `judge.health.SourceRecord`: layers below the store read those too.)"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from ..clock import from_iso


@dataclass(frozen=True)
class Notification:
    id: int
    key: str                        # one notice per key, ever (the outbox's idempotency)
    issue_id: int | None
    deadline_id: int | None
    stage: str                      # a clocks.policy.Stage
    role: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    fire_at: datetime
    status: str                     # pending / sending / sent / cancelled
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    late: bool = False
    message_id: str | None = None
    delivered_to: tuple[str, ...] = ()
    html: str | None = None
    thread_id: str | None = None
    claimed_by: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Deliverable:
    """A notice that may be sent now, with what the delivery decision reads of its clock and issue."""
    notice: Notification
    due_at: datetime | None         # its clock's, if it belongs to one
    clock_open: bool
    issue_open: bool


def notification(r: dict) -> Notification:
    return Notification(
        id=r["id"], key=r["key"], issue_id=r["issue_id"], deadline_id=r["deadline_id"], stage=r["stage"],
        role=r["role"], recipients=tuple(json.loads(r["recipients"] or "[]")), subject=r["subject"], body=r["body"],
        fire_at=from_iso(r["fire_at"]), status=r["status"], attempts=r["attempts"] or 0, last_error=r["last_error"],
        next_attempt_at=from_iso(r["next_attempt_at"]), sent_at=from_iso(r["sent_at"]), late=bool(r["late"]),
        message_id=r["message_id"], delivered_to=tuple(json.loads(r["delivered_to"] or "[]")), html=r["html"],
        thread_id=r["thread_id"], claimed_by=r["claimed_by"], created_at=from_iso(r["created_at"]))
