"""Pure decisions about deadlines: which clocks a declaration starts, and which notices are due.

Nothing here does I/O. Every decision says what to do and why (an enum reason),
so `monitor show` and the tests can explain each email that was or was not sent.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Callable
from enum import StrEnum

from ..clock import Precision
from .rules import ClockState, DeadlineRule, StartPoint

LATE_GRACE = timedelta(minutes=5)   # a notice sent later than this after its time is marked late


@dataclass(frozen=True)
class IssueTimes:
    first_seen_at: datetime
    first_published_at: datetime | None
    first_published_precision: Precision | None
    declared_at: datetime
    explicit_at: datetime | None = None       # an officer's own start time (with a reason, audited)


@dataclass(frozen=True)
class ClockStart:
    kind: str
    started_at: datetime
    due_at: datetime
    start_basis: str        # which point was used, e.g. "first_seen" or "first_seen (发布时间只有日期)"


def clocks_for_level(level: str, rules: dict[str, DeadlineRule], times: IssueTimes,
                     existing_kinds: frozenset[str]) -> list[ClockStart]:
    """Clocks a declaration of `level` starts; kinds already running are left alone."""
    out = []
    for rule in rules.values():
        if not rule.enabled or level not in rule.levels or rule.kind in existing_kinds or rule.follows:
            continue
        started_at, basis = (times.explicit_at, "explicit") if times.explicit_at else clock_start(rule.start, times)
        out.append(ClockStart(rule.kind, started_at, started_at + timedelta(seconds=rule.within_s), basis))
    return out


def follow_up(met_kind: str, met_at: datetime, level: str | None, rules: dict[str, DeadlineRule]) -> ClockStart | None:
    """The clock a met clock starts next: after the release (and each update), the next update."""
    for rule in rules.values():
        if rule.enabled and met_kind in rule.follows and level in rule.levels:
            return ClockStart(rule.kind, met_at, met_at + timedelta(seconds=rule.within_s), f"after {met_kind}")
    return None


def clock_start(start: str, t: IssueTimes) -> tuple[datetime, str]:
    if start == StartPoint.DECLARED:
        return t.declared_at, "declared"
    if start == StartPoint.FIRST_PUBLISHED:
        if t.first_published_at is None or t.first_published_precision == Precision.DAY:
            # a date-only time is not midnight: fall back to when we saw it
            return t.first_seen_at, "first_seen (首发时间不精确)"
        return min(t.first_published_at, t.first_seen_at), "first_published"
    return t.first_seen_at, "first_seen"


class Reason(StrEnum):
    SEND = "send"                      # due now, not sent before
    SEND_LATE = "send_late"            # was due a while ago (daemon down): send once, marked late
    ALREADY_SENT = "already_sent"
    NOT_YET = "not_yet"
    SUPERSEDED = "superseded"          # a later notice to the same role is also due: send only that
    CLOCK_STOPPED = "clock_stopped"    # the deadline was met or cancelled
    ISSUE_CLOSED = "issue_closed"
    ACKED = "acked"                    # repeats stop after an ack
    NO_RECIPIENTS = "no_recipients"    # the role has no address in sources.yaml
    IN_FLIGHT = "in_flight"            # delivery: being sent right now by a live process
    MOOT = "moot"                      # delivery: a reminder whose deadline has passed while it waited


@dataclass(frozen=True)
class DeadlineState:
    id: int
    issue_id: int
    kind: str
    due_at: datetime
    open: bool              # not met or cancelled
    issue_open: bool
    acked_roles: frozenset[str] = frozenset()   # repeats to these roles stop
    created_at: datetime | None = None          # when the clock was started (a late declaration starts it
                                                # after some of its notices' times: those are not 补发)


class Stage(StrEnum):
    """What a notice is. The first three come from a deadline's plan; the others from the tick's checks."""
    REMIND = "remind"            # before the deadline
    BREACH = "breach"            # at the deadline
    OVERDUE = "overdue"          # repeated while overdue
    DETECTED = "detected"        # an own-channel post may be the answer: confirm it
    PROVISIONAL = "provisional"  # a working-day deadline counted over a year the calendar lacks
    SOURCE = "source"            # a source became broken or quiet, or recovered
    DIGEST = "digest"            # 值班交接 at the configured times
    OUTAGE = "outage"            # the daemon was down: from when to when, and which clocks fell due meanwhile
    WARNING = "warning"          # 预警: a negative, rising or level I/II issue, before any declare
    CONFIG = "config"            # a configuration file changed on disk was refused; the last good one runs
    INSPECTION = "inspection"    # 国办秘函〔2019〕19号: an own channel or a message at risk of failing the unit


@dataclass(frozen=True)
class Notice:
    key: str                # unique forever: the dedup key in the outbox
    deadline_id: int
    role: str
    stage: Stage            # remind | breach | overdue
    fire_at: datetime
    repeat: int = 0


@dataclass(frozen=True)
class Decision:
    notice: Notice
    reason: Reason

    @property
    def send(self) -> bool:
        return self.reason in (Reason.SEND, Reason.SEND_LATE)


Shift = Callable[[datetime], datetime]       # moves a working-day clock's reminder into office hours


def planned_notices(d: DeadlineState, rule: DeadlineRule, office: Shift | None = None) -> list[Notice]:
    """Every notice this deadline may ever produce, in time order. A working-day clock's reminders go
    where `office` puts them (workdays.office_time: 09:00 on a working day); hour clocks are never held."""
    return list(_plan(d, rule, office)[0])


def _plan(d: DeadlineState, rule: DeadlineRule, office: Shift | None) -> tuple[tuple[Notice, ...], tuple[datetime, ...]]:
    """The plan and its times. An hour clock's plan depends on its id, deadline and rule only: kept across
    ticks (10,000 open clocks plan half a million notices a minute otherwise)."""
    if rule.within_wd and office is not None:
        return _make_plan(d.id, d.due_at, rule, office)
    return _cached_plan(d.id, d.due_at, rule)


@lru_cache(maxsize=32768)
def _cached_plan(deadline_id: int, due_at: datetime, rule: DeadlineRule):
    return _make_plan(deadline_id, due_at, rule, None)


def _make_plan(deadline_id: int, due_at: datetime, rule: DeadlineRule, office: Shift | None):
    out = []
    for role, before_s in rule.remind:
        fire_at = due_at - timedelta(seconds=before_s)
        if rule.within_wd and office is not None:
            fire_at = office(fire_at)
        out.append(Notice(f"d{deadline_id}:remind:{before_s}:{role}", deadline_id, role, Stage.REMIND, fire_at))
    for role in rule.escalate:
        out.append(Notice(f"d{deadline_id}:breach:{role}", deadline_id, role, Stage.BREACH, due_at))
        if rule.repeat_s:
            for n in range(1, rule.max_repeats + 1):
                offset = n * rule.repeat_s
                out.append(Notice(f"d{deadline_id}:overdue:{n}:{role}", deadline_id, role, Stage.OVERDUE,
                                  due_at + timedelta(seconds=offset), repeat=n))
    out.sort(key=lambda n: (n.fire_at, n.role))
    return tuple(out), tuple(n.fire_at for n in out)


def decide_notices(d: DeadlineState, rule: DeadlineRule, sent_keys: frozenset[str],
                   recipients: dict[str, tuple[str, ...]], now: datetime, office: Shift | None = None,
                   last_tick_at: datetime | None = None, due_only: bool = False) -> list[Decision]:
    """What to do with each planned notice of one deadline at `now`. `last_tick_at` is when the clocks
    were last evaluated before (the tick heartbeat; None: never): a notice is a late resend (【补发】) only
    when no evaluation ran between its time and now — the system was down. With `due_only`, the notices
    not yet due (NOT_YET) are left out: the tick's case, which needs only what may go out now."""
    notices, times = _plan(d, rule, office)
    due = bisect_right(times, now)                  # notices[:due] have fire_at <= now
    # the latest notice per role that is already due and may go out: an acked role's repeats are held
    # back, so they never supersede its first breach notice (an ack silences repeats, not the breach)
    latest_due: dict[str, Notice] = {}
    for n in notices[:due]:
        if not (n.stage == Stage.OVERDUE and n.role in d.acked_roles):
            latest_due[n.role] = n
    out = []
    for n in notices if not due_only else notices[:due]:
        if n.key in sent_keys:
            reason = Reason.ALREADY_SENT
        elif not d.issue_open:
            reason = Reason.ISSUE_CLOSED
        elif not d.open:
            reason = Reason.CLOCK_STOPPED
        elif n.fire_at > now:
            reason = Reason.NOT_YET
        elif n.stage == Stage.OVERDUE and n.role in d.acked_roles:
            reason = Reason.ACKED
        elif latest_due[n.role] is not n or (n.stage == Stage.REMIND and now >= d.due_at):
            reason = Reason.SUPERSEDED     # a later notice covers it; a reminder is moot once due has passed
        elif not recipients.get(n.role):
            reason = Reason.NO_RECIPIENTS
        elif now - n.fire_at > LATE_GRACE and (d.created_at is None or n.fire_at >= d.created_at) \
                and (last_tick_at is None or last_tick_at < n.fire_at):
            reason = Reason.SEND_LATE      # it fell due while the clock ran, and no tick ran since: we were down
        else:
            reason = Reason.SEND
        out.append(Decision(n, reason))
    return out


@dataclass(frozen=True)
class Queued:
    """A notice waiting in the outbox, as delivery sees it (the clock's columns are None for a notice
    that belongs to no clock: digest, warning, source health, outage)."""
    stage: str
    fire_at: datetime
    deadline_id: int | None = None
    due_at: datetime | None = None
    clock_open: bool = True
    issue_open: bool = True
    in_flight: bool = False            # claimed by a live process within CLAIM_STALE


def decide_delivery(q: Queued, latest_fire_at: datetime | None, now: datetime) -> Reason:
    """Whether a queued notice goes out now, and why not. A clock's notice that waited (an outage, a
    mail server down) goes only while its clock and issue are open, only if it is still the latest step
    for its clock and role (`latest_fire_at`), and a reminder never after its deadline."""
    if q.in_flight:
        return Reason.IN_FLIGHT
    if q.deadline_id is None:
        return Reason.SEND
    if not q.clock_open:
        return Reason.CLOCK_STOPPED
    if not q.issue_open:
        return Reason.ISSUE_CLOSED
    if q.stage == Stage.REMIND and q.due_at is not None and q.due_at <= now:
        return Reason.MOOT
    if latest_fire_at is not None and q.fire_at < latest_fire_at:
        return Reason.SUPERSEDED
    return Reason.SEND


def deadline_status(open_: bool, due_at: datetime, met_at: datetime | None, now: datetime) -> ClockState:
    """Shown status: pending / overdue / met / met_late / cancelled."""
    if met_at is not None:
        return ClockState.MET if met_at <= due_at else ClockState.MET_LATE
    if not open_:
        return ClockState.CANCELLED
    return ClockState.OVERDUE if now > due_at else ClockState.PENDING
