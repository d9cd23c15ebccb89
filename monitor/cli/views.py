"""Read-only commands: issues, show, sources, alerts, stats. They refuse a database that does not exist."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import click
from tabulate import tabulate

from ..clock import parse_cli_date, local_str
from ..clocks.rules import ClockState, IssueStatus
from ..views.describe import describe
from ..views import read as views
from ..ops.health import check as check_health
from ..errors import MonitorError
from ..labels import (ACTION_NAMES, JOB_NAMES, EXPECTATION_NAMES, HEAT_COMPONENT_NAMES, ISSUE_STATUS_NAMES, NOTICE_STATUS_NAMES,
                      SENTIMENT_NAMES, SOURCE_STATE_NAMES, duration, fetch_error, name, role_name)
from .app import App, echo, echo_json, pass_app


def _deadline_brief(d: dict, tz) -> str:
    label = d["label"]
    if d["status"] in (ClockState.MET, ClockState.MET_LATE):
        return f"{label}: 已完成{'(超时)' if d['status'] == ClockState.MET_LATE else ''}"
    if d["status"] == ClockState.CANCELLED:
        return f"{label}: 已取消"
    r = d["remaining_s"]
    return f"{label}: {'还剩' if r >= 0 else '已超时'}{duration(r)} (截止 {local_str(d['due_at'], tz)})"


@click.command("issues")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON (字段名稳定)。")
@click.option("--all", "include_closed", is_flag=True, help="包括已关闭的舆情。")
@click.option("--limit", type=click.IntRange(0), default=50, show_default=True,
              help="只显示排名前 N 条 (0: 全部)。--json 默认全部。")
@pass_app
def issues_cmd(app: App, as_json, include_closed, limit):
    """按热度和负面排序的舆情 (默认只列处置中的), 附时限。

    \b
    示例:
      monitor issues --json --all
    """
    ctx = click.get_current_context()
    explicit = ctx.get_parameter_source("limit") != click.core.ParameterSource.DEFAULT
    shown = limit or None if (explicit or not as_json) else None
    items, total = views.ranked_issues(app.existing_db, app.now(), include_closed, limit=shown)
    if as_json:
        return echo_json(items)
    if not items:
        return echo("目前没有舆情")
    tz = app.tz
    rows = [[i["id"], i["level"] or f"({i['suggested_level']})", f"{i['heat']:.2f}", f"{i['negative_share']:.0%}",
             i["post_count"], local_str(i["first_seen_at"], tz), "开" if i["status"] == IssueStatus.OPEN else "关",
             "\n".join(_deadline_brief(d, tz) for d in i["deadlines"]) or "-", i["title"][:30]]
            for i in items]
    echo(tabulate(rows, headers=["编号", "级别", "热度", "负面", "条数", "首次发现", "状态", "时限", "标题"],
                  disable_numparse=True))
    if total > len(items):
        echo(f"(另有 {total - len(items)} 个未显示; 用 --limit 0 显示全部)")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@pass_app
def show(app: App, issue_id, as_json):
    """一条舆情的信息、时限、通知和操作记录。

    \b
    示例:
      monitor show 3
    """
    i = views.show_issue(app.existing_db, issue_id, app.now())
    if as_json:
        return echo_json(i)
    tz = app.tz
    echo(f"舆情 {i['id']}: {i['title']}")
    if i["keywords"]:
        echo(f"  关键词: {' '.join(i['keywords'])}")
    echo(f"  状态 {name(ISSUE_STATUS_NAMES, i['status'])}  级别 {i['level'] or '未定级'}"
               f"  建议级别 {i['suggested_level']} ({i['suggested_reason']})")
    echo(f"  热度 {i['heat']}  负面占比 {i['negative_share']:.0%}  {i['post_count']} 条 / {i['source_count']} 个来源"
               f"  首次发现 {local_str(i['first_seen_at'], tz)}"
               + (f"  爆发于 {local_str(i['burst_at'], tz)}" if i["burst_at"] else ""))
    echo("  热度构成: " + ", ".join(f"{name(HEAT_COMPONENT_NAMES, k)} {v:g}"
                                      for k, v in i["heat_components"].items()))
    for d in i["release_detected"]:
        echo(f"  检测到本单位发布 (待确认): {d['title']} {d['url']}")
    echo("\n时限:")
    for d in i["deadlines"]:
        echo(f"  {_deadline_brief(d, tz)}  依据 {d['basis']}{'  证据 ' + d['evidence_url'] if d['evidence_url'] else ''}")
    echo("\n信息:")
    echo(tabulate([[p["id"], p["source_id"],
                          SENTIMENT_NAMES.get(p["sentiment_override"] or p["sentiment_label"], "-")
                          + ("(人工)" if p["sentiment_override"] else ""),
                          local_str(p["seen_at"], tz),
                          p["matched_rule"], p["title"][:40]] for p in i["posts"]],
                        headers=["编号", "来源", "情感", "发现时间", "命中规则", "标题"]))
    echo("\n通知:")
    for n in i["notifications"]:
        echo(f"  {local_str(n['fire_at'], tz)} [{role_name(n['role'])}] {NOTICE_STATUS_NAMES.get(n['status'], n['status'])} {n['subject']}")
    echo("\n操作记录:")
    for a in i["actions"]:
        by = "系统" if a["by"] == "system" else a["by"]
        echo(f"  {local_str(a['at'], tz)} {by} {ACTION_NAMES.get(a['action'], a['action'])} "
             f"{describe(a['detail'], tz)}")


@click.command("sources")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@pass_app
def sources_cmd(app: App, as_json):
    """每个来源的采集状态: 正常、沉寂 (长时间没有新内容)、失败、盲区 (无法采集)。

    \b
    示例:
      monitor sources --json
    """
    rows = views.sources(app.existing_db, app.config(), app.now())
    if as_json:
        return echo_json(rows)
    tz = app.tz
    echo(tabulate([[r["id"], SOURCE_STATE_NAMES[r["state"]], local_str(r["last_success_at"], tz),
                          local_str(r["last_new_at"], tz), r["items_last_pass"] or 0, r["bytes_last_pass"] or 0,
                          f"{duration(r['quiet_after_s'])} ({EXPECTATION_NAMES[r['expectation']]})",
                          fetch_error(r["last_error"])[:40]] for r in rows],
                        headers=["来源", "状态", "最后成功", "最后有新信息", "条目", "字节", "沉寂判定", "最近错误"]))


@click.command("alerts")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@pass_app
def alerts_cmd(app: App, as_json):
    """值班员视图: 2 小时内到期或已超时的时限、无法采集的来源、未送达的通知。

    \b
    示例:
      monitor alerts --json
    """
    a = views.alerts(app.existing_db, app.now(), app.optional_config())
    if as_json:
        return echo_json(a)
    tz = app.tz
    echo("即将到期或已超时的时限:" if a["deadlines"] else "没有即将到期的时限")
    for d in a["deadlines"]:
        echo(f"  [{d['issue_id']}] {d['issue_title'][:30]} — {_deadline_brief(d, tz)}")
    echo("异常来源 (监测盲区):" if a["sources"] else "所有来源采集正常")
    if a["quiet_sources"]:
        echo(f"长时间没有新信息的来源: {', '.join(a['quiet_sources'])}")
    for s in a["sources"]:
        echo(f"  {s['id']}: 连续失败 {s['consecutive_failures']} 次, {s['last_error']}")
    for d in a["release_detected"]:
        echo(f"检测到本单位发布, 待确认: [{d['issue_id']}] {d['title'][:30]} {d['url']}"
                   f"  → monitor confirm {d['issue_id']} --post {d['post_id']} --by 姓名")
    if a["provisional"]:
        echo("暂定的时限 (节假日安排未覆盖该年份, 仅按周末计算; 更新日历后将重新计算):")
        for d in a["provisional"]:
            echo(f"  [{d['issue_id']}] {d['issue_title'][:30]} — {_deadline_brief(d, tz)}")
    if a["undelivered"]:
        echo("未送达的通知:")
        for n in a["undelivered"]:
            echo(f"  [{n['issue_id']}] {n['subject']} (尝试 {n['attempts']} 次: {n['last_error'] or '等待发送'})")


@click.command()
@click.option("--from", "from_date", required=True, metavar="DATE", help="起始日期 (本地), 例如 2026-01-01。")
@click.option("--to", "to_date", required=True, metavar="DATE", help="截止日期 (本地, 含当天)。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@pass_app
def stats(app: App, from_date, to_date, as_json):
    """年度报告的时限统计: 各级别舆情数, 各事项按时和超时的回应数。

    统计两个本地日期之间 (含首尾) 定级的舆情和开始的时限。

    \b
    示例:
      monitor stats --from 2026-01-01 --to 2026-12-31
    """
    tz = app.tz
    start, end = parse_cli_date(from_date, "--from "), parse_cli_date(to_date, "--to ")
    if end < start:
        raise MonitorError("--to 不能早于 --from")
    start_at = datetime.combine(start, time(0), tzinfo=tz)
    end_at = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz)
    s = views.timeliness(app.existing_db, start_at, end_at, app.now())
    if as_json:
        return echo_json(s)
    echo(f"{from_date} 至 {to_date}: 定级舆情 {s['issues_declared']} 件 ("
               + ", ".join(f"{k} 级 {v}" for k, v in s["issues_by_level"].items()) + ")")
    rows = [[k["label"], k["total"], k["on_time"], k["late"], k["overdue"], k["pending"], k["cancelled"],
             "-" if k["on_time_rate"] is None else f"{k['on_time_rate']:.0%}",
             "-" if k["median_hours_to_answer"] is None else k["median_hours_to_answer"], k["extended"]]
            for k in s["kinds"]]
    echo(tabulate(rows, headers=["时限", "总数", "按时", "超时完成", "超时未完成", "计时中", "已取消",
                                       "按时率", "中位用时(小时)", "延期"]))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@pass_app
def health(app: App, as_json):
    """仅当守护进程在运行且心跳及时、没有来源无法采集、没有通知发送失败、日历覆盖今年时退出码为 0;
    否则退出码 1 并列出原因 (供 systemd、cron 或外部监控使用)。

    \b
    示例:
      monitor health || echo "舆情监测系统需要处理"
    """
    config = app.config()
    h = check_health(app.existing_db, config, app.now())
    if as_json:
        echo(json.dumps({"ok": h.ok, "problems": [{"kind": k, "text": t} for k, t in h.problems],
                         "heartbeat": h.heartbeat, "workers": list(h.workers), **h.checked}, ensure_ascii=False, indent=2))
    elif h.ok:
        echo(f"正常: 守护进程 {h.heartbeat['pid']} 最近心跳 {local_str(h.heartbeat['beat_at'], config.tz)}, "
                   f"{h.checked['sources']} 个来源正常, 通知均已送达, 日历覆盖 {h.checked['calendar_year']} 年")
    else:
        for _, text in h.problems:
            echo(f"异常: {text}")
    if not as_json and (len(h.workers) > 1 or any(not w["alive"] for w in h.workers)):
        for w in h.workers:
            state = "运行中" if w["alive"] else "已停止"
            echo(f"  进程 {w['host']}:{w['pid']} {state}, 负责{'、'.join(JOB_NAMES.get(j, j) for j in w['jobs'])}, "
                 f"最近心跳 {local_str(w['beat_at'], config.tz)}")
    if not h.ok:
        raise SystemExit(1)
