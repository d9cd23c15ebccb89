"""Parse the publication times Chinese sites print, keeping their precision.

A date-only item is `Precision.DAY`: it is never treated as midnight when a clock
starts from it (see clocks.policy.clock_start).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from ..clock import UTC, Precision


@dataclass(frozen=True)
class ParsedTime:
    at: datetime          # aware UTC; for DAY precision, local noon of that day
    precision: Precision
    clamped: bool = False  # was in the future and was clamped to now


_FULL = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_MONTH_DAY = re.compile(
    r"^(?P<m>\d{1,2})\s*[-月/]\s*(?P<d>\d{1,2})\s*日?(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2}))?$"
)
_AGO = re.compile(r"^(?P<n>\d+)\s*(?P<u>秒|分钟|小时|天)前$")
_REL_DAY = re.compile(r"^(?P<w>今天|昨天|前天)\s*(?:(?P<H>\d{1,2}):(?P<M>\d{2}))?$")
_AGO_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days"}
_REL_OFFSET = {"今天": 0, "昨天": 1, "前天": 2}


_OFFSET = re.compile(r"(\s*(GMT|UTC|Z|[+-]\d{2}:?\d{2}))$", re.I)


def parse_published(text: str | None, now: datetime, tz: ZoneInfo, force_tz: bool = False) -> ParsedTime | None:
    """Read `text` as a publication time seen at `now`; naive times are in `tz`. With `force_tz`
    the time's own offset is ignored (a feed that labels Beijing time as GMT)."""
    if not text or not text.strip():
        return None
    s = text.strip()
    if force_tz:
        s = _OFFSET.sub("", s)
    try:
        parsed = _parse(s, now, tz)
    except (ValueError, OverflowError):         # hour 24, 昨天 99:99, 999999999天前, year 1 east of UTC
        return None
    if parsed is None:
        return None
    if parsed.at > now + timedelta(minutes=5):
        return ParsedTime(now, parsed.precision, clamped=True)
    return parsed


def _local(y, m, d, H=None, M=None, S=None, tz=None) -> tuple[datetime, Precision]:
    if H is None:
        return datetime(int(y), int(m), int(d), 12, 0, tzinfo=tz).astimezone(UTC), Precision.DAY
    prec = Precision.SECOND if S is not None else Precision.MINUTE
    at = datetime(int(y), int(m), int(d), int(H), int(M), int(S or 0), tzinfo=tz)
    return at.astimezone(UTC), prec


def _parse(s: str, now: datetime, tz: ZoneInfo) -> ParsedTime | None:
    # RFC 822 (RSS pubDate)
    if re.match(r"^[A-Za-z]{3},|^\d{1,2} [A-Za-z]{3} \d{4}", s):
        try:
            at = parsedate_to_datetime(s)
            if at.tzinfo is None:
                at = at.replace(tzinfo=tz)
            return ParsedTime(at.astimezone(UTC), Precision.SECOND)
        except (TypeError, ValueError):
            pass
    # ISO 8601 with an offset
    try:
        at = datetime.fromisoformat(s.replace("Z", "+00:00"))
        if at.tzinfo is not None and ("T" in s or "+" in s[10:] or s.endswith("Z")):
            return ParsedTime(at.astimezone(UTC), Precision.SECOND)
    except ValueError:
        pass
    local_now = now.astimezone(tz)
    if m := _AGO.match(s):
        at = now - timedelta(**{_AGO_UNITS[m["u"]]: int(m["n"])})
        return ParsedTime(at, Precision.DAY if m["u"] == "天" else Precision.MINUTE)
    if m := _REL_DAY.match(s):
        day = local_now.date() - timedelta(days=_REL_OFFSET[m["w"]])
        at, prec = _local(day.year, day.month, day.day, m["H"], m["M"], tz=tz)
        return ParsedTime(at, prec)
    if m := _FULL.search(s):
        try:
            at, prec = _local(m["y"], m["m"], m["d"], m["H"], m["M"], m["S"], tz=tz)
        except ValueError:
            return None
        return ParsedTime(at, prec)
    if m := _MONTH_DAY.match(s):
        year = local_now.year
        try:
            at, prec = _local(year, m["m"], m["d"], m["H"], m["M"], tz=tz)
            if at > now + timedelta(days=1):  # "12月30日" read in January: last year
                at, prec = _local(year - 1, m["m"], m["d"], m["H"], m["M"], tz=tz)
        except ValueError:
            return None
        return ParsedTime(at, prec)
    return None
