"""Run the drill: every simulated 10 minutes collect all sources, act as the duty officer, tick."""
from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import click

from ..clock import SimClock, local_str, parse_cli_time
from ..collect.pipeline import Collector
from ..config.load import load_config
from ..desk import actions
from ..views.read import show_issue
from ..errors import InvalidInput
from ..labels import CLOCK_STATE_NAMES, LEVEL_NAMES, role_name
from ..notify.channels import EmailChannel
from ..notify.render import Renderer
from ..notify.tick import tick
from ..store import issues, posts
from ..store.sources import ids_in_file
from ..store.db import open_db
from . import scenario as sc
from .server import TZ, DrillServer
from .sink import SmtpSink

DEFAULT_START = "2026-03-16T08:00:00+08:00"
DRILL_SOURCES = {"qinghe-forum", "weibo-keyword", "qinghe-news", "own-site"}

CONFIG = """\
# written by `monitor demo` for the drill; every address is on this machine
agency:
  name: 青禾县审计局
  keywords:
    subject: [青禾县审计局, 青禾审计]
    region: [青禾, 东坪]
    event: [审计, 宴请, 违规, 通报]
    exclude: [招聘]
timezone: Asia/Shanghai
fetch: {{host_delay: 0s, retries: 0}}
sources:
  - {{id: qinghe-forum, name: 青禾论坛, kind: html, url: "{base}/forum/list.html", interval: 10m, authority: 1, channel: social,
     selectors: {{item: "ul.threads li", title: "a.title", link: "a.title@href", date: "span.time", summary: "p.digest"}}}}
  - {{id: weibo-keyword, name: 微博·关键词(RSSHub), kind: rss, url: "{base}/rsshub/weibo/keyword/青禾审计", interval: 10m, authority: 1,
     channel: social}}
  - {{id: qinghe-news, name: 青禾新闻网, kind: rss, url: "{base}/news/rss.xml", interval: 10m, authority: 3}}
  - id: own-site
    name: 青禾县审计局网站
    kind: html
    url: "{base}/sjj/tzgg/"
    interval: 10m
    own: true
    selectors: {{item: "div.list li", title: "a@title", link: "a@href", date: "span.date", summary: "div.zy"}}
people:
  duty: [zhiban@qinghe.example.gov.cn]
  deputy_leader: [fenguan@qinghe.example.gov.cn]
  head: [juzhang@qinghe.example.gov.cn]
smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, from: yuqing@qinghe.example.gov.cn}}
policies: {{}}
"""


def _fresh_db(path: str):
    """The drill owns its database: recreate it, but never over a database that holds real sources."""
    if os.path.exists(path):
        if ids_in_file(path) - DRILL_SOURCES:
            raise InvalidInput(f"{path} 里有真实的监测数据, 演练不会覆盖它; 请用 --db 指定另一个文件")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    return open_db(path)


def run_drill(db_path: str, start_text: str | None, speed_s: float = 0.0) -> None:
    start_at = parse_cli_time(start_text or DEFAULT_START, TZ)
    clock = SimClock(start_at - timedelta(minutes=sc.STEP_MIN))
    out = click.echo
    with DrillServer(clock, start_at) as server, SmtpSink() as sink, tempfile.TemporaryDirectory() as tmp:
        cfg_path = Path(tmp) / "drill.yaml"
        cfg_path.write_text(CONFIG.format(base=server.base_url, smtp_port=sink.port), encoding="utf-8")
        config = load_config(cfg_path)
        db = _fresh_db(db_path)
        channel, renderer = EmailChannel(config.smtp), Renderer.beside(config.path)
        collector = Collector(db, config, clock)
        names = {s.id: s.display_name for s in config.sources}

        def say(text: str) -> None:
            out(f"[{local_str(clock.now(), TZ)[5:]}] {text}")

        out(f"=== 舆情应对演练 (虚构情景): {config.agency.name} ===")
        out(f"本地来源 {server.base_url}, 邮件服务器 127.0.0.1:{sink.port}, 数据库 {db_path}")
        out(f"模拟时间 {local_str(start_at, TZ)} 起, 每 {sc.STEP_MIN} 分钟采集一次\n")
        issue_id = None
        step = 0
        try:
            while True:
                minute = step * sc.STEP_MIN
                if minute > sc.END_AT_MIN:
                    break
                clock.set(start_at + timedelta(minutes=minute))
                for report in collector.collect():
                    if not report.ok:
                        say(f"来源 {names[report.source_id]} 采集失败: {report.error}")
                    elif report.new_posts:
                        dropped = sum(report.dropped.get(k, 0) for k in ("not_relevant", "excluded"))
                        dup = report.reposts
                        if step == 0 or report.new_posts:
                            say(f"采集 {names[report.source_id]}: 新增 {report.new_posts} 条相关信息"
                                + (f" (其中转载 {dup} 条)" if dup else "")
                                + (f", 无关/排除 {dropped} 条" if dropped and step == 0 else ""))
                    for iid in report.new_issue_ids:
                        i = actions.get_issue(db, iid)
                        say(f"发现新舆情 #{iid}「{i.title}」 热度 {i.heat:.0f}, 负面占比 {i.negative_share:.0%},"
                            f" 建议级别 {i.suggested_level}")
                    for iid in report.touched_issue_ids:
                        i = actions.get_issue(db, iid)
                        say(f"  舆情 #{iid} 扩散: 共 {i.post_count} 条 / {i.source_count} 个来源, 热度 {i.heat:.0f},"
                            f" 负面占比 {i.negative_share:.0%}, 建议级别 {i.suggested_level}")
                if issue_id is None and minute >= sc.DECLARE_AT_MIN:
                    issue_id = _crisis_issue(db)
                    r = actions.declare(db, config, issue_id, "II", sc.DUTY_OFFICER, clock.now())
                    say(f"值班员 {sc.DUTY_OFFICER} 确认舆情 #{issue_id} 为 II 级 ({LEVEL_NAMES['II']}), 开始计时:")
                    for s in r.started:
                        out(f"             {config.policies[s.kind].label}: 起点 {local_str(s.started_at, TZ)},"
                            f" 截止 {local_str(s.due_at, TZ)} ({config.policies[s.kind].basis})")
                if issue_id and minute == sc.RELEASE_AT_MIN + sc.STEP_MIN:
                    r = actions.confirm_detected(db, config, issue_id, None, sc.DUTY_OFFICER, clock.now())
                    say(f"值班员 {sc.DUTY_OFFICER} 确认本局网站的情况通报为权威信息发布: {_own_post_url(db, '情况通报')}")
                    say(f"  「发布权威信息」时限停止 ({'按时' if r.on_time else '超时'}, 以发布时间计);"
                        f" 新闻发布会时限继续计时; 开始计时「持续发布进展」(每 24 小时)")
                if issue_id and minute == sc.PRESS_CONFERENCE_AT_MIN:
                    url = _own_post_url(db, "新闻发布会")
                    r = actions.respond(db, issue_id, "press_conference", url, clock.now(), sc.DUTY_OFFICER,
                                        clock.now(), config)
                    say(f"召开新闻发布会, 值班员登记: {url}")
                    say(f"  「举行新闻发布会」时限停止 ({'按时' if r.on_time else '超时'}); 舆情继续跟踪, 后续发布进展")
                report = tick(db, config, clock.now(), channel, renderer)
                for n in report.delivered:
                    say(f"邮件 → {role_name(n.role)} {', '.join(config.people.get(n.role, ()))}: {n.subject}")
                received = sink.take()
                assert len(received) == len(report.delivered), "SMTP sink and outbox disagree"
                if speed_s:
                    time.sleep(speed_s)
                step += 1
        finally:
            collector.close()
        out("")
        _summary(db, issue_id, clock.now(), out)
        db.close()
    db_opt = "" if db_path == "monitor.db" else f"--db {db_path} "
    out(f"\n演练结束。查看结果: monitor {db_opt}issues --all   或   monitor {db_opt}show {issue_id}")


def _crisis_issue(db) -> int:
    """The hottest open issue: the one the duty officer declares."""
    return issues.hottest_open(db)


def _own_post_url(db, word: str) -> str:
    url = posts.latest_own_with(db, word)
    if url is None:
        raise InvalidInput(f"本局网站上还没有包含「{word}」的信息")
    return url


def _summary(db, issue_id, now: datetime, out) -> None:
    i = show_issue(db, issue_id, now)
    out(f"舆情 #{i['id']}「{i['title']}」: {i['post_count']} 条 / {i['source_count']} 个来源, 热度 {i['heat']:.0f},"
        f" 负面占比 {i['negative_share']:.0%}, 级别 {i['level']}")
    for d in i["deadlines"]:
        out(f"  {d['label']}: 截止 {local_str(d['due_at'], TZ)}, {CLOCK_STATE_NAMES[d['status']]}")
    sent = [n for n in i["notifications"] if n["status"] == "sent"]
    out(f"  已发送通知 {len(sent)} 封, 操作记录 {len(i['actions'])} 条")
