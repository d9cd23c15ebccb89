"""The legal clocks as they are stored: typed rows that `store.deadlines` builds and every layer
above reads (times aware UTC, statuses as enums), instead of dicts of ISO text."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .rules import DeadlineStatus


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
