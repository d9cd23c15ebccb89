"""Silence means "nothing new", not "the crawler broke": sources are ok, quiet or broken, and the
duty officer hears once when one becomes broken or quiet, and once when it recovers."""
from __future__ import annotations

import json

from conftest import rss, write_config

import pytest

pytestmark = pytest.mark.backends


def test_broken_quiet_and_recovered_sources_are_each_told_once(web, smtp, tmp_path, run):
    url = web.set("/f.xml", rss([("青禾县审计局发布审计公告", "http://a.example.cn/1", "", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: news, kind: rss, url: "{url}", interval: 1h}}\n', smtp.port)

    def at(day, hh="09"):
        return f"2026-03-{day}T{hh}:00+08:00"

    run("--now", at(16), "collect", config=config)
    assert json.loads(run("--now", at(16), "sources", "--json", config=config).output)[0]["state"] == "ok"
    run("--now", at(16), "tick", config=config)
    assert smtp.take() == []

    web.set("/f.xml", "<html><body>请输入验证码</body></html>", "text/html")
    run("--now", at(16, "10"), "collect", config=config)
    assert json.loads(run("--now", at(16, "10"), "sources", "--json", config=config).output)[0]["state"] == "broken"
    for hh in ("10", "11"):
        run("--now", at(16, hh), "tick", config=config)
    told = smtp.take()
    assert [m.subject for m in told] == ["【监测盲区】来源「news」无法采集"] and "验证码" in told[0].body

    web.set("/f.xml", rss([("青禾县审计局发布审计公告", "http://a.example.cn/1", "", "青禾县审计局")]))
    run("--now", at(16, "12"), "collect", config=config)
    run("--now", at(16, "12"), "tick", config=config)
    assert [m.subject for m in smtp.take()] == ["【已恢复】来源「news」恢复正常"]

    # working, but nothing new for more than max(24 h, 12 × 1 h): quiet, told once
    run("--now", at(17, "13"), "collect", config=config)
    assert json.loads(run("--now", at(17, "13"), "sources", "--json", config=config).output)[0]["state"] == "quiet"
    for hh in ("13", "14"):
        run("--now", at(17, hh), "tick", config=config)
    assert [m.subject for m in smtp.take()] == ["【来源沉寂】来源「news」长时间没有新内容"]
    assert json.loads(run("--now", at(17, "14"), "alerts", "--json", config=config).output)["quiet_sources"] == ["news"]


def test_a_source_that_lists_new_items_none_of_them_about_us_is_not_quiet(web, smtp, tmp_path, run):
    """A county bureau has no relevant news most days: a working news feed whose items change is not a
    blind spot. Quiet means the source listed nothing new at all."""
    config = write_config(tmp_path, f'  - {{id: news, kind: rss, url: "{web.base_url}/f.xml", interval: 1h}}\n',
                          smtp.port)
    for day in range(16, 20):
        web.set("/f.xml", rss([(f"外省新闻 {day} 日：天气晴好", f"http://a.example.cn/{day}", "", "无关")]))
        run("--now", f"2026-03-{day}T09:00+08:00", "collect", config=config)
        run("--now", f"2026-03-{day}T09:00+08:00", "tick", config=config)
        state = json.loads(run("--now", f"2026-03-{day}T09:00+08:00", "sources", "--json", config=config).output)
        assert state[0]["state"] == "ok", day
    assert smtp.take() == []


def test_sources_that_break_in_the_same_tick_are_told_in_one_message(web, smtp, tmp_path, run):
    sources = "".join(f'  - {{id: s{i}, name: 来源{i}, kind: rss, url: "{web.base_url}/f{i}.xml", interval: 1h}}\n'
                      for i in range(3))
    config = write_config(tmp_path, sources, smtp.port)
    for i in range(3):
        web.set(f"/f{i}.xml", rss([("青禾县审计局发布审计公告", f"http://a.example.cn/{i}", "", "青禾县审计局")]))
    run("--now", "2026-03-16T09:00+08:00", "collect", config=config)
    for i in range(3):
        web.set(f"/f{i}.xml", "<html><body>请输入验证码</body></html>", "text/html")
    run("--now", "2026-03-16T10:00+08:00", "collect", config=config)
    run("--now", "2026-03-16T10:00+08:00", "tick", config=config)
    run("--now", "2026-03-16T10:01+08:00", "tick", config=config)
    (m,) = smtp.take()
    assert m.subject == "【来源状态】3 个来源状态变化：3 个无法采集"
    assert all(f"来源「来源{i}」" in m.body for i in range(3)) and "s0" not in m.body


def test_a_source_is_broken_after_three_failures_in_a_row_or_at_once_behind_a_login_page():
    from monitor.judge.health import SourceState, after_failure
    assert [after_failure(n, False) for n in (1, 2, 3, 4)] == [SourceState.FAILING, SourceState.FAILING,
                                                               SourceState.BROKEN, SourceState.BROKEN]
    assert after_failure(1, True) == SourceState.BROKEN


def test_a_source_expected_to_change_every_three_days_is_not_quiet_after_two(web, smtp, tmp_path, run):
    url = web.set("/f.xml", rss([("青禾县审计局发布审计公告", "http://a.example.cn/1", "", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: news, kind: rss, url: "{url}", interval: 1h, expect_new: 3d}}\n',
                          smtp.port)
    run("--now", "2026-03-16T09:00+08:00", "collect", config=config)
    for now, expected in (("2026-03-18T09:00+08:00", "ok"), ("2026-03-19T10:00+08:00", "quiet")):
        run("--now", now, "collect", config=config)
        row = json.loads(run("--now", now, "sources", "--json", config=config).output)[0]
        assert (row["state"], row["expectation"], row["quiet_after_s"]) == (expected, "configured", 3 * 86400)


def test_a_low_volume_site_is_judged_by_its_own_rhythm_once_learnt(web, smtp, tmp_path, run):
    """A county site that posts every other day: after five gaps of two days, a silence of two and a half
    days is its rhythm (not 沉寂), four days is not; before anything is learnt the 24 h default holds."""
    url = web.set("/f.xml", rss([("青禾县审计局工作动态 0", "http://a.example.cn/0", "", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: site, kind: rss, url: "{url}", interval: 1h}}\n', smtp.port)

    def state(now):
        run("--now", now, "collect", config=config)
        return json.loads(run("--now", now, "sources", "--json", config=config).output)[0]

    assert state("2026-03-01T09:00+08:00")["expectation"] == "default"
    assert state("2026-03-02T10:00+08:00")["state"] == "quiet"          # nothing learnt: 24 h
    for n, day in enumerate(("03", "05", "07", "09", "11"), start=1):
        web.set("/f.xml", rss([(f"青禾县审计局工作动态 {n}", f"http://a.example.cn/{n}", "", "青禾县审计局")]))
        state(f"2026-03-{day}T09:00+08:00")
    row = state("2026-03-13T21:00+08:00")
    assert (row["state"], row["expectation"]) == ("ok", "learnt")
    assert row["quiet_after_s"] == 3 * 86400                            # 1.5 × the 2-day gap
    assert state("2026-03-15T09:00+08:00")["state"] == "quiet"


def test_the_learnt_gap_is_the_90th_percentile_of_the_last_30_days_and_never_below_the_default():
    from datetime import datetime, timedelta, timezone

    from monitor.judge.health import Expectation, learnt_gap, quiet_after

    now = datetime(2026, 3, 31, tzinfo=timezone.utc)
    hours = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 190]        # ten gaps: nine of 10 h, one of 100 h
    times = [now - timedelta(days=20) + timedelta(hours=h) for h in hours]
    assert learnt_gap(times, now) == timedelta(hours=10)
    assert learnt_gap(times + [now - timedelta(hours=1)], now) == timedelta(hours=100)   # 11 gaps: the 10th
    assert learnt_gap(times[:5], now) is None                              # four gaps: not enough
    assert learnt_gap([t - timedelta(days=40) for t in times], now) is None  # older than 30 days
    assert quiet_after(3600, None, times, now) == (timedelta(hours=24), Expectation.DEFAULT)   # 15 h < 24 h
    slow = [now - timedelta(days=29) + timedelta(days=2 * i) for i in range(8)]
    assert quiet_after(3600, None, slow, now) == (timedelta(days=3), Expectation.LEARNT)
    assert quiet_after(3600, 7 * 86400, slow, now) == (timedelta(days=7), Expectation.CONFIGURED)


def test_health_names_a_notice_that_keeps_failing_with_its_last_error(tmp_path, db_target):
    from datetime import datetime, timedelta, timezone

    from conftest import write_config
    from monitor.config.load import load_config
    from monitor.ops.health import Problem, check
    from monitor.store import outbox
    from monitor.store.db import open_db
    config = load_config(write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n"))
    db = open_db(db_target)
    now = datetime(2026, 3, 16, 2, 0, tzinfo=timezone.utc)
    outbox.queue(db, {"key": "k1", "stage": "breach", "role": "duty", "recipients": '["duty@agency.example.cn"]',
                      "subject": "【舆情超时】", "body": "-", "fire_at": (now - timedelta(hours=1)).isoformat(),
                      "status": "pending"})
    [n] = outbox.undelivered(db)
    outbox.failed(db, n.id, 3, "邮件服务器拒绝连接", now + timedelta(minutes=5))
    found = dict(check(db, config, now).problems)
    assert found[Problem.NOTICE_FAILING] == "1 条通知发送失败, 最近的错误: 邮件服务器拒绝连接"
