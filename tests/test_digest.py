"""值班交接: at 08:30 and 17:30 the duty officer gets one digest of what changed and what is due;
nothing twice, and slots missed while down give one digest."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from conftest import rss, write_config
from monitor.clocks.digest import due_slot

import pytest

pytestmark = pytest.mark.backends

TZ = ZoneInfo("Asia/Shanghai")
TIMES = (dt.time(8, 30), dt.time(17, 30))


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_the_latest_slot_at_or_before_now_is_due_once():
    from monitor.clocks.digest import before_first_run
    assert due_slot(TIMES, None, local("2026-03-16T08:29"), TZ) == local("2026-03-15T17:30")
    assert due_slot(TIMES, None, local("2026-03-16T08:30"), TZ) == local("2026-03-16T08:30")
    # a new installation started at 08:00: yesterday evening's slot is its starting point, not a digest
    assert before_first_run(local("2026-03-15T17:30"), None, local("2026-03-16T08:00"))
    assert not before_first_run(local("2026-03-16T08:30"), None, local("2026-03-16T08:31"))
    assert not before_first_run(local("2026-03-15T17:30"), local("2026-03-15T08:30"), local("2026-03-16T08:00"))
    assert due_slot(TIMES, local("2026-03-16T08:30"), local("2026-03-16T12:00"), TZ) is None
    assert due_slot(TIMES, local("2026-03-16T08:30"), local("2026-03-16T17:30"), TZ) == local("2026-03-16T17:30")
    # down from before 17:30 on the 16th until 09:00 on the 17th: one digest, the 08:30 one
    assert due_slot(TIMES, local("2026-03-16T08:30"), local("2026-03-17T09:00"), TZ) == local("2026-03-17T08:30")
    assert due_slot((), None, local("2026-03-17T09:00"), TZ) is None


def test_the_digest_on_a_scripted_day_lists_what_is_due_overdue_new_and_sent(web, smtp, tmp_path, run):
    url = web.set("/f.xml", rss([
        ("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "", "青禾县审计局审计组被举报"),
        ("青禾县审计局开展审计进社区宣讲活动", "http://a.example.cn/2", "", "青禾县审计局在社区宣讲"),
    ]))
    config = write_config(tmp_path, f'  - {{id: a, name: 青禾论坛, kind: rss, url: "{url}"}}\n', smtp.port,
                          extra="console_url: https://yq.example.gov.cn\n")
    config.write_text(config.read_text(encoding="utf-8").replace("digest: {at: []}", "digest: {to: [duty, head]}"),
                      encoding="utf-8")
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    run("--now", "2026-03-16T08:05+08:00", "declare", "1", "--level", "II", "--by", "李娜", config=config)
    run("--now", "2026-03-16T08:10+08:00", "intake", "--kind", "message", "--title", "网民留言: 审计整改何时公开",
        "--received", "2026-03-16T08:10", config=config)
    for at in ("2026-03-16T08:20", "2026-03-16T11:00", "2026-03-16T14:00", "2026-03-16T17:30",
               "2026-03-16T17:31", "2026-03-16T17:45"):
        run("--now", f"{at}+08:00", "tick", config=config)
    mails = smtp.take()
    digests = [m for m in mails if m.subject.startswith("【值班交接】")]
    # 08:20, the first tick of a new installation: not the 15 March 17:30 slot (it passed before the system
    # ran; sending it would give two digests in half an hour); 11:00: the 08:30 one; 17:30: the evening one;
    # 14:00, 17:31 and 17:45: nothing more
    slots = sorted((m.subject.split("：")[0][len("【值班交接】"):], m.to[0]) for m in digests)
    assert slots == [(slot, to) for slot in ("2026-03-16 08:30", "2026-03-16 17:30")
                     for to in ("duty@agency.example.cn", "head@agency.example.cn")]
    evening = next(m for m in digests if "03-16 17:30" in m.subject and m.to[0] == "duty@agency.example.cn")
    body = evening.body
    assert "【已超时】" in body and "发布权威信息" in body                 # release was due 13:05
    assert "【24 小时内到期】" in body and "举行新闻发布会" in body          # due 08:00 tomorrow
    assert "答复网民留言" not in body                                      # 5 working days away
    assert "已发送" in body and "没有发送失败的通知" in body
    assert "https://yq.example.gov.cn/issues/1" in body and "monitor " not in body
    assert evening.html and "值班交接" in evening.html
    morning = next(m for m in digests if "03-16 08:30" in m.subject and m.to[0] == "duty@agency.example.cn")
    assert "【新增或升温的舆情】" in morning.body and "审计组被举报接受宴请" in morning.body
    # the day's first digest opens with yesterday's 舆情日报 and the link to it with its charts; the
    # evening one does not repeat it
    first = next(m for m in digests if "03-16 08:30" in m.subject and m.to[0] == "duty@agency.example.cn")
    assert "【青禾县审计局舆情日报（2026年03月15日）】" not in first.body       # the agency name is not in the title
    assert "【舆情日报（2026年03月15日）】" in first.body and "本期共监测到相关信息 0 条" in first.body
    assert "https://yq.example.gov.cn/reports/daily.html?date=2026-03-15" in first.body
    assert "舆情日报" not in evening.body
