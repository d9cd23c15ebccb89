"""Reports built from a scripted database, their contents checked: the numbers in the summary and in
the cells, charts present with their Chinese labels drawn, the annual workbook's real cells and dates."""
from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from openpyxl import load_workbook

from conftest import rss, write_config

pytestmark = pytest.mark.backends


@pytest.fixture
def scripted(web, smtp, tmp_path, run):
    url = web.set("/f.xml", rss([
        ("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "Mon, 16 Mar 2026 00:10:00 GMT", "青禾县审计局审计组被举报"),
        ("青禾县审计局审计组接受宴请 网友: 太过分了必须严肃处理", "http://a.example.cn/2", "Mon, 16 Mar 2026 00:30:00 GMT",
         "青禾县审计局审计组被举报接受宴请"),
        ("青禾县审计局开展审计进社区宣讲活动", "http://a.example.cn/3", "Mon, 16 Mar 2026 01:00:00 GMT", "青禾县审计局宣讲"),
    ]))
    config = write_config(tmp_path, f'  - {{id: forum, name: 青禾论坛, kind: rss, url: "{url}", channel: social}}\n',
                          smtp.port)
    run("--now", "2026-03-16T09:30+08:00", "collect", config=config)
    run("--now", "2026-03-16T09:35+08:00", "declare", "1", "--level", "II", "--by", "李娜", config=config)
    run("--now", "2026-03-16T12:00+08:00", "respond", "1", "--kind", "release", "--url", "https://gov.example.cn/1",
        "--by", "李娜", config=config)
    run("--now", "2026-03-16T12:05+08:00", "intake", "--kind", "disclosure", "--title", "申请公开审计报告",
        "--received", "2026-03-16T10:00", config=config)
    return config


def test_the_daily_report_is_one_offline_html_with_the_days_numbers_and_charts(scripted, tmp_path, run):
    out = tmp_path / "daily.html"
    r = run("--now", "2026-03-17T08:00+08:00", "report", "daily", "--date", "2026-03-16", "--out", str(out),
            config=scripted)
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert "青禾县审计局舆情日报（2026年03月16日）" in html
    assert "本期共监测到相关信息 3 条" in html and "新增舆情 2 个" in html
    assert "审计组被举报接受宴请" in html and "II级" in html
    assert "发布权威信息" in html and "按时完成" in html
    assert "青禾论坛" in html and "社交媒体 3 条" in html
    assert html.count("<svg") == 2 and "<path" in html
    assert "<script" not in html and not re.search(r'(src|href)="https?://', html)   # nothing from the network


def test_a_report_without_a_chinese_font_says_which_package_to_install(monkeypatch, scripted, tmp_path, run):
    from monitor import fonts
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("No Such Font",))
    r = run("--now", "2026-03-17T08:00+08:00", "report", "daily", "--date", "2026-03-16", "--out",
            str(tmp_path / "d.html"), config=scripted)
    assert r.exit_code == 2 and "fonts-noto-cjk" in r.output


def test_the_annual_workbook_has_real_cells_chinese_headers_dates_and_a_chart(scripted, tmp_path, run):
    out = tmp_path / "annual.xlsx"
    r = run("--now", "2026-12-31T12:00+08:00", "report", "annual", "--year", "2026", "--out", str(out),
            config=scripted)
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["时限统计", "时限明细", "重复申请", "图表"]
    ws = wb["时限统计"]
    assert [c.value for c in ws[2]][:4] == ["事项", "开始计时", "按时完成", "超时完成"]
    by_kind = {row[0].value: row for row in ws.iter_rows(min_row=3, max_row=5)}
    assert by_kind["发布权威信息"][1].value == 1 and by_kind["发布权威信息"][2].value == 1
    assert by_kind["发布权威信息"][8].value == 1.0 and by_kind["发布权威信息"][8].number_format == "0.0%"
    detail = wb["时限明细"]
    rows = list(detail.iter_rows(min_row=2, values_only=True))
    release = next(r for r in rows if r[4] == "发布权威信息")
    assert release[6] == dt.datetime(2026, 3, 16, 9, 30) and isinstance(release[7], dt.datetime)   # local time
    assert release[9] == "按时完成"
    assert any(r[2] == "信息公开申请" and r[4] == "答复政府信息公开申请" for r in rows)
    assert wb["图表"]._charts                                                   # the chart sheet has its chart


def test_the_annual_csv_opens_in_excel_and_a_wrong_suffix_is_refused(scripted, tmp_path, run):
    out = tmp_path / "annual.csv"
    assert run("--now", "2026-12-31T12:00+08:00", "report", "annual", "--year", "2026", "--out", str(out),
               config=scripted).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:5] == ["编号", "标题", "类型", "级别", "事项"] and len(rows) >= 4
    r = run("report", "annual", "--year", "2026", "--out", str(tmp_path / "a.pdf"), config=scripted)
    assert r.exit_code == 2 and ".xlsx 或 .csv" in r.output


def test_requests_for_the_same_information_are_flagged_for_proactive_disclosure(scripted, tmp_path, run):
    for title, at in (("请求公开青禾县2025年度预算执行审计报告全文", "2026-04-01T10:00"),
                      ("关于公开2025年青禾县预算执行情况审计报告的申请", "2026-05-06T10:00"),
                      ("申请公开审计局办公楼维修合同", "2026-05-07T10:00")):
        run("--now", "2026-06-01T09:00+08:00", "intake", "--kind", "disclosure", "--title", title, "--received", at,
            config=scripted)
    run("--now", "2026-06-01T09:00+08:00", "intake", "--kind", "disclosure", "--title", "申请公开2025年度青禾县本级预算执行审计报告",
        "--received", "2026-03-20T10:00", config=scripted)
    out = tmp_path / "annual.xlsx"
    assert run("--now", "2026-12-31T12:00+08:00", "report", "annual", "--year", "2026", "--out", str(out),
               config=scripted).exit_code == 0
    rows = list(load_workbook(out)["重复申请"].iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in rows} == {3} and len(rows) == 3                   # one group of three
    assert all("预算执行" in r[3] for r in rows) and isinstance(rows[0][4], dt.datetime)


def pdf_pages(path, shots: str) -> list[str]:
    """The text of each page, and each page rendered to build/screenshots/<shots>-N.png to be looked at."""
    import pypdfium2
    from pathlib import Path
    out = Path(__file__).resolve().parent.parent / "build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    doc = pypdfium2.PdfDocument(str(path))
    texts = []
    for n, page in enumerate(doc):
        texts.append(page.get_textpage().get_text_range())
        page.render(scale=1.5).to_pil().save(out / f"{shots}-{n + 1}.png")
    return texts


def test_the_daily_report_as_pdf_has_the_same_numbers_in_chinese_text(scripted, tmp_path, run):
    out = tmp_path / "daily.pdf"
    r = run("--now", "2026-03-17T08:00+08:00", "report", "daily", "--date", "2026-03-16", "--out", str(out),
            config=scripted)
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"%PDF-")
    text = "".join(pdf_pages(out, "report-daily-pdf")).replace("\r", "").replace("\n", "")
    assert "舆情日报" in text and "本期共监测到相关信息 3 条" in text
    assert "审计组被举报接受宴请" in text and "社交媒体 3 条" in text


def test_the_dossier_records_how_the_issue_was_found_its_clocks_notices_actions_and_effect(scripted, tmp_path, run):
    out = tmp_path / "dossier.pdf"
    r = run("--now", "2026-03-18T08:00+08:00", "report", "issue", "1", "--out", str(out), config=scripted)
    assert r.exit_code == 0, r.output
    text = "".join(pdf_pages(out, "report-dossier-pdf")).replace("\r", "").replace("\n", "")
    assert "处置台账" in text and "审计组被举报接受宴请" in text
    assert "首次发现 2026-03-16 09:30" in text and "青禾论坛" in text               # how it was found
    assert "国办发〔2016〕80号" in text and "发布权威信息" in text and "按时完成" in text   # clocks with legal basis
    assert "李娜" in text and "定级" in text                                          # who did what
    assert "首次发布权威信息：2026-03-16 12:00" in text and "回应前 24 小时" in text      # the effect
    assert "条目 sha256" in text                                                      # the evidence kept


def test_the_dossier_as_word_has_tables_and_charts(scripted, tmp_path, run):
    from docx import Document
    out = tmp_path / "dossier.docx"
    r = run("--now", "2026-03-18T08:00+08:00", "report", "issue", "1", "--out", str(out), config=scripted)
    assert r.exit_code == 0, r.output
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "处置台账 · #1 青禾县审计局审计组被举报接受宴请"
    assert {"如何发现", "回应时限", "回应效果", "通知记录", "处置记录", "信息与证据"} <= set(headings)
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "发布权威信息" in cells and "按时完成" in cells and "李娜" in cells
    assert len(doc.inline_shapes) == 2                                                # spread and effect charts


def test_a_dossier_of_an_unknown_issue_or_a_wrong_suffix_is_one_line(scripted, tmp_path, run):
    r = run("report", "issue", "99", "--out", str(tmp_path / "x.pdf"), config=scripted)
    assert r.exit_code == 2 and "没有编号为 99 的舆情" in r.output
    r = run("report", "issue", "1", "--out", str(tmp_path / "x.txt"), config=scripted)
    assert r.exit_code == 2 and ".docx" in r.output


def test_the_monthly_report_aggregates_the_effect_of_each_response(scripted, tmp_path, run):
    out = tmp_path / "monthly.html"
    r = run("--now", "2026-04-01T08:00+08:00", "report", "monthly", "--date", "2026-03-16", "--out", str(out),
            config=scripted)
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    section = html.split("<h2>回应效果</h2>")[1].split("</section>")[0]
    assert "本期首次发布或回应 1 个：降温 1 个" in section
    assert "审计组被举报接受宴请" in section and "7.6 → 0.0" in section and "100% → 0%" in section


def test_a_cjk_font_installed_after_matplotlibs_cache_was_written_is_found(monkeypatch):
    """matplotlib lists fonts from the cache it wrote on its first run; the charts rebuild it once before
    saying the font is missing (the font was there, the cache predated it)."""
    from matplotlib import font_manager

    from monitor.fonts import cjk_font
    stale = font_manager.FontManager.__new__(font_manager.FontManager)
    stale.__dict__.update(font_manager.fontManager.__dict__)
    stale.ttflist = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager, "fontManager", stale)
    assert cjk_font().startswith("Noto Sans CJK")
