"""Collection from a real local HTTP server: real Chinese feeds and pages from ../shared/data,
and sources that fail on purpose. Text reaches the database readable, failures become blind spots."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

import pytest

from conftest import rss, shared, write_config
from monitor.clock import SimClock
from monitor.collect.pipeline import Collector
from monitor.config.load import load_config
from monitor.judge.candidate import RawItem
from monitor.judge.sentiment import Judgement
from monitor.store.db import open_db

MOJIBAKE = ("Ã", "Â", "æ", "è", "ä", "Ð", "\ufffd")


def posts(tmp_path) -> list[dict]:
    con = sqlite3.connect(tmp_path / "monitor.db")
    con.row_factory = sqlite3.Row
    return [dict(r) for r in con.execute("select * from posts order by id")]


def test_gb2312_feed_with_non_rfc822_dates_is_stored_as_readable_chinese(web, tmp_path, run):
    shared("feeds/rss_parser/qq_news_china_gb2312.xml")
    url = f"{web.base_url}/shared/feeds/rss_parser/qq_news_china_gb2312.xml"
    config = write_config(tmp_path, f'  - {{id: qq, kind: rss, url: "{url}"}}\n', subject="最高法")
    r = run("--now", "2018-09-18T16:00:00+08:00", "collect", config=config)
    assert r.exit_code == 0, r.output
    stored = posts(tmp_path)
    assert [p["title"] for p in stored] == ["最高法：适时出台防卫过当的认定标准 鼓励正当防卫"]
    assert stored[0]["published_at"] == "2018-09-18T02:51:14+00:00"      # 10:51:14 Beijing time
    assert stored[0]["matched_rule"] == "主体词:最高法"


def test_gb2312_feed_without_declaration_does_not_become_mojibake():
    from monitor.collect.parse import parse_feed
    items = parse_feed(shared("feeds/feedparser_illformed/chardet_gb2312_no_decl.xml").read_bytes())
    assert [i.title for i in items] == ["不归移民漫画系列：专业工作"]


def test_list_page_declaring_gb2312_but_utf8_bytes_yields_its_items(web, tmp_path, run):
    shared("html/gerapy_list/netease_rolling_news.html")
    url = f"{web.base_url}/shared/html/gerapy_list/netease_rolling_news.html"
    web.routes.pop(url, None)
    config = write_config(tmp_path, f"""  - id: netease
    kind: html
    url: "{url}"
    selectors: {{item: "ul.list_txt li", title: "a:not(.cBlue)", link: "a:not(.cBlue)@href", date: "span.cDGray"}}
""", subject="特朗普")
    r = run("--now", "2020-08-17T09:00:00+08:00", "collect", config=config)
    assert r.exit_code == 0, r.output
    stored = posts(tmp_path)
    assert stored and all("特朗普" in p["title"] for p in stored)
    first = next(p for p in stored if p["url"] == "http://dy.163.com/article/FK6DC69605503FCU.html")
    assert first["published_at"] == "2020-08-16T13:58:28+00:00"
    assert not any(m in p["title"] for p in stored for m in MOJIBAKE)


def test_a_failing_source_is_a_blind_spot_and_the_others_carry_on(web, tmp_path, run):
    shared("feeds/rss_parser/qq_news_china_gb2312.xml")
    good = f"{web.base_url}/shared/feeds/rss_parser/qq_news_china_gb2312.xml"
    bad = web.set("/down.xml", "oops", "text/plain", status=500)
    html = web.set("/moved.xml", "<html><body>登录后查看</body></html>", "text/html")
    config = write_config(tmp_path, f"""  - {{id: down, kind: rss, url: "{bad}"}}
  - {{id: moved, kind: rss, url: "{html}"}}
  - {{id: qq, kind: rss, url: "{good}"}}
""", subject="最高法")
    for _ in range(3):
        r = run("collect", config=config)
        assert r.exit_code == 0, r.output
    assert len(posts(tmp_path)) == 1
    alerts = json.loads(run("alerts", "--json", config=config).output)
    broken = {s["id"]: s for s in alerts["sources"]}
    assert set(broken) == {"down", "moved"}
    assert broken["down"]["consecutive_failures"] == 3 and "http_500" in broken["down"]["last_error"]
    assert "blocked" in broken["moved"]["last_error"]          # a login page, not "0 new items"
    assert "异常来源" in run("alerts", config=config).output


def test_a_source_that_recovers_leaves_the_blind_spot_list(web, tmp_path, run):
    url = web.set("/flaky.xml", "oops", "text/plain", status=503)
    config = write_config(tmp_path, f'  - {{id: flaky, kind: rss, url: "{url}"}}\n')
    run("collect", config=config)
    assert json.loads(run("alerts", "--json", config=config).output)["sources"]
    web.set("/flaky.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>')
    run("collect", config=config)
    assert json.loads(run("alerts", "--json", config=config).output)["sources"] == []


def test_reposted_content_joins_the_issue_of_its_original(web, tmp_path, run):
    from conftest import rss
    body = "青禾县审计局审计组被指在乡镇审计期间接受宴请"
    url = web.set("/a.xml", rss([("网传青禾县审计局审计组接受宴请", "http://a.example.cn/1", "", body)]))
    url2 = web.set("/b.xml", rss([("网传青禾县审计局审计组接受宴请", "http://b.example.cn/zz/9", "", body)]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n  - {{id: b, kind: rss, url: "{url2}"}}\n')
    run("collect", config=config)
    issues = json.loads(run("issues", "--json", config=config).output)
    assert len(issues) == 1
    assert (issues[0]["post_count"], issues[0]["repost_count"], issues[0]["source_count"]) == (2, 1, 2)


def test_a_lightly_edited_repost_is_a_near_duplicate_in_the_same_issue(web, tmp_path, run):
    from conftest import rss
    body = ("3月15日中午，有网友在东坪镇一家农家乐看到青禾县审计局审计组几名工作人员与镇里干部一起吃饭喝酒，"
            "门口停着公车。审计的人吃被审计单位的饭，审计结果还能信吗？希望有关部门查一查。")
    edited = body.replace("3月15日中午，", "近日，").replace("希望有关部门查一查。", "希望有关部门认真调查。")
    other = "青禾县审计局组织干部职工到城郊开展春季义务植树活动，共栽下树苗三百余株。"
    a = web.set("/a.xml", rss([("青禾县审计局审计组被指接受宴请", "http://a.example.cn/1", "", body)]))
    b = web.set("/b.xml", rss([("转载：青禾县审计局审计组被指接受宴请", "http://b.example.cn/zz/2", "", edited),
                               ("青禾县审计局开展义务植树活动", "http://b.example.cn/3", "", other)]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{a}"}}\n  - {{id: b, kind: rss, url: "{b}"}}\n')
    run("collect", "--source", "a", config=config)
    run("collect", "--source", "b", config=config)
    stored = {p["url"]: p for p in posts(tmp_path)}
    near = stored["http://b.example.cn/zz/2"]
    assert near["duplicate_of"] == stored["http://a.example.cn/1"]["id"] and near["near_duplicate"] == 1
    assert stored["http://b.example.cn/3"]["duplicate_of"] is None
    issues = json.loads(run("issues", "--json", config=config).output)
    crisis = next(i for i in issues if i["id"] == stored["http://a.example.cn/1"]["issue_id"])
    assert (crisis["post_count"], crisis["repost_count"]) == (2, 1)


def test_simhash_separates_near_duplicates_from_different_news():
    from monitor.judge.simhash import distance, simhash
    a = simhash("青禾县审计局审计组被指在东坪镇开展审计期间接受被审计单位宴请，县纪委监委已介入调查")
    b = simhash("青禾县审计局审计组被指在东坪镇开展审计期间接受被审计单位宴请，县纪委已介入调查")
    c = simhash("青禾县审计局召开全县审计工作会议，部署今年的重点审计项目和整改工作")
    assert distance(a, b) <= 5 < 10 <= distance(a, c)
    assert simhash("太短") is None


def test_a_hanging_source_does_not_stop_the_others_in_a_pass(web, tmp_path, run):
    from conftest import Route, rss
    web.routes["/hang.xml"] = Route(body=b"", delay_s=3.0)
    ok = web.set("/ok.xml", rss([("青禾县审计局发布审计公告", "http://a.example.cn/1", "", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: hang, kind: rss, url: "{web.base_url}/hang.xml"}}\n'
                                    f'  - {{id: ok, kind: rss, url: "{ok}"}}\n')
    config.write_text(config.read_text(encoding="utf-8").replace("fetch: {host_delay: 0s, retries: 0}",
                                                                 "fetch: {host_delay: 0s, retries: 0, timeout: 1s}"),
                      encoding="utf-8")
    r = run("collect", config=config)
    assert r.exit_code == 0 and len(posts(tmp_path)) == 1
    assert "timeout" in json.loads(run("alerts", "--json", config=config).output)["sources"][0]["last_error"]


def test_gbk_bytes_under_a_wrong_utf8_header_still_read_as_chinese(web, tmp_path, run):
    from conftest import rss
    body = rss([("青禾县审计局发布审计公告", "http://a.example.cn/1", "", "青禾县审计局审计结果公告")], encoding="gbk")
    url = web.set("/gbk.xml", body, "application/xml; charset=utf-8")
    config = write_config(tmp_path, f'  - {{id: g, kind: rss, url: "{url}"}}\n')
    run("collect", config=config)
    assert [p["title"] for p in posts(tmp_path)] == ["青禾县审计局发布审计公告"]


def test_items_without_a_body_get_their_articles_main_text_extracted(web, tmp_path, run):
    shared("html/netease_gbk_2015/raw/5.html")
    page = ("<html><head><meta charset='utf-8'></head><body><ul class='list'>"
            "<li><a href='/shared/html/netease_gbk_2015/raw/5.html'>手机市场观察</a><span>2015-07-20</span></li>"
            "<li><a href='/shared/html/netease_gbk_2015/raw/4.html'>打车软件观察</a><span>2015-07-20</span></li>"
            "</ul></body></html>")
    url = web.set("/list.html", page, "text/html; charset=utf-8")
    config = write_config(tmp_path, f"""  - id: site
    kind: html
    url: "{url}"
    article: true
    selectors: {{item: "ul.list li", title: "a", link: "a@href", date: "span"}}
""", subject="刘军卸任")      # only in the body of article 5, never in a title
    r = run("--now", "2015-07-21T09:00+08:00", "collect", config=config)
    assert r.exit_code == 0, r.output
    stored = posts(tmp_path)
    assert [p["title"] for p in stored] == ["手机市场观察"]
    assert "杨元庆" in stored[0]["body"] and not any(m in stored[0]["body"] for m in MOJIBAKE)


def test_a_feed_that_changes_guids_does_not_reflood_and_an_edit_updates_in_place(web, tmp_path, run):
    def feed(guid: str, title: str) -> bytes:
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                f'<item><title>{title}</title><link>http://a.example.cn/1?utm_source=rss</link><guid>{guid}</guid>'
                f'<description>青禾县审计局审计组被举报</description></item></channel></rss>').encode()
    url = web.set("/f.xml", feed("g-1", "青禾县审计局审计组被举报接受宴请"))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n')
    run("collect", config=config)
    web.set("/f.xml", feed("g-2-new-guid", "青禾县审计局审计组被举报接受宴请"))
    run("collect", config=config)
    assert len(posts(tmp_path)) == 1
    web.set("/f.xml", feed("g-3", "青禾县审计局审计组被举报接受宴请（更新：纪委已介入）"))
    r = run("collect", config=config)
    assert "内容更新 1" in r.output
    stored = posts(tmp_path)
    assert [p["title"] for p in stored] == ["青禾县审计局审计组被举报接受宴请（更新：纪委已介入）"]
    con = sqlite3.connect(tmp_path / "monitor.db")
    assert con.execute("select title from post_versions").fetchall() == [("青禾县审计局审计组被举报接受宴请",)]


def test_list_pages_are_followed_to_the_configured_depth(web, tmp_path, run):
    def page(n: int, nxt: str | None) -> str:
        link = f"<a class='next' href='{nxt}'>下一页</a>" if nxt else ""
        return (f"<html><head><meta charset='utf-8'></head><body><ul class='list'>"
                f"<li><a href='/a/{n}.html'>青禾县审计局通知第{n}号</a></li></ul>{link}</body></html>")
    url = web.set("/list.html", page(1, "list_2.html"), "text/html; charset=utf-8")
    web.set("/list_2.html", page(2, "list_3.html"), "text/html; charset=utf-8")
    web.set("/list_3.html", page(3, "list.html"), "text/html; charset=utf-8")     # a loop back to page 1
    config = write_config(tmp_path, f"""  - id: site
    kind: html
    url: "{url}"
    pages: 5
    selectors: {{item: "ul.list li", title: "a", link: "a@href", next: "a.next@href"}}
""")
    run("collect", config=config)
    assert sorted(p["title"] for p in posts(tmp_path)) == [f"青禾县审计局通知第{n}号" for n in (1, 2, 3)]
    assert web.hits["/list.html"] == 1                                  # the loop is not followed


def test_a_future_publication_time_is_clamped_and_flagged(web, tmp_path, run):
    from conftest import rss
    url = web.set("/f.xml", rss([("青禾县审计局发布公告", "http://a.example.cn/1", "Wed, 01 Jan 2031 08:00:00 +0800",
                                  "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n')
    run("--now", "2026-03-16T09:00+08:00", "collect", config=config)
    shown = json.loads(run("show", "1", "--json", config=config).output)["posts"][0]
    assert (shown["published_at"], shown["published_clamped"]) == ("2026-03-16T01:00:00+00:00", 1)


def test_items_with_impossible_times_or_ports_are_dropped_and_cost_no_other_item_or_source(web, tmp_path, run):
    bad = web.set("/bad.xml", rss([
        ("青禾县审计局通报一", "http://a.example.cn/1", "2026-03-16 24:00", "青禾县审计局"),
        ("青禾县审计局通报二", "http://a.example.cn/2", "昨天 99:99", "青禾县审计局"),
        ("青禾县审计局通报三", "http://a.example.cn/3", "999999999天前", "青禾县审计局"),
        ("青禾县审计局通报四", "http://a.example.cn/4", "0001-01-01T00:00:00+14:00", "青禾县审计局"),
        ("青禾县审计局通报五", "http://a.example.cn:99999/5", "", "青禾县审计局"),
        ("青禾县审计局通报六", "http://a.example.cn/6", "Mon, 16 Mar 2026 07:50:00 +0800", "青禾县审计局"),
    ]))
    good = web.set("/good.xml", rss([("青禾县审计局召开会议", "http://b.example.cn/1", "", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: bad, kind: rss, url: "{bad}"}}\n'
                                    f'  - {{id: good, kind: rss, url: "{good}"}}\n')
    r = run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    posts = [p for i in json.loads(run("issues", "--json", "--all", config=config).output)
             for p in json.loads(run("show", str(i["id"]), "--json", config=config).output)["posts"]]
    titles = {p["title"] for p in posts}
    assert {"青禾县审计局通报六", "青禾县审计局召开会议"} <= titles and "青禾县审计局通报五" not in titles
    times = {p["title"]: p["published_at"] for p in posts}
    assert all(times.get(f"青禾县审计局通报{n}") is None for n in "一二三四")     # kept, without a time


class _FailsOn:
    """A scorer that raises on one title, as an unexpected bug would."""

    def __init__(self, title: str):
        self.title = title

    def judge(self, title: str, body: str = "", kind: str = "news") -> Judgement:
        if title == self.title:
            raise RuntimeError("scorer bug")
        return Judgement("negative", 0.1, 0.9)


def test_an_item_that_fails_unexpectedly_leaves_nothing_behind_and_the_pass_goes_on(tmp_path):
    config = load_config(write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n"))
    db = open_db(str(tmp_path / "monitor.db"))
    now = datetime(2026, 3, 16, tzinfo=timezone.utc)
    collector = Collector(db, config, SimClock(now), scorer=_FailsOn("青禾县审计局坏条目"))
    report = collector.judge_items(config.source("a"), [
        RawItem("青禾县审计局审计组接受宴请", "http://a.example.cn/1", "审计组接受宴请"),
        RawItem("青禾县审计局坏条目", "http://a.example.cn/2", "完全不同的另一件事情内容"),
        RawItem("青禾县审计局审计组接受宴请 纪委介入", "http://a.example.cn/3", "审计组接受宴请 纪委介入"),
    ], now)
    assert report.dropped == {"bad_item": 1} and report.new_posts == 2 and len(report.new_issue_ids) == 1
    assert [r["title"] for r in db.query("select title from posts order by id")] == [
        "青禾县审计局审计组接受宴请", "青禾县审计局审计组接受宴请 纪委介入"]
    assert db.execute("select count(*) from issues").fetchone()[0] == 1


@pytest.mark.parametrize("content_type, declaration", [
    ("application/xml; charset=iso-8859-1", "gbk"),       # a header that says latin-1
    ("application/xml; charset=utf-8", "utf-8"),          # header and XML declaration both say UTF-8
    ("text/xml", "utf-8"),
])
def test_gbk_feeds_under_wrong_charset_claims_are_read_as_chinese_not_quietly_empty(web, tmp_path, run,
                                                                                     content_type, declaration):
    from conftest import rss
    body = rss([("青禾县审计局发布审计公告", "http://a.example.cn/1", "", "青禾县审计局审计结果公告")], encoding="gbk")
    body = body.replace(b'encoding="gbk"', f'encoding="{declaration}"'.encode())
    url = web.set("/gbk.xml", body, content_type)
    config = write_config(tmp_path, f'  - {{id: g, kind: rss, url: "{url}"}}\n')
    run("collect", config=config)
    assert [p["title"] for p in posts(tmp_path)] == ["青禾县审计局发布审计公告"]


def test_a_five_megabyte_title_is_cut_at_parse_time_and_the_item_kept(web, tmp_path, run):
    from conftest import rss
    from monitor.collect.parse import TITLE_MAX
    huge = "青禾县审计局审计组被举报接受宴请" + "很长" * (5 * 1024 * 1024 // 6)
    url = web.set("/big.xml", rss([(huge, "http://a.example.cn/1", "", "青禾县审计局审计组被举报")]))
    config = write_config(tmp_path, f'  - {{id: b, kind: rss, url: "{url}"}}\n')
    r = run("collect", config=config)
    assert r.exit_code == 0, r.output
    [stored] = posts(tmp_path)
    assert stored["title"].startswith("青禾县审计局审计组被举报接受宴请") and len(stored["title"]) <= TITLE_MAX


class _KilledOn(_FailsOn):
    """A scorer during which the process dies (as by kill -9: nothing after it runs)."""

    def judge(self, title: str, body: str = "", kind: str = "news") -> Judgement:
        if title == self.title:
            raise SystemExit("killed")
        return Judgement("negative", 0.1, 0.9)


def test_a_long_pass_commits_in_batches_so_a_crash_keeps_what_was_judged_before_it(tmp_path):
    from monitor.collect.pipeline import COMMIT_EVERY
    config = load_config(write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n"))
    db = open_db(str(tmp_path / "monitor.db"))
    now = datetime(2026, 3, 16, tzinfo=timezone.utc)
    items = [RawItem(f"青禾县审计局第{i}号审计公告 {i * 7919 % 10007}", f"http://a.example.cn/{i}", f"公告正文 {i}")
             for i in range(2 * COMMIT_EVERY + 50)]
    collector = Collector(db, config, SimClock(now), scorer=_KilledOn(items[COMMIT_EVERY + 10].title))
    with pytest.raises(SystemExit):
        collector.judge_items(config.source("a"), items, now)
    kept = db.execute("select count(*) from posts").fetchone()[0]
    assert kept == COMMIT_EVERY                                      # the first batch, whole
    assert db.execute("select count(*) from issues where post_count = 0").fetchone()[0] == 0
    # the next pass (a fresh process) takes up the rest and stores nothing twice
    report = Collector(db, config, SimClock(now)).judge_items(config.source("a"), items, now)
    assert report.new_posts == len(items) - COMMIT_EVERY
    assert db.execute("select count(*) from posts").fetchone()[0] == len(items)


def test_a_near_duplicate_is_looked_for_within_the_window_not_in_all_history(tmp_path):
    from datetime import timedelta
    config = load_config(write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n"))
    db = open_db(str(tmp_path / "monitor.db"))
    now = datetime(2026, 3, 16, tzinfo=timezone.utc)
    text = ("3月15日中午，有网友在东坪镇一家农家乐看到青禾县审计局审计组几名工作人员与镇里干部一起吃饭喝酒，"
            "门口停着公车。审计的人吃被审计单位的饭，审计结果还能信吗？希望有关部门查一查。")
    edited = text.replace("3月15日中午，", "近日，").replace("希望有关部门查一查。", "希望有关部门认真调查。")
    again = text.replace("3月15日中午，", "那天中午，")
    collector = Collector(db, config, SimClock(now))
    collector.judge_items(config.source("a"), [RawItem("青禾县审计局审计组被指接受宴请", "http://a.example.cn/1", text)],
                          now)
    soon = collector.judge_items(config.source("a"), [RawItem("转载：青禾县审计局审计组被指接受宴请",
                                                              "http://b.example.cn/1", edited)], now + timedelta(days=2))
    later = collector.judge_items(config.source("a"), [RawItem("青禾县审计局审计组被指接受宴请",
                                                               "http://c.example.cn/1", again)], now + timedelta(days=30))
    assert soon.reposts == 1                 # two days on: a near-duplicate of the original
    assert later.reposts == 0                # a month on, outside the 7-day window: judged as a post of its own


def test_a_candidates_copy_with_changes_is_what_dataclasses_replace_gives_and_refuses_unknown_fields():
    import dataclasses
    from monitor.judge.candidate import Candidate, RawItem
    c = Candidate("a", False, 1.0, RawItem("标题", "http://a.example.cn/1", "正文", None),
                  datetime(2026, 3, 16, tzinfo=timezone.utc), signature={"审计": 1})
    assert c.but(title="新标题", issue_id=3) == dataclasses.replace(c, title="新标题", issue_id=3)
    assert c.but(title="新标题").signature is c.signature and c.title == ""
    with pytest.raises(TypeError):
        c.but(titel="错字")


def test_a_gbk_list_page_under_a_latin1_header_and_meta_is_read_as_chinese(web, tmp_path, run):
    """A Chinese site's server default (ISO-8859-1 in the header and the meta) on GBK bytes: the claim the
    bytes do not bear out is overruled, as for feeds, and the posts are stored."""
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body>'
            '<ul class="list"><li><a href="/1.html">青禾县审计局审计组被举报接受宴请</a><span>2026-03-16</span></li>'
            '</ul></body></html>').encode("gbk")
    url = web.set("/list.html", page, content_type="text/html; charset=ISO-8859-1")
    config = write_config(tmp_path, f'  - {{id: site, kind: html, url: "{url}", '
                                    'selectors: {item: "ul.list li", title: "a", link: "a@href", date: "span"}}\n')
    r = run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    assert r.exit_code == 0, r.output
    import sqlite3
    titles = [t for (t,) in sqlite3.connect(tmp_path / "monitor.db").execute("select title from posts")]
    assert titles == ["青禾县审计局审计组被举报接受宴请"], (titles, r.output)


def test_an_empty_list_page_is_no_news_a_changed_layout_is_an_error_and_recovery_clears_it(web, tmp_path, run):
    selectors = 'selectors: {item: "ul.threads li", title: "a", link: "a@href"}'
    config = write_config(tmp_path, f'  - {{id: bbs, kind: html, url: "{web.base_url}/list.html", {selectors}}}\n')
    web.set("/list.html", "<html><body><ul class='threads'></ul></body></html>", content_type="text/html")
    r = run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    assert "正常" in r.output and "失败" not in r.output, r.output          # a quiet forum: nothing new today
    web.set("/list.html", "<html><body><div class='new-layout'><p>改版了</p></div></body></html>",
            content_type="text/html")
    r = run("--now", "2026-03-16T09:00+08:00", "collect", config=config)
    assert "失败" in r.output and "选择器" in r.output, r.output           # the list itself is gone: layout changed
    web.set("/list.html", "<html><body><ul class='threads'><li><a href='/1'>青禾县审计局通报</a></li></ul></body></html>",
            content_type="text/html")
    run("--now", "2026-03-16T10:00+08:00", "collect", config=config)
    import json
    (source,) = json.loads(run("--now", "2026-03-16T10:00+08:00", "sources", "--json", config=config).output)
    assert source["state"] == "ok" and not source["last_error"], source


def test_deciding_an_item_writes_nothing_and_the_pass_then_stores_what_was_decided(tmp_path):
    config = load_config(write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n"
                                                "  - {id: done, kind: html, url: 'http://127.0.0.1:9/done',"
                                                " board: answered, selectors: {item: li, title: a, link: a}}\n"))
    db = open_db(str(tmp_path / "monitor.db"))
    now = datetime(2026, 3, 16, tzinfo=timezone.utc)
    collector = Collector(db, config, SimClock(now))
    ctx = collector.context(now)
    complaint = RawItem("青禾县审计局审计组被指接受宴请", "http://a.example.cn/1", "审计组在农家乐接受宴请")
    answered = RawItem("关于青禾县审计局审计组接受宴请的留言", "http://liuyan.example.cn/9", "已办理")
    before = db.conn.total_changes
    outcomes = [collector.decide(config.source("a"), complaint, now, ctx),
                collector.decide(config.source("done"), answered, now, ctx)]
    assert db.conn.total_changes == before                       # a decision is not a write
    assert outcomes[0].verdict.new_issue and not outcomes[0].answered
    assert outcomes[1].answered and outcomes[1].answers is None  # a message never seen pending: store it first
    assert db.execute("select count(*) from posts").fetchone()[0] == 0
    report = collector.judge_items(config.source("a"), [complaint], now)
    assert report.new_posts == 1 and len(report.new_issue_ids) == 1
