"""Source health: a pure judgement of one source's state, so silence can be told apart from breakage.

  broken   BROKEN_AFTER failures in a row, or a login/captcha page instead of content
  failing  failed lately, not yet broken
  quiet    working, but listing nothing new at all (relevant or not) for longer than expected:
           max(24 h, 12 × its interval)
  ok       working and recently productive
  unknown  never fetched
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from ..clock import from_iso

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


def quiet_after(interval_s: int) -> timedelta:
    return max(timedelta(hours=24), timedelta(seconds=12 * interval_s))


def state(row: dict, interval_s: int, now: datetime) -> SourceState:
    status = SourceState(row.get("status") or SourceState.UNKNOWN)
    if status in (SourceState.BROKEN, SourceState.FAILING, SourceState.UNKNOWN):
        return status
    since = from_iso(row.get("last_new_at")) or from_iso(row.get("first_success_at"))
    if since is not None and now - since > quiet_after(interval_s):
        return SourceState.QUIET
    return SourceState.OK


def should_notify(current: str, notified: str | None) -> bool:
    """Once when a source becomes broken or quiet, once when it recovers from that."""
    if current == (notified or SourceState.OK):
        return False
    return current in NOTABLE or (current == SourceState.OK and notified in NOTABLE)
