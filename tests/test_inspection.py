"""国办秘函〔2019〕19号's checks that fail a unit on their own: own channels not updated for two weeks,
messages not answered for three months. The decisions first, table-driven; then the notices."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from monitor.clocks.inspection import Check, InspectionPolicy, Severity, add_months, findings

pytestmark = pytest.mark.backends

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 2, 0, tzinfo=timezone.utc)      # 10:00 in Beijing
POLICY = InspectionPolicy()


@pytest.mark.parametrize("days_quiet, expected", [
    (9, None),                          # more than 4 days left: nothing to say yet
    (10, Severity.AT_RISK),             # 4 days left
    (13.9, Severity.AT_RISK),
    (14, Severity.FAILED),              # two weeks without an update
    (40, Severity.FAILED),
])
def test_an_own_channel_is_at_risk_four_days_before_two_weeks_without_an_update_and_fails_at_two(days_quiet, expected):
    found = findings(POLICY, {"site": NOW - timedelta(days=days_quiet)}, {}, NOW, TZ)
    assert [f.severity for f in found] == ([expected] if expected else [])
    if found:
        assert found[0].check == Check.CHANNEL_STALE and found[0].limit_at == NOW - timedelta(days=days_quiet - 14)


@pytest.mark.parametrize("received_local, expected", [
    ("2026-03-20T10:00", None),               # 3 months on is 06-20: more than 4 days left
    ("2026-03-19T10:00", Severity.AT_RISK),   # 06-19: 4 days left
    ("2026-03-15T10:00", Severity.FAILED),    # 06-15 10:00: exactly three months
    ("2026-03-15T10:01", Severity.AT_RISK),
])
def test_a_message_fails_when_unanswered_for_three_calendar_months(received_local, expected):
    received = datetime.fromisoformat(received_local).replace(tzinfo=TZ).astimezone(timezone.utc)
    found = findings(POLICY, {}, {7: received}, NOW, TZ)
    assert [f.severity for f in found] == ([expected] if expected else [])


def test_three_months_after_the_last_days_of_a_month_is_the_last_day_of_the_shorter_month():
    at = datetime(2026, 11, 30, 12, 0, tzinfo=TZ)
    assert add_months(at, 3, TZ) == datetime(2027, 2, 28, 12, 0, tzinfo=TZ)
    assert add_months(datetime(2026, 5, 31, 9, 0, tzinfo=TZ), 1, TZ) == datetime(2026, 6, 30, 9, 0, tzinfo=TZ)


def test_each_episode_and_severity_has_its_own_key_and_a_disabled_policy_finds_nothing():
    a = findings(POLICY, {"site": NOW - timedelta(days=20)}, {}, NOW, TZ)[0]
    b = findings(POLICY, {"site": NOW - timedelta(days=11)}, {}, NOW, TZ)[0]     # it updated, then went quiet again
    assert a.key != b.key and a.key.startswith("insp:channel_stale:site:")
    assert findings(InspectionPolicy(enabled=False), {"site": NOW - timedelta(days=20)}, {1: NOW - timedelta(days=200)},
                    NOW, TZ) == []


def test_an_own_site_gone_quiet_and_an_old_message_warn_the_duty_officer_then_fail_to_the_leaders_once(
        web, smtp, tmp_path, run):
    from conftest import rss, write_config
    url = web.set("/own.xml", rss([("青禾县审计局关于开展审计整改的通知", "http://www.qinghe.gov.cn/1",
                                    "Mon, 01 Jun 2026 09:00:00 +0800", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: site, name: 青禾县审计局网站, kind: rss, url: "{url}", own: true, '
                                    f'interval: 1h}}\n', smtp.port)
    run("--now", "2026-06-10T08:00+08:00", "collect", config=config)
    run("--now", "2026-06-10T08:00+08:00", "intake", "--kind", "message", "--title", "咨询审计整改结果何时公开",
        "--received", "2026-03-20T10:00+08:00", config=config)

    def told(at):
        run("--now", at, "tick", config=config)
        return sorted((m.to[0].split("@")[0], m.subject) for m in smtp.take() if m.subject.startswith("【单项否决"))

    assert told("2026-06-10T08:00+08:00") == []                 # 9 days quiet; the message 82 days old
    assert told("2026-06-11T09:00+08:00") == [
        ("duty", "【单项否决预警】本单位「青禾县审计局网站」已 10天 未更新")]
    assert told("2026-06-16T09:00+08:00") == sorted(
        (who, "【单项否决】本单位「青禾县审计局网站」已 15天 未更新") for who in ("deputy", "duty", "head"))
    assert told("2026-06-16T10:00+08:00") == [                  # 4 days before 3 months
        ("duty", "【单项否决预警】网民留言「咨询审计整改结果何时公开」将满 3 个月未答复")]
    assert told("2026-06-16T11:00+08:00") == []                 # each told once
    assert told("2026-06-20T11:00+08:00") == sorted(
        (who, "【单项否决】网民留言「咨询审计整改结果何时公开」超过 3 个月未答复") for who in ("deputy", "duty", "head"))

    web.set("/own.xml", rss([("青禾县审计局2026年第二季度审计整改情况", "http://www.qinghe.gov.cn/2",
                              "Sun, 21 Jun 2026 09:00:00 +0800", "青禾县审计局")]))
    run("--now", "2026-06-21T10:00+08:00", "collect", config=config)
    run("--now", "2026-06-21T10:00+08:00", "respond", "1", "--kind", "reply", "--url", "http://www.qinghe.gov.cn/r/1",
        "--by", "李娜", config=config)
    assert told("2026-06-22T10:00+08:00") == []                 # updated, answered: nothing at risk
