"""One way to say a span of time, and every Chinese name from one table."""
from __future__ import annotations

import pytest

from monitor.clocks.rules import DEFAULT_POLICIES, ClockKind, ClockState, IssueKind, Role
from monitor.judge.health import SourceState
from monitor.labels import (ACTION_NAMES, CLOCK_KIND_NAMES, CLOCK_STATE_NAMES, ISSUE_KIND_NAMES, ROLE_NAMES,
                            SOURCE_STATE_NAMES, duration)
from monitor.store.audit import Action


@pytest.mark.parametrize("seconds, said", [
    (0, "0分钟"), (59, "0分钟"), (45 * 60, "45分钟"), (2 * 3600, "2小时"), (2 * 3600 + 600, "2小时10分钟"),
    (-(5 * 3600 + 600), "5小时10分钟"), (47 * 3600 + 59 * 60, "47小时59分钟"), (48 * 3600, "2天"),
    (3 * 86400 + 4 * 3600 + 30 * 60, "3天4小时"),
])
def test_a_duration_is_said_one_way_everywhere(seconds, said):
    assert duration(seconds) == said


def test_every_enum_value_has_its_chinese_name():
    from monitor.judge.candidate import Drop
    from monitor.judge.warning import WarnReason
    from monitor.labels import DROP_NAMES, WARN_REASON_NAMES
    for enum, names in ((ClockKind, CLOCK_KIND_NAMES), (ClockState, CLOCK_STATE_NAMES), (IssueKind, ISSUE_KIND_NAMES),
                        (Role, ROLE_NAMES), (SourceState, SOURCE_STATE_NAMES), (Action, ACTION_NAMES),
                        (WarnReason, WARN_REASON_NAMES)):
        assert {m.value for m in enum} == set(names), enum.__name__
    assert {k: r.label for k, r in DEFAULT_POLICIES.items()} == CLOCK_KIND_NAMES
    assert {m.value for m in Drop} | {"edited"} == set(DROP_NAMES)


def test_collect_and_declare_speak_chinese_only(web, tmp_path, run):
    import re
    from conftest import rss, write_config
    url = web.set("/f.xml", rss([("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "", "青禾县审计局"),
                                 ("县城新开一家羊杂汤馆", "http://a.example.cn/2", "", "早餐")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n')
    out = run("--now", "2026-03-16T08:00+08:00", "collect", config=config).output
    out += run("--now", "2026-03-16T08:05+08:00", "declare", "1", "--level", "II", "--by", "李娜", config=config).output
    assert "无关 1" in out and "首次发现时" in out, out
    assert not re.search(r"not_relevant|first_seen|release|None|[a-z]+_[a-z]+=", out), out


def test_the_cli_and_the_emails_say_the_remaining_time_the_same_way(declared, smtp, run):
    run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    (mail,) = smtp.take()
    assert "发布权威信息还剩2小时：" in mail.subject
    listed = run("--now", "2026-03-16T11:00+08:00", "issues", config=declared).output
    assert "发布权威信息: 还剩2小时 (截止 2026-03-16 13:00)" in listed
