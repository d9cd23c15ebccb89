"""The quarterly 督促检查 workbook of an office installation: units ranked, with the figures the ranking
reads and each unit's findings (views/office.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined
from openpyxl import Workbook
from openpyxl.styles import Font

from ..clocks.rules import LEVELS
from ..labels import INSPECTION_NAMES, SEVERITY_NAMES, name
from .annual import _style_header
from .pdf import html_to_pdf

_env = Environment(loader=PackageLoader("monitor.report", "templates"), undefined=StrictUndefined, autoescape=True)

RANK_HEADERS = ["名次", "单位", "单项否决", "临近单项否决", "时限按时率", "已答复时限", "其中按时", "当前超时", "24小时内到期",
                "处置中舆情", *[f"{lv} 级" for lv in LEVELS], "未定级", "回应后降温", "回应后升温", "监测盲区"]
FINDING_HEADERS = ["单位", "情况", "事项", "对象", "起算", "期限"]


HANDLING_HEADERS = ["名次", "单位", "下发", "按时反馈", "超时反馈", "超时未反馈", "办理中", "按时率"]


def write_ranking(path: Path, office_name: str, period, rows: list[dict], now: dt.datetime, tz: str,
                  handling: list[dict] | None = None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "督促检查排名"
    ws.append([f"{office_name} {period.label} 政务舆情回应督促检查排名"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"生成时间 {now.astimezone(ZoneInfo(tz)).strftime('%Y-%m-%d %H:%M')}；按单项否决、时限按时率、当前超时排序"])
    ws.append(RANK_HEADERS)
    for r in rows:
        ws.append([r["rank"], r["name"], r["vetoes"], r["at_risk"], r["on_time_rate"], r["clocks"], r["on_time"],
                   r["overdue"], r["due_soon"], r["open_issues"], *[r["by_level"].get(lv, 0) for lv in LEVELS],
                   r["undeclared"], r["effects"].get("降温", 0), r["effects"].get("升温", 0), r["blind"]])
    for cell in ws["E"][3:]:
        cell.number_format = "0.0%"
    _style_header(ws, 3, len(RANK_HEADERS))
    ws.column_dimensions["B"].width = 24
    ws.freeze_panes = "C4"

    hs = wb.create_sheet("下发处理排名")
    hs.append(HANDLING_HEADERS)
    _style_header(hs, 1, len(HANDLING_HEADERS))
    for r in handling or []:
        hs.append([r["handling_rank"], r["name"], r["handed"], r["handed_on_time"], r["handed_late"],
                   r["handed_overdue"], r["handed_pending"], r["handed_rate"]])
    for cell in hs["H"][1:]:
        cell.number_format = "0.0%"
    hs.column_dimensions["B"].width = 24

    fs = wb.create_sheet("单项否决")
    fs.append(FINDING_HEADERS)
    _style_header(fs, 1, len(FINDING_HEADERS))
    for r in rows:
        for f in r["findings"]:
            fs.append([r["name"], name(SEVERITY_NAMES, f["severity"]), name(INSPECTION_NAMES, f["check"]), f["name"],
                       f["since_local"], f["limit_local"]])
    fs.column_dimensions["A"].width = 24
    fs.column_dimensions["D"].width = 40
    wb.save(path)


def ranking_pdf(office_name: str, period, rows: list[dict], handling: list[dict], now: dt.datetime, tz: str) -> bytes:
    """The same ranking as the workbook, set for printing and filing (A4, Chinese fonts, WeasyPrint)."""
    html = _env.get_template("office_ranking.html").render(
        office=office_name, period=period.label, rows=rows, handling=handling,
        generated=now.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M"), name=name,
        SEVERITY_NAMES=SEVERITY_NAMES, INSPECTION_NAMES=INSPECTION_NAMES)
    return html_to_pdf(html)
