"""The duty console through its HTTP interface (Flask's test client over the real app and a real
database, SQLite and PostgreSQL): who may see and do what, and that what they do is recorded under their name."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.desk import actions, people
from monitor.store import audit, deadlines

from conftest import HOSTILE_TITLE, PASSWORD

pytestmark = pytest.mark.backends
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client, path: str = "/") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True))[1]


def login(client, name: str, password: str = PASSWORD, next_: str = "/"):
    return client.post("/login", data={"name": name, "password": password, "next": next_,
                                       "csrf_token": token(client, "/login")})


def issue_id_of(console) -> int:
    return console.db.execute("select issue_id from posts where url = 'http://a.example.cn/1'").fetchone()[0]


def test_every_page_needs_a_login_and_a_link_comes_back_to_its_page_after_it(console):
    c = console.app.test_client()
    for path in ("/", "/issues/1", "/intake", "/sources", "/search?q=审计组", "/audit", "/reports",
                 "/reports/daily.pdf", "/issues/1/dossier.pdf", "/snapshots/1", "/snapshots/1/original"):
        r = c.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next="), path
    r = login(c, "张敏", next_="/issues/1")
    assert r.status_code == 302 and r.headers["Location"] == "/issues/1"
    assert "审计组" in c.get("/issues/1").get_data(as_text=True)


def test_login_does_not_redirect_to_another_site(console):
    c = console.app.test_client()
    for target in ("https://evil.example.com/", "//evil.example.com/x", "/\\evil.example.com"):
        r = login(c, "张敏", next_=target)
        assert r.headers["Location"] == "/", target
        c.post("/logout", data={"csrf_token": token(c)})


def test_a_wrong_password_is_refused_and_the_sixth_try_is_refused_even_with_the_right_one(console):
    c = console.app.test_client()
    for _ in range(people.MAX_FAILURES_PER_NAME):
        r = login(c, "张敏", "wrong password")
        assert r.status_code == 401 and "用户名或密码不正确" in r.get_data(as_text=True)
    r = login(c, "张敏")
    assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
    console.clock.at += people.WINDOW + timedelta(minutes=1)
    assert login(c, "张敏").status_code == 302


def test_a_form_posted_without_its_csrf_token_is_refused(console):
    c = console.app.test_client()
    login(c, "张敏")
    issue = issue_id_of(console)
    r = c.post(f"/issues/{issue}/declare", data={"level": "II"})
    assert r.status_code == 400 and "校验码" in r.get_data(as_text=True)
    assert deadlines.of_issue(console.db, issue) == []


def test_an_action_is_recorded_under_the_logged_in_person_not_a_name_in_the_form(console):
    c = console.app.test_client()
    login(c, "张敏")
    issue = issue_id_of(console)
    r = c.post(f"/issues/{issue}/declare", data={"level": "II", "by": "别人", "csrf_token": token(c)})
    assert r.status_code == 302
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "已定为 II 级" in page and "发布权威信息" in page and "举行新闻发布会" in page
    declared = [a for a in audit.history(console.db, issue) if a["action"] == "declare"]
    assert [a["by"] for a in declared] == ["张敏"]


def test_a_leader_may_view_and_ack_but_not_record_a_response(console):
    c = console.app.test_client()
    login(c, "王局长")
    issue = issue_id_of(console)
    page = c.get(f"/issues/{issue}").get_data(as_text=True)
    assert "确认收到" in page and "登记发布 / 回应" not in page and "确认定级" not in page
    r = c.post(f"/issues/{issue}/respond", data={"kind": "release", "url": "https://gov.example.cn/1",
                                                   "csrf_token": token(c)})
    assert r.status_code == 403
    assert not [a for a in audit.history(console.db, issue) if a["action"] == "respond"]
    assert c.post(f"/issues/{issue}/ack", data={"csrf_token": token(c)}).status_code == 302
    assert [a["by"] for a in audit.history(console.db, issue) if a["action"] == "ack"] == ["王局长"]


def test_a_disabled_user_is_logged_out_at_the_next_click(console):
    c = console.app.test_client()
    login(c, "张敏")
    assert c.get("/").status_code == 200
    people.disable(console.db, "张敏")
    assert c.get("/").headers["Location"].startswith("/login")


def test_a_session_ends_after_a_shift(console):
    c = console.app.test_client()
    login(c, "张敏")
    console.clock.at += timedelta(hours=12, minutes=1)
    assert c.get("/").headers["Location"].startswith("/login")


def test_a_post_title_with_a_script_tag_is_shown_as_text(console):
    c = console.app.test_client()
    login(c, "张敏")
    issue = issue_id_of(console)
    for path in ("/", f"/issues/{issue}", "/search?q=宴请"):
        html = c.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


def test_a_library_error_is_a_message_on_the_page_not_a_server_error(console):
    c = console.app.test_client()
    login(c, "张敏")
    issue = issue_id_of(console)
    r = c.post(f"/issues/{issue}/respond", data={"kind": "release", "url": "not a url", "csrf_token": token(c)},
               headers={"Referer": f"/issues/{issue}"})
    assert r.status_code == 302
    assert "需要一个 http(s) 网址" in c.get(r.headers["Location"]).get_data(as_text=True)
    assert c.get("/issues/999999").status_code == 404
    assert c.get("/issues/99999999999999999999999").status_code == 404


def test_search_finds_chinese_words_of_two_and_of_more_characters(console):
    c = console.app.test_client()
    login(c, "张敏")
    three = c.get("/search?q=宣讲活动").get_data(as_text=True)
    assert "审计进社区宣讲活动" in three and "接受宴请" not in three
    two = c.get("/search?q=宴请").get_data(as_text=True)
    assert "2 条" in two and "宣讲活动" not in two
    both = c.get("/search?q=审计组 网友").get_data(as_text=True)
    assert "必须严肃处理" in both and "1 条" in both


def test_the_audit_page_filters_by_person_action_and_day_and_exports_csv(console):
    c = console.app.test_client()
    login(c, "张敏")
    issue = issue_id_of(console)
    c.post(f"/issues/{issue}/declare", data={"level": "IV", "csrf_token": token(c)})
    actions.ack(console.db, issue, "王局长", console.clock.now())

    def exported(query: str) -> list[list[str]]:
        r = c.get(f"/audit?{query}&format=csv")
        assert r.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows[0] == ["编号", "时间", "操作人", "舆情编号", "操作", "详情"]
        return rows[1:]

    everything = exported("")
    assert {r[2] for r in everything} == {"张敏", "王局长"}
    mine = exported("by=张敏")
    assert mine and {r[2] for r in mine} == {"张敏"} and len(mine) < len(everything)
    assert [r[4] for r in exported("action=declare")] == ["定级"]
    assert exported("from=2026-03-17") == []
    assert len(exported("from=2026-03-16&to=2026-03-16")) == len(everything)
    page = c.get("/audit?action=declare").get_data(as_text=True)
    assert "级别: IV" in page and "张敏" in page


def test_user_commands_add_list_and_disable_with_the_password_from_stdin(tmp_path):
    db = str(tmp_path / "m.db")
    r = CliRunner().invoke(cli, ["--db", db, "user", "add", "李娜", "--role", "duty", "--password-stdin"],
                           input="a long enough password\n")
    assert r.exit_code == 0 and "已添加用户 李娜 (值班员)" in r.output
    r = CliRunner().invoke(cli, ["--db", db, "user", "add", "李娜", "--role", "duty", "--password-stdin"],
                           input="another long password\n")
    assert r.exit_code == 2 and "已存在" in r.output
    r = CliRunner().invoke(cli, ["--db", db, "user", "add", "赵", "--role", "leader", "--password-stdin"], input="short\n")
    assert r.exit_code == 2 and "至少 8 个字符" in r.output
    assert CliRunner().invoke(cli, ["--db", db, "user", "disable", "李娜"]).exit_code == 0
    listing = CliRunner().invoke(cli, ["--db", db, "user", "list"]).output
    assert "李娜" in listing and "已停用" in listing
    row = CliRunner().invoke(cli, ["--db", db, "user", "list"]).output
    assert "a long enough password" not in row


def test_registering_a_disclosure_request_starts_its_working_day_clock(console):
    c = console.app.test_client()
    login(c, "张敏")
    r = c.post("/intake", data={"kind": "disclosure", "title": "申请公开2025年度审计报告",
                                "received": "2026-03-16T08:20", "from_name": "张三", "csrf_token": token(c, "/intake")})
    assert r.status_code == 302 and r.headers["Location"].startswith("/issues/")
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    # 20 working days from Monday 16 March 2026, with 清明 (Monday 6 April) off: Tuesday 14 April
    assert "答复政府信息公开申请" in page and "2026-04-14 23:59" in page and "延期答复" in page
    assert "热度" not in page            # a request has no heat: its page does not pretend
    listing = c.get("/intake").get_data(as_text=True)
    assert "申请公开2025年度审计报告" in listing and "信息公开申请" in listing
    assert [a["by"] for a in audit.search(console.db, action="intake")] == ["张敏"]


def test_the_intake_page_flags_repeated_requests_for_proactive_disclosure(console):
    c = console.app.test_client()
    login(c, "张敏")
    for title in ("申请公开2025年度青禾县本级预算执行审计报告", "请求公开青禾县2025年度预算执行审计报告全文"):
        c.post("/intake", data={"kind": "disclosure", "title": title, "received": "2026-03-16T08:00",
                                "csrf_token": token(c, "/intake")})
    page = c.get("/intake").get_data(as_text=True)
    assert "重复申请" in page and "2 次" in page and "可考虑主动公开" in page


def test_a_snapshot_is_read_as_text_and_its_original_bytes_download_with_their_sha256(console):
    import hashlib
    c = console.app.test_client()
    login(c, "王局长")                                   # a leader may read the evidence
    page = c.get(f"/issues/{issue_id_of(console)}").get_data(as_text=True)
    first = int(re.search(r'href="/snapshots/(\d+)"', page)[1])
    r = c.get(f"/snapshots/{first}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "证据快照" in html and "<script>" not in html.split("<main")[1]
    assert HOSTILE_TITLE.replace("<", "&lt;").replace(">", "&gt;") in html           # shown as text
    raw = c.get(f"/snapshots/{first}/original")
    assert raw.headers["Content-Disposition"].startswith("attachment")
    assert raw.mimetype == "application/octet-stream"
    assert hashlib.sha256(raw.data).hexdigest() in html
    assert c.get("/snapshots/999999").status_code == 404


def test_reports_and_the_dossier_download_from_the_console(console):
    c = console.app.test_client()
    login(c, "王局长")
    assert "舆情日报" in c.get("/reports").get_data(as_text=True)
    r = c.get("/reports/daily.html?date=2026-03-16")
    assert r.status_code == 200 and "本期共监测到相关信息" in r.get_data(as_text=True)
    r = c.get("/reports/weekly.pdf?date=2026-03-16")
    assert r.status_code == 200 and r.data.startswith(b"%PDF-")
    r = c.get("/reports/annual-2026.xlsx")
    assert r.status_code == 200 and r.data.startswith(b"PK")
    issue = issue_id_of(console)
    assert c.get(f"/issues/{issue}/dossier.pdf").data.startswith(b"%PDF-")
    assert c.get(f"/issues/{issue}/dossier.docx").data.startswith(b"PK")
    assert "处置台账" in c.get(f"/issues/{issue}/dossier.html").get_data(as_text=True)
    assert c.get("/reports/yearly.html").status_code in (302, 400)        # refused, with a message


def test_the_board_and_its_refresh_answer_during_a_mail_outage_with_notices_that_belong_to_no_issue(console):
    """A digest, a source-health notice or a grouped 预警 waiting to be sent has no issue to link to."""
    from monitor.clock import to_iso
    from monitor.store import outbox
    at = to_iso(console.clock.at)
    outbox.queue(console.db, {"key": "digest:test", "issue_id": None, "deadline_id": None, "stage": "digest",
                              "role": "duty", "recipients": '["duty@agency.example.cn"]', "subject": "【值班交接】测试",
                              "body": "正文", "html": None, "thread_id": None, "fire_at": at, "created_at": at,
                              "status": "pending", "late": 0, "message_id": "<t@localhost>"})
    c = console.app.test_client()
    login(c, "张敏")
    for path in ("/", "/?partial=board"):
        r = c.get(path)
        assert r.status_code == 200 and "【值班交接】测试" in r.get_data(as_text=True), path


def test_odd_search_text_is_an_answer_not_a_server_error(console):
    c = console.app.test_client()
    login(c, "张敏")
    for q in ("%00", "a%00b", "%22", "*", "NEAR(", "%E5%AE", "审" * 500):
        r = c.get(f"/search?q={q}")
        assert r.status_code == 200, (q, r.status_code)


def test_a_crawled_javascript_link_is_never_a_link_and_pages_carry_a_content_security_policy(console):
    console.db.execute("update posts set url = 'javascript:alert(document.cookie)' where id = "
                       "(select min(id) from posts)")
    c = console.app.test_client()
    login(c, "张敏")
    issue = console.db.execute("select issue_id from posts order by id limit 1").fetchone()[0]
    for path in (f"/issues/{issue}", "/search?q=审计组"):
        r = c.get(path)
        assert r.status_code == 200 and 'href="javascript:' not in r.get_data(as_text=True).lower(), path
        assert "script-src 'self'" in r.headers["Content-Security-Policy"], path


def test_behind_the_proxy_failed_logins_count_against_the_client_not_the_proxy(console):
    """Served as `monitor serve --behind-proxy` serves it (waitress + ProxyFix): X-Forwarded-For reaches the
    app, so one person's failed logins never lock a leader out (the limit is per address)."""
    import threading

    import httpx
    from waitress.server import create_server

    from monitor.cli.web import server_options
    from monitor.web import create_app
    app = create_app(console.config, console.db_path, console.clock, behind_proxy=True)
    server = create_server(app, host="127.0.0.1", port=0, threads=2, **server_options(True))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.effective_port}"
        with httpx.Client(base_url=base, headers={"X-Forwarded-For": "203.0.113.9"}) as c:
            token = TOKEN.search(c.get("/login").text)[1]
            c.post("/login", data={"name": "张敏", "password": "wrong", "next": "/", "csrf_token": token})
        remotes = {r for (r,) in console.db.execute("select remote from login_attempts")}
        assert remotes == {"203.0.113.9"}, remotes
    finally:
        server.trigger.pull_trigger(lambda: [ch.close() for ch in list(server._map.values())])
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()


def _session_cookie(client) -> str:
    return client.get_cookie("monitor_session").value


def test_logout_and_a_password_change_end_a_copied_session(console, run):
    c = console.app.test_client()
    login(c, "张敏")
    copied = _session_cookie(c)
    c.post("/logout", data={"csrf_token": token(c)})
    thief = console.app.test_client()
    thief.set_cookie("monitor_session", copied)
    assert thief.get("/").status_code == 302                # the copied cookie died with the logout

    c = console.app.test_client()
    login(c, "张敏")
    copied = _session_cookie(c)
    from monitor.desk import people
    people.set_password(console.db, "张敏", "another long password")
    thief = console.app.test_client()
    thief.set_cookie("monitor_session", copied)
    assert thief.get("/").status_code == 302                # and with the password change


def test_the_board_marks_an_issue_warned_of_and_not_yet_declared(console):
    from monitor.notify.render import Renderer
    from monitor.notify.tick import queue_notices
    queue_notices(console.db, console.config, console.clock.at, Renderer())
    c = console.app.test_client()
    login(c, "张敏")
    assert "已预警, 尚未定级" in c.get("/").get_data(as_text=True)
    issue = console.db.execute("select issue_id from issue_warnings limit 1").fetchone()[0]
    assert c.post(f"/issues/{issue}/dismiss", data={"csrf_token": token(c, f"/issues/{issue}"),
                                                    "reason": "与本单位无关"}).status_code == 302
    assert "已预警, 尚未定级" not in c.get("/").get_data(as_text=True)


def test_an_issues_posts_and_a_search_result_download_as_excel(console):
    import io

    from openpyxl import load_workbook
    c = console.app.test_client()
    login(c, "张敏")
    issue = console.db.execute("select issue_id from posts order by id limit 1").fetchone()[0]
    assert "posts.xlsx" in c.get(f"/issues/{issue}").get_data(as_text=True)
    for path in (f"/issues/{issue}/posts.xlsx", "/search.xlsx?q=审计组"):
        r = c.get(path)
        assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"], path
        ws = load_workbook(io.BytesIO(r.data)).active
        rows = list(ws.iter_rows(values_only=True))
        assert rows[1][:5] == ("编号", "标题", "来源", "发布时间", "情感") and len(rows) >= 3, rows[:3]
        assert rows[2][2] == "青禾论坛" and "T" not in str(rows[2][3]), rows[2]


def test_a_large_issue_shows_its_newest_posts_and_all_of_them_on_request(console):
    from monitor.web import pages
    c = console.app.test_client()
    login(c, "张敏")
    issue = issue_id_of(console)
    old, pages.POSTS_SHOWN = pages.POSTS_SHOWN, 1
    try:
        page = c.get(f"/issues/{issue}").get_data(as_text=True)
        assert "显示最新 1 条" in page and "必须严肃处理" in page and "alert(1)" not in page.split('id="posts"')[1]
        every = c.get(f"/issues/{issue}?posts=all").get_data(as_text=True)
        assert "显示最新" not in every and "alert(1)" in every.split('id="posts"')[1]
    finally:
        pages.POSTS_SHOWN = old


def test_the_board_lists_a_message_unanswered_for_three_months_as_failing_the_unit(console, run):
    assert run("--now", "2026-03-16T08:25+08:00", "intake", "--kind", "message", "--title", "咨询去年审计报告何时公开",
               "--received", "2025-12-10T09:00+08:00", config=console.config_path).exit_code == 0
    c = console.app.test_client()
    login(c, "张敏")
    page = c.get("/").get_data(as_text=True)
    assert "单项否决风险" in page and "已触发单项否决" in page and "咨询去年审计报告何时公开" in page
    assert "2026-03-10 09:00" in page                         # three months after its receipt
