"""The one clock. Every component asks a Clock for the time; nothing calls datetime.now().
Also the stored time format (aware UTC ISO 8601) and the precision of a publication time.

`SystemClock` is the wall clock, `FixedClock` is frozen (CLI `--now`), and
`SimClock` is advanced by hand (the drill, tests).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from .errors import InvalidInput

UTC = timezone.utc


class Precision(StrEnum):
    """How precisely a source gave a time. A DAY time is never read as midnight (clocks.policy)."""
    SECOND = "second"
    MINUTE = "minute"
    DAY = "day"


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    def __init__(self, at: datetime):
        self._at = ensure_aware(at)

    def now(self) -> datetime:
        return self._at


class SimClock:
    """A clock that only moves when told to."""

    def __init__(self, start_at: datetime):
        self._at = ensure_aware(start_at)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> datetime:
        self._at += delta
        return self._at

    def set(self, at: datetime) -> None:
        self._at = ensure_aware(at)


def ensure_aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput(f"time without a timezone: {at.isoformat()}")
    return at.astimezone(UTC)


MIN_YEAR, MAX_YEAR = 1990, 2200     # an operator's time outside these is a typo, not a plan


def parse_cli_date(text: str, what: str = "日期"):
    """A YYYY-MM-DD date an operator typed, within MIN_YEAR..MAX_YEAR (a year 1 or 9999 is a typo)."""
    import datetime as _dt
    try:
        day = _dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{what}应为 2026-03-16 这样的日期, 实际是 {text!r}") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidInput(f"{what}超出范围 ({MIN_YEAR}–{MAX_YEAR} 年): {text!r}")
    return day


def parse_cli_time(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 from an operator; a time without an offset is read in the agency's timezone."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"不是有效的时间 (ISO 8601, 例如 2026-03-16T09:30+08:00): {text!r}") from None
    if not MIN_YEAR <= at.year <= MAX_YEAR:
        raise InvalidInput(f"时间超出范围 ({MIN_YEAR}–{MAX_YEAR} 年): {text!r}")
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    return at.astimezone(UTC)


def to_iso(at: datetime | None) -> str | None:
    """Stored form: aware UTC, ISO 8601, seconds precision."""
    if at is None:
        return None
    return ensure_aware(at).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text).astimezone(UTC)


def post_time_str(published_at: datetime | str | None, precision: str | None, seen_at: datetime | str | None,
                  tz: ZoneInfo) -> str:
    """When a post came out, as a person should read it: a source that gave only a date is shown as that
    date (`3月16日, 时间不详`), never as the noon it is stored at; no time at all: when it was seen."""
    if published_at is None:
        return local_str(seen_at, tz)
    if precision == Precision.DAY:
        at = from_iso(published_at) if isinstance(published_at, str) else published_at
        local = at.astimezone(tz)
        return f"{local.year}年{local.month}月{local.day}日, 时间不详"
    return local_str(published_at, tz)


def local_str(at: datetime | str | None, tz: ZoneInfo) -> str:
    """Shown form: local time of the agency, minutes precision. Takes a time or its stored ISO text."""
    if isinstance(at, str):
        at = from_iso(at)
    if at is None:
        return "-"
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
