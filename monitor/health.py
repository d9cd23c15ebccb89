"""Source health: a pure judgement of one source's state, so silence can be told apart from breakage.

  broken   BROKEN_AFTER failures in a row, or a login/captcha page instead of content
  failing  failed lately, not yet broken
  quiet    working, but nothing new for longer than expected: max(24 h, 12 × its interval)
  ok       working and recently productive
  unknown  never fetched
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .clock import from_iso

NOTABLE = ("broken", "quiet")


def quiet_after(interval_s: int) -> timedelta:
    return max(timedelta(hours=24), timedelta(seconds=12 * interval_s))


def state(row: dict, interval_s: int, now: datetime) -> str:
    status = row.get("status") or "unknown"
    if status in ("broken", "failing", "unknown"):
        return status
    since = from_iso(row.get("last_new_at")) or from_iso(row.get("first_success_at"))
    if since is not None and now - since > quiet_after(interval_s):
        return "quiet"
    return "ok"


def should_notify(current: str, notified: str | None) -> bool:
    """Once when a source becomes broken or quiet, once when it recovers from that."""
    if current == (notified or "ok"):
        return False
    return current in NOTABLE or (current == "ok" and notified in NOTABLE)
