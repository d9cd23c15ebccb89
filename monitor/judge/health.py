"""Source health: a pure judgement of one source's state, so silence can be told apart from breakage.

  broken   BROKEN_AFTER failures in a row, or a login/captcha page instead of content
  failing  failed lately, not yet broken
  quiet    working, but listing nothing new at all (relevant or not) for longer than expected: the
           source's `expect_new` when the config gives one; else 1.5 × the 90th percentile of the gaps
           between its new lists over the last 30 days (learnt once it has LEARN_MIN_GAPS of them),
           never less than max(24 h, 12 × its interval), the default before anything is learnt
  ok       working and recently productive
  unknown  never fetched
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

BROKEN_AFTER = 3   # failures in a row that make a source a blind spot


class SourceState(StrEnum):
    OK = "ok"
    QUIET = "quiet"
    FAILING = "failing"
    BROKEN = "broken"
    UNKNOWN = "unknown"


NOTABLE = (SourceState.BROKEN, SourceState.QUIET)


def after_failure(consecutive_failures: int, blocked: bool) -> SourceState:
    """The stored status after one more failure: a login/captcha page is broken at once, other
    failures after BROKEN_AFTER in a row."""
    return SourceState.BROKEN if consecutive_failures >= BROKEN_AFTER or blocked else SourceState.FAILING


LEARN_WINDOW = timedelta(days=30)
LEARN_MIN_GAPS = 5       # fewer gaps than this in the window: nothing learnt yet, the default holds
LEARN_MARGIN = 1.5       # a gap a little longer than the usual long one is still the source's rhythm


class Expectation(StrEnum):
    CONFIGURED = "configured"    # `expect_new:` in sources.yaml
    LEARNT = "learnt"            # from the source's own history
    DEFAULT = "default"          # max(24 h, 12 × interval)


def default_gap(interval_s: int) -> timedelta:
    return max(timedelta(hours=24), timedelta(seconds=12 * interval_s))


def learnt_gap(new_times: list[datetime], now: datetime) -> timedelta | None:
    """The 90th percentile (nearest rank) of the gaps between new lists in the last 30 days."""
    recent = sorted(t for t in new_times if timedelta(0) <= now - t <= LEARN_WINDOW)
    gaps = sorted(b - a for a, b in zip(recent, recent[1:]))
    if len(gaps) < LEARN_MIN_GAPS:
        return None
    return gaps[math.ceil(0.9 * len(gaps)) - 1]


def quiet_after(interval_s: int, expect_new_s: int | None = None, new_times: list[datetime] = (),
                now: datetime | None = None) -> tuple[timedelta, Expectation]:
    """How long a working source may list nothing new before it is quiet, and where that comes from."""
    if expect_new_s:
        return timedelta(seconds=max(expect_new_s, interval_s)), Expectation.CONFIGURED
    floor = default_gap(interval_s)
    learnt = learnt_gap(list(new_times), now) if now is not None else None
    if learnt is not None and learnt * LEARN_MARGIN > floor:
        return learnt * LEARN_MARGIN, Expectation.LEARNT
    return floor, Expectation.DEFAULT


@dataclass(frozen=True)
class SourceRecord:
    """What the store keeps about a source between passes; a source never stored reads as `unseen`."""
    id: str
    url: str | None = None                   # as last configured
    status: SourceState = SourceState.UNKNOWN
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    first_success_at: datetime | None = None
    last_new_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    items_last_pass: int | None = None
    bytes_last_pass: int | None = None
    etag: str | None = None                  # for a conditional request
    last_modified: str | None = None
    items_digest: str | None = None          # the list as last seen: a change is something new
    new_times: tuple[datetime, ...] = ()     # when it listed something new (its learnt rhythm)
    notified_state: str | None = None        # the state the duty officer was last told of
    state_changes: int = 0

    @classmethod
    def unseen(cls, source_id: str) -> "SourceRecord":
        return cls(source_id)


def state(rec: SourceRecord, interval_s: int, now: datetime, expect_new_s: int | None = None) -> SourceState:
    status = rec.status
    if status in (SourceState.BROKEN, SourceState.FAILING, SourceState.UNKNOWN):
        return status
    since = rec.last_new_at or rec.first_success_at
    if since is not None and now - since > quiet_after(interval_s, expect_new_s, list(rec.new_times), now)[0]:
        return SourceState.QUIET
    return SourceState.OK


def should_notify(current: str, notified: str | None) -> bool:
    """Once when a source becomes broken or quiet, once when it recovers from that."""
    if current == (notified or SourceState.OK):
        return False
    return current in NOTABLE or (current == SourceState.OK and notified in NOTABLE)
