"""`monitor demo`: the scripted crisis runs end to end by itself and leaves its database."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import rss, write_config


def monitor(*args, cwd):
    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_drill_prints_the_timeline_and_leaves_a_database_monitor_issues_can_read(tmp_path):
    r = monitor("--db", "drill.db", "demo", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for fragment in ["发现新舆情 #2", "确认舆情 #2 为 II 级", "邮件 → 值班员", "【舆情时限提醒】发布权威信息还剩2小时",
                     "邮件 → 主要负责人", "【舆情超时】发布权威信息已超过时限", "【请确认】检测到本单位已发布回应", "「发布权威信息」时限停止 (超时",
                     "「举行新闻发布会」时限停止 (按时)", "(其中转载 1 条)"]:
        assert fragment in out, fragment
    # 早发现: the complaint is pushed to the duty officer at 08:10, long before anyone declares a level
    assert "[03-16 08:10] 邮件 → 值班员 zhiban@qinghe.example.gov.cn: 【预警】新增负面舆情：举报！" in out
    assert out.index("【预警】建议定级 I/II 级，尚未确认") < out.index("确认舆情 #2 为 II 级")
    issues = json.loads(monitor("--db", "drill.db", "--now", "2026-03-17T09:00+08:00", "issues", "--json",
                                cwd=tmp_path).stdout)
    crisis = next(i for i in issues if i["id"] == 2)
    assert crisis["level"] == "II" and crisis["repost_count"] == 1
    assert {d["kind"]: d["status"] for d in crisis["deadlines"]} == {"release": "met_late", "press_conference": "met",
                                                                      "update": "pending"}
    shown = json.loads(monitor("--db", "drill.db", "show", "2", "--json", cwd=tmp_path).stdout)
    sent = [n["stage"] for n in shown["notifications"] if n["status"] == "sent"]
    # the 16:20 own post (press conference) is also proposed as the first 24 h update, awaiting confirmation
    assert sorted(sent) == ["breach", "breach", "detected", "detected", "overdue", "overdue",
                            "remind", "remind", "remind", "warning", "warning", "warning"]
    stats = json.loads(monitor("--db", "drill.db", "--now", "2026-03-31T00:00+08:00", "stats", "--from", "2026-03-01",
                               "--to", "2026-03-31", "--json", cwd=tmp_path).stdout)
    kinds = {k["kind"]: k for k in stats["kinds"]}
    assert stats["issues_by_level"]["II"] == 1
    assert (kinds["release"]["late"], kinds["release"]["median_hours_to_answer"]) == (1, 6.0)
    assert kinds["press_conference"]["on_time"] == 1


def test_drill_refuses_to_overwrite_a_database_with_real_sources(web, tmp_path, run):
    url = web.set("/f.xml", rss([]))
    run("collect", config=write_config(tmp_path, f'  - {{id: real, kind: rss, url: "{url}"}}\n'))
    r = monitor("--db", "monitor.db", "demo", cwd=tmp_path)
    assert r.returncode == 2 and "演练不会覆盖它" in r.stderr
