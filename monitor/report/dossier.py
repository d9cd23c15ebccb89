"""`monitor report issue N`: the 处置台账 of one issue as self-contained HTML, PDF or Word (.docx)."""
from __future__ import annotations

import datetime as dt
import io

import sqlite_utils
from jinja2 import Environment, PackageLoader, StrictUndefined

from ..config.schema import Config
from ..views import dossier as records
from . import charts

_env = Environment(loader=PackageLoader("monitor.report", "templates"), undefined=StrictUndefined, autoescape=True)


def gather(db: sqlite_utils.Database, config: Config, issue_id: int, now: dt.datetime) -> dict:
    return records.dossier(db, config, issue_id, now)


def _charts(d: dict, fmt: str) -> dict:
    return {"spread": charts.bars("信息量随时间", d["spread"], fmt=fmt) if d["spread"] else "",
            "effect": charts.around("回应前后每小时信息量", d["effect"]["hourly"], fmt=fmt) if d["effect"] else ""}


def html(d: dict) -> str:
    return _env.get_template("dossier.html").render(d=d, charts=_charts(d, "svg"))


def _table(doc, header: list[str], body: list[list[str]]) -> None:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for values in body:
        for cell, text in zip(t.add_row().cells, values):
            cell.text = str(text)


def docx(d: dict) -> bytes:
    """The same record as a Word document (officials edit it into their 总结)."""
    from docx import Document                   # python-docx: only `report issue … .docx` needs it
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2)
    title = doc.add_heading(f"处置台账 · #{d['id']} {d['title']}", level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{d['agency']} · 生成时间 {d['generated_local']}")
    level = f"{d['level']}级 {d['level_name']}" if d["level"] else "未定级"
    doc.add_heading("基本情况", level=2)
    _table(doc, ["项目", "内容"], [
        ["类型", d["kind_name"]], ["级别", level],
        ["状态", d["status_name"] + (f"（{d['close_reason']}）" if d["close_reason"] else "")],
        ["规模", f"{d['post_count']} 条信息，{d['source_count']} 个来源，转载 {d['repost_count'] or 0} 条；"
               f"热度 {d['heat']:.1f}，负面占比 {round((d['negative_share'] or 0) * 100)}%"],
        ["证据", f"快照 {d['snapshots']} 份" + (f"，其中 {d['deleted']} 条信息已被删除（快照保留）" if d["deleted"] else "")]])
    doc.add_heading("如何发现", level=2)
    p = d["first_post"]
    doc.add_paragraph(f"首次发现 {d['first_seen_local']}。最早的信息：{p['source_name']} "
                      f"{p['published_local'] + ' 发布' if p['published_local'] else ''}（{p['seen_local']} 采集）"
                      f"「{p['title']}」 {p['url']}" if p else "没有采集到的信息。")
    pictures = _charts(d, "png")
    if d["spread"]:
        doc.add_heading("传播情况", level=2)
        doc.add_picture(io.BytesIO(pictures["spread"]), width=Cm(16))
        _table(doc, ["来源", "信息条数"], [[name, n] for name, n in d["by_source"]])
    doc.add_heading("回应时限", level=2)
    _table(doc, ["事项", "依据", "计时起点", "截止", "完成", "结果"],
           [[c["label"], c["basis"], f"{c['started_local']}（{c['start_basis_name']}）", c["due_local"],
             c["met_local"] or "-", c["status_name"]] for c in d["deadlines"]])
    doc.add_heading("回应效果", level=2)
    if d["effect"]:
        e = d["effect"]
        doc.add_paragraph(f"首次{e['kind_name']}：{e['response_local']}。{e['verdict_name']}：{e['reason']}。")
        doc.add_picture(io.BytesIO(pictures["effect"]), width=Cm(16))
    else:
        doc.add_paragraph("尚未登记发布或回应。")
    doc.add_heading("通知记录", level=2)
    _table(doc, ["时间", "内容", "发给", "结果"],
           [[n["fire_local"], n["subject"], n["to"], n["status_name"] + (f" {n['sent_local']}" if n["sent_local"] else "")]
            for n in d["notifications"]])
    doc.add_heading("处置记录", level=2)
    _table(doc, ["时间", "人员", "操作", "内容"],
           [[a["at_local"], "系统" if a["by"] == "system" else a["by"], a["action_name"], a["what"]] for a in d["actions"]])
    doc.add_heading("信息与证据", level=2)
    _table(doc, ["采集时间", "来源", "信息", "证据"],
           [[p["seen_local"], p["source_name"], f"{p['title']}\n{p['url']}",
             "\n".join(f"{'条目' if s['kind'] == 'item' else '原文'} sha256 {s['sha256']}" for s in p["evidence"]["snapshots"])
             + (f"\n已删除（{p['evidence']['gone_local']} 发现）" if p["evidence"].get("gone_at") else "")]
            for p in d["posts"]])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
