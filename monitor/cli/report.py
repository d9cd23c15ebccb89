"""`monitor report`: the 舆情日报/周报/月报 (HTML) and the annual timeliness tables (xlsx or csv)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..clock import parse_cli_date

from ..errors import InvalidInput
from ..report import annual, dossier, pdf, period
from .app import App, echo, pass_app


@click.group("report")
def report():
    """生成报告: 舆情日报、周报、月报, 处置台账, 年度政务公开统计。

    \b
    示例:
      monitor report daily --date 2026-03-16 --out 舆情日报-0316.html
    """


def _period_command(kind: str, label: str):
    @click.command(kind, help=f"""{label}: .html (单个文件, 图表内嵌, 离线和手机上都能看) 或 .pdf (A4, 打印归档)。

    \b
    示例:
      monitor report {kind} --date 2026-03-16 --out {label}.html
      monitor report {kind} --date 2026-03-16 --out {label}.pdf
    """)
    @click.option("--date", "day", metavar="YYYY-MM-DD", help="报告期内的一天 (默认: 今天)。")
    @click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
                  help="输出文件 (.html 或 .pdf)。")
    @pass_app
    def command(app: App, day, out_path):
        config = app.config()
        when = _day(day) if day else app.now().astimezone(config.tz).date()
        _write(out_path, period.render(app.existing_db, config, kind, when, app.now()))
        echo(f"已生成 {out_path}")
    return command


def _write(out_path: str, html: str) -> None:
    if out_path.endswith((".html", ".htm")):
        Path(out_path).write_text(html, encoding="utf-8")
    elif out_path.endswith(".pdf"):
        Path(out_path).write_bytes(pdf.html_to_pdf(html))
    else:
        raise InvalidInput("--out 应为 .html 或 .pdf 文件")


def _day(text: str) -> dt.date:
    return parse_cli_date(text, "--date ")


for _kind, _label in (("daily", "舆情日报"), ("weekly", "舆情周报"), ("monthly", "舆情月报")):
    report.add_command(_period_command(_kind, _label))


@report.command("annual")
@click.option("--year", type=int, required=True)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="输出文件 (.xlsx 或 .csv)。")
@pass_app
def report_annual(app: App, year, out_path):
    """年度回应时限统计表: 按事项统计收到、按时、超时、延期, 各级别, 每个时限的明细。

    \b
    示例:
      monitor report annual --year 2026 --out 2026年回应时限统计.xlsx
    """
    config = app.config()
    summary, detail = annual.tables(app.existing_db, config, year, app.now())
    path = Path(out_path)
    if path.suffix == ".xlsx":
        annual.write_xlsx(path, config, year, summary, detail, annual.repeated(app.existing_db, config, year))
    elif path.suffix == ".csv":
        annual.write_csv(path, detail)
    else:
        raise InvalidInput("--out 应为 .xlsx 或 .csv 文件")
    echo(f"已生成 {out_path} ({len(detail)} 项时限)")


@report.command("issue")
@click.argument("issue_id", type=int)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="输出文件 (.pdf、.docx 或 .html)。")
@pass_app
def report_issue(app: App, issue_id, out_path):
    """处置台账: 一条舆情的完整记录 (如何发现和传播、每个时限及其依据、每条通知和操作、
    回应效果、固定的证据), 用于总结和问责。

    \b
    示例:
      monitor report issue 12 --out 处置台账-12.pdf
      monitor report issue 12 --out 处置台账-12.docx
    """
    config = app.config()
    db = app.existing_db
    if not out_path.endswith((".pdf", ".docx", ".html", ".htm")):
        raise InvalidInput("--out 应为 .pdf、.docx 或 .html 文件")
    d = dossier.gather(db, config, issue_id, app.now())
    if out_path.endswith(".docx"):
        Path(out_path).write_bytes(dossier.docx(d))
    else:
        _write(out_path, dossier.html(d))
    echo(f"已生成 {out_path}")
