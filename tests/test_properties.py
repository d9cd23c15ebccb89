"""Properties that hold for any input (hypothesis): publication times, feeds and list pages, and
working-day arithmetic. Each example is generated; a failure is shrunk to the smallest that breaks."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.clocks.workdays import WorkdayCalendar, add_working_days, office_time
from monitor.collect.parse import TITLE_MAX, parse_feed, parse_html_list
from monitor.config.schema import Selectors
from monitor.errors import FetchError
from monitor.judge.timeparse import parse_published

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 16, 4, 0, tzinfo=dt.timezone.utc)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# time-like text: digits, separators and the words Chinese sites print, in any order
TIME_PIECES = st.sampled_from(["2026", "1", "0001", "24", "99", "999999999", "-", "/", ".", ":", "：", " ", "T",
                               "年", "月", "日", "时", "分", "秒", "前", "天", "小时", "分钟", "昨天", "今天", "前天",
                               "GMT", "+08:00", "Z", "Mon,", "Feb", "31", "60", "12"])


@SETTINGS
@given(st.one_of(st.text(max_size=40), st.lists(TIME_PIECES, max_size=12).map("".join)))
def test_any_publication_text_parses_to_nothing_or_a_time_not_in_the_future(text):
    for force in (False, True):
        parsed = parse_published(text, NOW, TZ, force_tz=force)
        if parsed is not None:
            assert parsed.at.tzinfo is not None
            assert parsed.at <= NOW + dt.timedelta(minutes=5)


@SETTINGS
@given(st.binary(max_size=3000))
def test_any_bytes_are_a_feed_or_a_fetch_error_never_a_crash(body):
    try:
        items = parse_feed(body, "application/xml")
    except FetchError:
        return
    assert all(len(i.title) <= TITLE_MAX for i in items)


TITLES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=600)


@SETTINGS
@given(st.lists(TITLES, min_size=1, max_size=5))
def test_any_titles_in_a_well_formed_feed_come_back_as_items_capped(titles):
    from xml.sax.saxutils import escape
    body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            + "".join(f"<item><title>{escape(t)}</title><link>http://a.example.cn/{n}</link></item>"
                      for n, t in enumerate(titles))
            + "</channel></rss>").encode("utf-8")
    try:
        items = parse_feed(body)
    except FetchError:
        return                                  # e.g. a title of characters XML 1.0 does not allow
    assert len(items) == len(titles)
    for item, n in zip(items, range(len(titles))):
        assert len(item.title) <= TITLE_MAX and item.link == f"http://a.example.cn/{n}"


@SETTINGS
@given(st.text(max_size=2000))
def test_any_list_page_is_items_or_a_fetch_error(html):
    try:
        parse_html_list(html.encode("utf-8"), Selectors(item="li", title="a", link="a@href"), "http://a.example.cn/")
    except FetchError:
        pass


DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 12, 31))
CAL = WorkdayCalendar()


@SETTINGS
@given(DAYS, st.integers(min_value=0, max_value=23), st.integers(min_value=1, max_value=40))
def test_n_working_days_never_end_before_the_start_nor_on_a_holiday(day, hour, n):
    start = dt.datetime.combine(day, dt.time(hour), TZ)
    due = add_working_days(start, n, TZ, CAL)
    local = due.due_at.astimezone(TZ)
    assert due.due_at > start
    assert CAL.is_workday(local.date())[0]
    if local.year <= 2026:                      # the years the official calendar covers
        assert not chinese_calendar.is_holiday(local.date()) or chinese_calendar.is_workday(local.date())
    counted = sum(CAL.is_workday(day + dt.timedelta(days=i))[0] for i in range(1, (local.date() - day).days + 1))
    assert counted == n                         # exactly n working days after the day it came in


@SETTINGS
@given(DAYS, st.integers(min_value=0, max_value=23))
def test_a_reminder_time_is_office_hours_on_a_working_day_at_or_before(day, hour):
    at = dt.datetime.combine(day, dt.time(hour), TZ)
    when = office_time(at, TZ, CAL).astimezone(TZ)
    assert when <= at and CAL.is_workday(when.date())[0] and when.time() == dt.time(9)


def _simhash_as_specified(text: str):
    """SimHash as `posts.simhash` stores it: per character 3-gram of the kept characters a blake2b-64,
    each bit position set when more than half of the grams have it set."""
    import hashlib
    import re
    s = "".join(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]+", text))
    if len(s) < 12:
        return None
    hashes = [int.from_bytes(hashlib.blake2b(s[i:i + 3].encode("utf-8"), digest_size=8).digest(), "big")
              for i in range(len(s) - 2)]
    return sum(1 << bit for bit in range(64) if sum(h >> bit & 1 for h in hashes) * 2 > len(hashes))


@SETTINGS
@given(st.text(alphabet=st.sampled_from("审计局县宴请整改群众ab12，。 "), max_size=900))
def test_the_fast_simhash_gives_the_stored_fingerprints_bit_for_bit(text):
    # fingerprints are stored: a faster computation must not move any of them
    from monitor.judge.simhash import simhash
    assert simhash(text) == _simhash_as_specified(text)


def test_a_text_longer_than_the_counters_hold_still_gets_the_specified_fingerprint():
    from monitor.judge.simhash import simhash
    text = "".join(chr(0x4e00 + (i * 7919) % 20000) for i in range(70_000))
    assert simhash(text) == _simhash_as_specified(text)


def test_fingerprints_stay_the_same_when_the_gram_cache_empties_itself(monkeypatch):
    from monitor.judge import simhash as module
    monkeypatch.setattr(module, "_SPREAD_MAX", 40)
    texts = ["青禾县审计局审计组被指在东坪镇开展审计期间接受宴请", "县审计局召开全县审计工作会议部署今年重点审计项目"] * 3
    assert [module.simhash(t) for t in texts] == [_simhash_as_specified(t) for t in texts]
    assert len(module._SPREAD) <= 40
