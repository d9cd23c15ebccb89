"""The legal clocks and their issues as they are stored: typed rows that `store.deadlines` and
`store.issues` build and every layer above reads (times aware UTC, statuses as enums), instead of dicts
of ISO text."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime

from .rules import DeadlineStatus, IssueKind, IssueStatus


@dataclass(frozen=True)
class Deadline:
    id: int
    issue_id: int
    kind: str                       # a ClockKind
    seq: int                        # numbered after the issue's earlier clocks of this kind
    basis: str                      # the document that sets it
    start_basis: str                # what it counts from (a StartPoint or an intake's date)
    started_at: datetime
    due_at: datetime
    created_at: datetime | None     # None on clocks stored before it was recorded
    status: DeadlineStatus
    met_at: datetime | None = None
    evidence_url: str | None = None
    provisional: bool = False       # counted over a year the working-day calendar does not cover
    extended_wd: int = 0
    approver: str | None = None
    cancelled_by: str | None = None  # `close` or `merge`

    @property
    def running(self) -> bool:
        return self.status == DeadlineStatus.OPEN

    @property
    def started_late(self) -> bool:
        """Started after it was already due: a level declared after the legal window had passed."""
        return self.created_at is not None and self.created_at > self.due_at


@dataclass(frozen=True)
class IssueBrief:
    """What a running clock carries of its issue."""
    title: str
    level: str | None
    kind: str
    heat: float
    negative_share: float
    post_count: int
    url: str | None


@dataclass(frozen=True)
class RunningClock:
    deadline: Deadline
    issue: IssueBrief


@dataclass(frozen=True)
class Issue:
    """One incident (or intake item) as stored, without its clustering signature."""
    id: int
    title: str
    kind: IssueKind
    status: IssueStatus
    first_seen_at: datetime
    level: str | None = None
    suggested_level: str | None = None
    suggested_reason: str | None = None
    heat: float = 0.0
    negative_share: float = 0.0
    heat_components_json: str | None = None  # read as `heat_components` (parsed when first asked for)
    burst_at: datetime | None = None
    keywords_json: str | None = None         # read as `keywords`
    post_count: int = 0
    source_count: int = 0
    repost_count: int = 0
    first_published_at: datetime | None = None
    first_published_precision: str | None = None
    last_post_at: datetime | None = None
    declared_at: datetime | None = None
    declared_by: str | None = None
    acked_at: datetime | None = None
    acked_by: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_reason: str | None = None
    received_at: datetime | None = None      # an intake item's date of receipt
    from_name: str | None = None
    url: str | None = None                   # an intake item's own address (the message, the post to repost)
    rev: int = 0
    incident_id: int | None = None           # the incident a letter belongs to
    warning_dismissed_at: datetime | None = None
    warning_dismissed_by: str | None = None
    merged_into: int | None = None

    @property
    def open(self) -> bool:
        return self.status == IssueStatus.OPEN

    @cached_property
    def heat_components(self) -> dict:
        """volume, negativity, spread, growth, engagement (judge.heat)."""
        return json.loads(self.heat_components_json or "{}")

    @cached_property
    def keywords(self) -> tuple[str, ...]:
        return tuple(json.loads(self.keywords_json or "[]"))
