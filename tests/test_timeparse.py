"""Publication times as Chinese sites print them, in the source's timezone, with their precision."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from monitor.clock import Precision
from monitor.judge.timeparse import parse_published

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 16, 6, 0, tzinfo=timezone.utc)   # 14:00 Beijing time


def utc(*a):
    return datetime(*a, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, at, precision", [
    ("Mon, 16 Mar 2026 07:50:00 +0800", utc(2026, 3, 15, 23, 50), Precision.SECOND),
    ("2026-03-16T05:50:00Z", utc(2026, 3, 16, 5, 50), Precision.SECOND),
    ("2018-09-18 14:38:10", utc(2018, 9, 18, 6, 38, 10), Precision.SECOND),
    ("2024年3月5日 14:30", utc(2024, 3, 5, 6, 30), Precision.MINUTE),
    ("2026-03-15", utc(2026, 3, 15, 4, 0), Precision.DAY),
    ("3月5日", utc(2026, 3, 5, 4, 0), Precision.DAY),
    ("5分钟前", utc(2026, 3, 16, 5, 55), Precision.MINUTE),
    ("昨天 14:30", utc(2026, 3, 15, 6, 30), Precision.MINUTE),
])
def test_formats_chinese_sites_print(text, at, precision):
    p = parse_published(text, NOW, TZ)
    assert (p.at, p.precision) == (at, precision)


def test_future_time_is_clamped_and_flagged():
    p = parse_published("2026-03-17 09:00", NOW, TZ)
    assert p.at == NOW and p.clamped


def test_unreadable_time_is_none():
    assert parse_published("发布于很久以前", NOW, TZ) is None
