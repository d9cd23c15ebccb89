"""Typed rows that travel up from the store: a queued notice and a source's stored state. (A clock is
`clocks.records.Deadline`: the clock statistics below the store read it too.)"""
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


@dataclass(frozen=True)
class SourceRow:
    """What the store keeps about a source between passes (its health is judged from this)."""
    id: str
    kind: str
    url: str
    own: bool
    status: str | None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    first_success_at: datetime | None = None
    last_new_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    items_last_pass: int | None = None
    bytes_last_pass: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    notified_state: str | None = None
    state_changes: int = 0
    items_digest: str | None = None
    new_times: tuple[datetime, ...] = ()
