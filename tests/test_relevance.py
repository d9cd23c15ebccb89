"""Relevance rules: 主体词, 地域词+事件词, named AND/OR/NOT rules with regular expressions,
a global exclude list, and per-rule daily caps."""
from __future__ import annotations

import json

import pytest

from conftest import rss, write_config
from monitor.config.schema import Keywords, Rule
from monitor.judge.candidate import Drop
from monitor.judge.stages.relevance import match

K = Keywords(subject=("平罗县审计局", "re:平罗.{0,2}审计局"), region=("平罗", "石嘴山"), event=("审计", "通报"),
             exclude=("招聘", "re:广告|推广"))
RULES = (Rule("审计整改", all=("审计", "整改"), any=("宁夏", "石嘴山"), none=("演练",)),
         Rule("问责通报", all=("re:问责.{0,6}(通报|决定)",)))


@pytest.mark.parametrize("text, expected", [
    ("平罗县审计局发布2025年审计工作报告", "主体词:平罗县审计局"),
    ("平罗审计局工作人员被举报", "主体词:re:平罗.{0,2}审计局"),
    ("平罗县发布审计结果公告", "地域词+事件词:平罗+审计"),
    ("平罗县审计局招聘公告", Drop.EXCLUDED),                       # exclude wins over everything
    ("平罗县审计局合作推广", Drop.EXCLUDED),
    ("宁夏某地审计发现问题 限期整改", "规则:审计整改"),                # AND + OR
    ("宁夏审计整改应急演练", Drop.NOT_RELEVANT),                    # NOT
    ("某地审计发现问题 限期整改", Drop.NOT_RELEVANT),                 # AND without the OR
    ("关于对三名干部的问责情况通报", "规则:问责通报"),                 # regex
    ("平罗县今日天气晴", Drop.NOT_RELEVANT),
])
def test_rules_match_in_order_with_exclude_first(text, expected):
    matched, why, _ = match(K, text, RULES)
    assert (matched if matched else why) == expected


def test_a_rule_cap_keeps_at_most_that_many_posts_a_day(web, tmp_path, run):
    items = [(f"某地审计整改第{i}批问题清单公布", f"http://a.example.cn/{i}", "", f"审计整改 第{i}批 清单")
             for i in range(5)]
    url = web.set("/f.xml", rss(items))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n')
    text = config.read_text(encoding="utf-8").replace("timezone:", "  rules:\n    - {name: 审计整改, all: [审计整改], cap: 3}\ntimezone:")
    config.write_text(text, encoding="utf-8")
    r = run("--now", "2026-03-16T09:00+08:00", "collect", config=config)
    assert "超出规则日上限 2" in r.output, r.output
    shown = json.loads(run("--now", "2026-03-16T09:00+08:00", "issues", "--json", config=config).output)
    assert sum(i["post_count"] for i in shown) == 3
    web.set("/f.xml", rss([("某地审计整改第9批问题清单公布", "http://a.example.cn/9", "", "审计整改 第9批")]))
    run("--now", "2026-03-17T09:00+08:00", "collect", config=config)       # a new day, a new allowance
    shown = json.loads(run("--now", "2026-03-17T09:00+08:00", "issues", "--json", config=config).output)
    assert sum(i["post_count"] for i in shown) == 4


def test_bad_rules_are_reported_with_their_lines(tmp_path, run):
    path = tmp_path / "s.yaml"
    path.write_text("""agency:
  name: 平罗县审计局
  keywords: {subject: [平罗县审计局, "re:平罗(审计"]}
  rules:
    - {name: 空规则, none: [演练]}
    - {name: 上限, all: [审计], cap: 0}
sources:
  - {id: a, kind: rss, url: "https://a.example.cn/rss"}
people: {duty: [a@b.cn]}
""", encoding="utf-8")
    r = run("check", config=path)
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2 and len(lines) == 3
    assert lines[0].startswith(f"{path}:3: agency.keywords.subject[1]: 正则表达式有误")
    assert lines[1].startswith(f"{path}:5: agency.rules[0]: 规则需要 all 或 any")
    assert lines[2].startswith(f"{path}:6: agency.rules[1].cap: 应为正整数")


def test_a_catastrophic_pattern_cannot_hang_a_pass_and_backreferences_are_refused_by_check(tmp_path, run):
    import threading
    k = Keywords(subject=("re:(a+)+$",))
    title = "a" * 60 + "!"            # Python's backtracking engine would need longer than the universe
    result = []
    worker = threading.Thread(target=lambda: result.append(match(k, title)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert result and result[0][1] == Drop.NOT_RELEVANT
    path = tmp_path / "s.yaml"
    path.write_text("""agency:
  name: 平罗县审计局
  keywords: {subject: [平罗县审计局, "re:(审计)\\\\1"]}
sources:
  - {id: a, kind: rss, url: "https://a.example.cn/rss"}
""", encoding="utf-8")
    r = run("check", config=path)
    assert r.exit_code == 2 and "RE2" in r.stderr and r.stderr.count("\n") == 1, r.stderr
