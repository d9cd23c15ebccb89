"""`monitor report annual --year Y`: the timeliness tables the 政府信息公开工作年度报告 needs, as an Excel
workbook (real cells, Chinese headers, dates as dates, a chart sheet) or as CSV (the clock list)."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import sqlite_utils
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from ..clock import from_iso
from ..clocks import stats as clock_stats
from ..clocks.policy import deadline_status
from ..clocks.rules import LEVELS
from ..config.schema import Config
from ..errors import InvalidInput
from ..labels import CLOCK_KIND_NAMES, CLOCK_STATE_NAMES, ISSUE_KIND_NAMES, LEVEL_NAMES, name
from ..views import reports
from ..store import deadlines, issues

SUMMARY_HEADERS = ["事项", "开始计时", "按时完成", "超时完成", "超时未完成", "计时中", "已取消", "延期", "按时率",
                   "答复用时中位数(小时)"]
DETAIL_HEADERS = ["编号", "标题", "类型", "级别", "事项", "依据", "计时起点", "截止", "完成时间", "状态", "延期(工作日)", "批准人"]
HEAD = PatternFill("solid", fgColor="17324D")


def _local(at: dt.datetime | None, config: Config) -> dt.datetime | None:
    """A time as the naive local datetime Excel shows (Excel has no time zones)."""
    return at.astimezone(config.tz).replace(tzinfo=None) if at else None


def repeated(db: sqlite_utils.Database, config: Config, year: int) -> list[list]:
    """Rows of the 重复申请 sheet: one per request, grouped, with the group's size."""
    start = dt.datetime(year, 1, 1, tzinfo=config.tz)
    out = []
    for n, group in enumerate(reports.repeated_requests(db, start, start.replace(year=year + 1)), 1):
        for r in group:
            out.append([n, len(group), r["id"], r["title"], _local(from_iso(r["received_at"]), config)])
    return out


def tables(db: sqlite_utils.Database, config: Config, year: int, now: dt.datetime) -> tuple[dict, list[list]]:
    if not 2000 <= year <= 2200:
        raise InvalidInput(f"--year 应为四位年份, 实际是 {year}")
    start = dt.datetime(year, 1, 1, tzinfo=config.tz)
    end = dt.datetime(year + 1, 1, 1, tzinfo=config.tz)
    all_issues = issues.listed(db, include_closed=True)
    all_clocks = deadlines.listed(db)
    summary = clock_stats.compute(all_issues, all_clocks, start, end, now)
    by_id = {i.id: i for i in all_issues}
    detail = []
    for d in sorted(all_clocks, key=lambda d: d.started_at):
        if not start <= d.started_at < end:
            continue
        i = by_id.get(d.issue_id)
        if i is None or i.merged_into:            # part of the issue it joined: its clocks were cancelled there
            continue
        status = deadline_status(d.running, d.due_at, d.met_at, now)
        detail.append([d.issue_id, i.title, name(ISSUE_KIND_NAMES, i.kind),
                       i.level or "", name(CLOCK_KIND_NAMES, d.kind), d.basis,
                       _local(d.started_at, config), _local(d.due_at, config), _local(d.met_at, config),
                       name(CLOCK_STATE_NAMES, status), d.extended_wd, d.approver or ""])
    return summary, detail


def write_xlsx(path: Path, config: Config, year: int, summary: dict, detail: list[list],
               repeats: list[list] | None = None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "时限统计"
    ws.append([f"{config.agency.name} {year} 年回应时限执行情况"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(SUMMARY_HEADERS)
    for k in summary["kinds"]:
        ws.append([k["label"], k["total"], k["on_time"], k["late"], k["overdue"], k["pending"], k["cancelled"],
                   k["extended"], k["on_time_rate"], k["median_hours_to_answer"]])
    for row in ws.iter_rows(min_row=3, min_col=9, max_col=9):
        for cell in row:
            cell.number_format = "0.0%"
    _style_header(ws, 2, len(SUMMARY_HEADERS))
    ws.append([])
    ws.append(["政务舆情定级", *[f"{lv} 级 {LEVEL_NAMES[lv]}" for lv in LEVELS], "合计"])
    _style_header(ws, ws.max_row, len(LEVELS) + 2)
    ws.append(["件数", *[summary["issues_by_level"].get(lv, 0) for lv in LEVELS], summary["issues_declared"]])
    ws.column_dimensions["A"].width = 28
    for col in "BCDEFGHIJ":
        ws.column_dimensions[col].width = 12

    dws = wb.create_sheet("时限明细")
    dws.append(DETAIL_HEADERS)
    for row in detail:
        dws.append(row)
    _style_header(dws, 1, len(DETAIL_HEADERS))
    for col in ("G", "H", "I"):
        dws.column_dimensions[col].width = 18
        for cell in dws[col][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
    dws.column_dimensions["B"].width = 40
    dws.column_dimensions["E"].width = 22
    dws.freeze_panes = "A2"

    rws = wb.create_sheet("重复申请")
    rws.append(["组", "同组申请数", "编号", "申请内容", "收到时间"])
    _style_header(rws, 1, 5)
    for row in repeats or []:
        rws.append(row)
    for cell in rws["E"][1:]:
        cell.number_format = "yyyy-mm-dd hh:mm"
    rws.column_dimensions["D"].width = 50
    rws.column_dimensions["E"].width = 18

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = f"{year} 年各类事项按时情况"
    chart.y_axis.title = "件数"
    rows = len(summary["kinds"])
    if rows:
        data = Reference(ws, min_col=3, max_col=5, min_row=2, max_row=2 + rows)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=2 + rows))
    cs = wb.create_chartsheet("图表")
    cs.add_chart(chart)
    wb.save(path)


def _style_header(ws, row: int, width: int) -> None:
    for cell in ws[row][:width]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEAD
        cell.alignment = Alignment(horizontal="center", wrap_text=True)


def write_csv(path: Path, detail: list[list]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:     # the BOM: Excel opens it as UTF-8
        w = csv.writer(f)
        w.writerow(DETAIL_HEADERS)
        for row in detail:
            w.writerow([c.strftime("%Y-%m-%d %H:%M") if isinstance(c, dt.datetime) else c for c in row])
