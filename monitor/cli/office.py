"""`monitor office`: an installation of many units for the 政务公开办 (config/office.py)."""
from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..config.office import AGENCY_ID, load_office, load_office_name
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


UNIT_TEMPLATE = """\
# sources.yaml — {name}, a unit of {office}.
# Check it after every edit:   monitor office check {root}
agency:
  name: {name}
  keywords:
    subject: [{name}]        # 主体词: add the unit's short names
{region_line}    event: [通报, 违规, 问责, 举报, 投诉]
    exclude: [招聘, 广告, 招标公告]
timezone: Asia/Shanghai
{console_line}sources:
  # The unit's own website list page (own channel: its releases, and the two-week 更新 check).
  # Replace url and selectors, then set enabled: true.
  - id: own-site
    name: {name}网站
    kind: html
    url: "http://www.example.gov.cn/"
    own: true
    enabled: false
    selectors: {{item: "ul li", title: "a", link: "a@href", date: "span"}}
  # Weibo keyword search through the office's RSSHub.
  - id: weibo
    name: 微博·{name}
    kind: rss
    url: "http://127.0.0.1:1200/weibo/keyword/{name}"
    interval: 15m
people:
  duty: [{duty}]
"""


@office.command("add-unit")
@click.argument("directory", type=click.Path(file_okay=False))
@click.argument("unit_id")
@click.option("--name", required=True, help="单位全称, 也是主体词, 如 青禾县教育局。")
@click.option("--duty", required=True, help="值班员邮箱。")
@click.option("--region", help="地域词, 逗号分隔, 如 青禾,青禾县。")
def add_unit(directory, unit_id, name, duty, region):
    """新增一个单位: 写出它的 sources.yaml (可直接运行, 再按注释补全), 并检查整个安装。

    \b
    示例:
      monitor office add-unit /srv/monitor/office jiaoyu --name 青禾县教育局 --duty duty@jiaoyu.qinghe.gov.cn --region 青禾
    """
    if not AGENCY_ID.match(unit_id):
        raise MonitorError(f"单位目录名应为小写字母、数字、- 或 _ (它也是网址的一部分), 实际是 {unit_id!r}")
    root = Path(directory)
    if not (root / "office.yaml").is_file():
        raise MonitorError(f"{root} 不是多单位安装的目录 (缺少 office.yaml)")
    folder = root / "agencies" / unit_id
    if folder.exists():
        raise MonitorError(f"单位 {unit_id} 已存在: {folder}")
    office_name, office_url = load_office_name(root)
    regions = [r.strip() for r in (region or "").split(",") if r.strip()]
    text = UNIT_TEMPLATE.format(name=name.strip(), office=office_name, root=root, duty=duty.strip(),
                                region_line=f"    region: [{', '.join(regions)}]\n" if regions else "",
                                console_line=(f"# notices link to the unit's console, mounted here by monitor serve --office\n"
                                              f"console_url: {office_url}/u/{unit_id}\n") if office_url else "")
    folder.mkdir(parents=True)
    (folder / "sources.yaml").write_text(text, encoding="utf-8")
    try:
        load_office(root)
    except MonitorError:
        (folder / "sources.yaml").unlink()
        folder.rmdir()
        raise
    echo(f"已新增 {name} ({unit_id}): {folder / 'sources.yaml'}")
    echo(f"下一步: 补全来源后 monitor office check {root}; 账号: monitor --db {folder / 'monitor.db'} user add 姓名 --role duty;"
         f" 重启 monitor run --office {root} (或 systemctl enable --now monitor-unit@{unit_id})")
