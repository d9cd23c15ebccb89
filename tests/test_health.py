"""Silence means "nothing new", not "the crawler broke": sources are ok, quiet or broken, and the
duty officer hears once when one becomes broken or quiet, and once when it recovers."""
from __future__ import annotations

import json

from conftest import rss, write_config


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
