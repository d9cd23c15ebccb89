"""What a leader reads on a phone: a plain-text and an HTML part, a button to the issue's page, the
top posts with their source names and links, the superior article to repost, every notice about one
issue in one thread, and post text that cannot inject markup or headers."""
from __future__ import annotations

from datetime import datetime

from conftest import rss, write_config
from monitor.clock import UTC
from monitor.config.load import calendar_for, load_config
from monitor.desk.intake import intake
from monitor.store.db import open_db

CONSOLE = "console_url: https://yq.example.gov.cn\n"


def test_a_notice_has_text_and_html_parts_with_a_button_to_the_issue_and_its_top_posts(web, smtp, tmp_path, run):
    url = web.set("/f.xml", rss([
        ("<b>网友</b>: 青禾县审计局审计组接受宴请 &amp; 公车私用", "http://forum.example.cn/t/2", "",
         "青禾县审计局审计组被举报接受宴请"),
        ("青禾县审计局审计组被举报接受宴请", "http://forum.example.cn/t/1", "", "青禾县审计局审计组被举报"),
    ]).replace(b"<b>", b"&lt;b&gt;").replace(b"</b>", b"&lt;/b&gt;"))
    config = write_config(tmp_path, f'  - {{id: forum, name: 青禾论坛, kind: rss, url: "{url}"}}\n', smtp.port,
                          extra=CONSOLE)
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    assert run("--now", "2026-03-16T08:05+08:00", "declare", "1", "--level", "II", "--by", "李娜",
               config=config).exit_code == 0
    run("--now", "2026-03-16T11:00+08:00", "tick", config=config)
    (m,) = smtp.take()
    assert "https://yq.example.gov.cn/issues/1" in m.body
    assert "青禾论坛" in m.body and "http://forum.example.cn/t/1" in m.body and "forum，" not in m.body
    assert "monitor " not in m.body
    html = m.html
    assert html and 'href="https://yq.example.gov.cn/issues/1"' in html and "在舆情值班台打开" in html
    assert 'href="http://forum.example.cn/t/2"' in html
    assert "<b>网友</b>" in m.subject                                         # the issue's title is the post's
    assert "<b>网友</b>" not in html and "&lt;b&gt;网友&lt;/b&gt;" in html      # post text is text, subject too
    assert "<script" not in html


def test_every_notice_about_one_issue_is_in_one_thread_and_others_are_not(web, smtp, tmp_path, run):
    url = web.set("/f.xml", rss([("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "", "青禾县审计局审计组")]))
    config_path = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n', smtp.port, extra=CONSOLE)
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config_path)
    run("--now", "2026-03-16T08:05+08:00", "declare", "1", "--level", "II", "--by", "李娜", config=config_path)
    config = load_config(config_path)
    db = open_db(str(tmp_path / "monitor.db"))
    received = datetime(2026, 3, 16, 0, tzinfo=UTC)
    intake(db, config, calendar_for(config), "repost", "上级通报请转发", received, "李娜", received,
           url="https://www.superior.gov.cn/tzgg/9.html")
    for at in ("11:00", "12:00", "13:00", "14:00", "18:00"):
        run("--now", f"2026-03-16T{at}+08:00", "tick", config=config_path)
    mails = smtp.take()
    about_issue = [m for m in mails if "审计组" in m.subject]
    repost = [m for m in mails if "上级通报" in m.subject]
    assert len(about_issue) >= 3 and repost
    roots = {m.header("References") for m in about_issue}
    assert len(roots) == 1 and None not in roots
    assert {m.header("In-Reply-To") for m in about_issue} == roots
    assert len({m.message_id for m in about_issue}) == len(about_issue)
    assert repost[0].header("References") not in roots
    assert "上级原文：https://www.superior.gov.cn/tzgg/9.html" in repost[0].body
    assert "None" not in repost[0].body and "热度" not in repost[0].body


def test_a_post_whose_source_gave_only_a_date_is_shown_as_that_date_never_at_noon(web, smtp, tmp_path, run):
    """A list page that says 2026-03-16 for a post: the leader's email, the issue page and search say
    2026年3月16日, 时间不详, not 12:00."""
    page = ("<html><body><ul class='l'><li><a href='/1.html'>青禾县审计局审计组被举报接受宴请</a><span>2026-03-16</span>"
            "</li></ul></body></html>")
    url = web.set("/list.html", page, content_type="text/html; charset=utf-8")
    config = write_config(tmp_path, f'  - {{id: site, name: 青禾论坛, kind: html, url: "{url}", '
                                    'selectors: {item: "ul.l li", title: "a", link: "a@href", date: "span"}}\n',
                          smtp.port)
    run("--now", "2026-03-16T14:00+08:00", "collect", config=config)
    run("--now", "2026-03-16T14:01+08:00", "declare", "1", "--level", "II", "--by", "李娜", config=config)
    run("--now", "2026-03-16T17:00+08:00", "tick", config=config)          # 2 h before the 5 h release
    (mail,) = smtp.take()
    assert "2026年3月16日, 时间不详" in mail.body and "2026-03-16 12:00" not in mail.body, mail.body
