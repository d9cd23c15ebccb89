"""`monitor office`: an installation of many units for the 政务公开办 (config/office.py)."""
from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..config.office import load_office
from ..ops.health import check as check_health
from ..errors import MonitorError
from ..report import office as office_report
from ..store.db import open_db
from ..views import office as office_views
from .app import App, echo, pass_app


@click.group("office")
def office():
    """多单位安装 (政务公开办): 一个目录, 含 office.yaml 和 agencies/单位/sources.yaml。

    \b
    示例:
      monitor office status /srv/monitor/office
    """


def _rows(office_, now, period) -> list[dict]:
    out = []
    for u in office_.units:
        try:
            db = open_db(u.db_path, create=False)
        except MonitorError:
            out.append(office_views.not_ready(u))
            continue
        out.append(office_views.unit_figures(u, db, now, period))
        db.conn.close()
    return out


@office.command("check")
@click.argument("directory", type=click.Path(file_okay=False))
def check(directory):
    """检查 office.yaml 和每个单位的 sources.yaml (有错时列出 文件:行: 问题, 退出码 2)。

    \b
    示例:
      monitor office check /srv/monitor/office
    """
    o = load_office(directory)
    echo(f"配置有效: {o.name}, {len(o.units)} 个单位: " + "、".join(f"{u.name} ({u.id})" for u in o.units))


@office.command("status")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@pass_app
def status(app: App, directory, as_json):
    """各单位概况: 处置中的舆情、超时和即将到期的时限、本季度按时率、单项否决、监测盲区。

    \b
    示例:
      monitor office status /srv/monitor/office --json
    """
    o = load_office(directory)
    now = app.now()
    period = office_views.quarter(None, now, ZoneInfo(o.timezone))
    rows = _rows(o, now, period)
    if as_json:
        echo(json.dumps({"office": o.name, "period": period.label, "units": rows}, ensure_ascii=False, indent=2))
        return
    for r in rows:
        rate = "无时限" if r["on_time_rate"] is None else f"{r['on_time_rate']:.0%}"
        echo(f"{r['name']}\t处置中 {r['open_issues']}\t超时 {r['overdue']}\t24小时内到期 {r['due_soon']}\t"
             f"按时率 {rate}\t单项否决 {r['vetoes']}\t盲区 {r['blind']}" + ("" if r["ready"] else "\t(尚未运行)"))


@office.command("ranking")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--quarter", metavar="2026Q1", help="季度; 默认本季度。")
@click.option("--out", type=click.Path(dir_okay=False), help="写入 .xlsx 或 .pdf 文件; 不给则打印排名。")
@pass_app
def ranking(app: App, directory, quarter, out):
    """季度督促检查排名: 先看单项否决, 再看时限按时率, 再看当前超时。

    \b
    示例:
      monitor office ranking /srv/monitor/office --quarter 2026Q1 --out 督促检查排名.xlsx
    """
    o = load_office(directory)
    now = app.now()
    period = office_views.quarter(quarter, now, ZoneInfo(o.timezone))
    figures = _rows(o, now, period)
    rows = office_views.ranked(figures)
    if out:
        if out.endswith(".xlsx"):
            office_report.write_ranking(Path(out), o.name, period, rows, now, o.timezone,
                                        office_views.ranked_by_handling(figures))
        elif out.endswith(".pdf"):
            Path(out).write_bytes(office_report.ranking_pdf(o.name, period, rows,
                                                            office_views.ranked_by_handling(figures), now, o.timezone))
        else:
            raise MonitorError("--out 应为 .xlsx 或 .pdf 文件")
        echo(f"已写入 {out} ({period.label}, {len(rows)} 个单位)")
        return
    for r in rows:
        rate = "无时限" if r["on_time_rate"] is None else f"{r['on_time_rate']:.0%}"
        echo(f"{r['rank']}\t{r['name']}\t单项否决 {r['vetoes']}\t按时率 {rate}\t超时 {r['overdue']}")


@office.command("health")
@click.argument("directory", type=click.Path(file_okay=False))
@pass_app
def health(app: App, directory):
    """每个单位的守护进程、来源、通知和日历是否正常 (同 monitor health); 有一个单位异常则退出码 1。

    \b
    示例:
      monitor office health /srv/monitor/office || echo "有单位需要处理"
    """
    o = load_office(directory)
    bad = 0
    for u in o.units:
        try:
            db = open_db(u.db_path, create=False)
        except MonitorError as e:
            echo(f"{u.name}: 异常: {e}")
            bad += 1
            continue
        h = check_health(db, u.config, app.now())
        db.conn.close()
        if h.ok:
            echo(f"{u.name}: 正常")
        else:
            bad += 1
            for _, text in h.problems:
                echo(f"{u.name}: 异常: {text}")
    if bad:
        raise SystemExit(1)
