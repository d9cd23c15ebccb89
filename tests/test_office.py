"""Many units on one installation (config/office.py): each unit's own console under /u/<unit>/ shows its
own issues only and refuses another unit's login; the 政务公开办's 督查台 reads across every unit, changes
nothing, ranks them for the quarterly 督促检查 and exports the ranking. Real HTTP server, real files."""
from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from http.cookiejar import CookieJar
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from waitress.server import create_server

from conftest import rss
from test_reports import pdf_pages
from test_console_browser import browser, shot  # noqa: F401  (the module's Chromium and screenshots)
from monitor.cli.app import cli
from monitor.clock import FixedClock
from monitor.config.office import load_office, unit_database
from monitor.desk import people
from monitor.errors import ConfigError
from monitor.store.db import open_db
from monitor.web.office import create_office_app

PASSWORD = "a long enough password"
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=TZ)

pytestmark = pytest.mark.backends

UNIT = """\
agency:
  name: {name}
  keywords: {{subject: [{name}]}}
timezone: Asia/Shanghai
fetch: {{host_delay: 0s, retries: 0}}
digest: {{at: []}}
sources:
  - {{id: forum, name: 青禾论坛, kind: rss, url: "{url}"}}
people:
  duty: [duty@{id}.example.cn]
"""


def monitor(*args: str):
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


def build_office(web, tmp_path, database: str | None = None):
    """The office folder; with `database` (PostgreSQL) every unit is a schema there instead of a file."""
    root = tmp_path / "office"
    (root / "agencies").mkdir(parents=True)
    (root / "office.yaml").write_text("office: 青禾县政务公开办\nsupervisors: [gongkai@qinghe.gov.cn]\n"
                                      + (f"database: {database}\n" if database else ""), encoding="utf-8")
    units = {"shenji": ("青禾县审计局", "青禾县审计局审计组被举报在农家乐接受宴请", "网友反映青禾县审计局审计组吃请"),
             "jiaoyu": ("青禾县教育局", "青禾县教育局被指默许学校乱收补课费", "家长反映青禾县教育局默许乱收费")}

    def db_of(unit_id: str) -> str:
        return unit_database(database, unit_id) if database else str(root / "agencies" / unit_id / "monitor.db")
    for unit_id, (name, title, body) in units.items():
        url = web.set(f"/{unit_id}.xml", rss([(title, f"http://{unit_id}.example.cn/1", "", body)]))
        folder = root / "agencies" / unit_id
        folder.mkdir()
        (folder / "sources.yaml").write_text(UNIT.format(name=name, url=url, id=unit_id), encoding="utf-8")
        base = ["--config", str(folder / "sources.yaml"), "--db", db_of(unit_id), "--now",
                "2026-03-16T09:00+08:00"]
        monitor(*base, "collect")
        db = open_db(db_of(unit_id))
        people.add(db, f"{unit_id}值班员", "duty", PASSWORD, NOW, "test")
        db.conn.close()
    monitor("--config", str(root / "agencies/shenji/sources.yaml"), "--db", db_of("shenji"),
            "--now", "2026-03-16T09:10+08:00", "declare", "1", "--level", "II", "--by", "李娜")
    monitor("--config", str(root / "agencies/jiaoyu/sources.yaml"), "--db", db_of("jiaoyu"),
            "--now", "2026-03-16T09:10+08:00", "intake", "--kind", "message", "--title", "咨询课后服务收费标准",
            "--received", "2025-11-10T09:00+08:00")
    office_db = open_db(db_of("office") if database else str(root / "office.db"))
    people.add(office_db, "公开办督查", "supervisor", PASSWORD, NOW, "test")
    people.add(office_db, "误建的值班员", "duty", PASSWORD, NOW, "test")
    office_db.conn.close()
    return root


@pytest.fixture
def office(web, tmp_path, backend, request):
    """Two units with an issue each (审计局: a complaint about a dinner, declared II; 教育局: school fees) and
    a message to 教育局 left unanswered for four months; a duty officer in each, a supervisor in the office;
    the installation's console served. On PostgreSQL: one new database, a schema per unit."""
    database = request.getfixturevalue("pg_session").new_database() if backend == "postgresql" else None
    root = build_office(web, tmp_path, database)
    app = create_office_app(load_office(root), FixedClock(NOW))
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield SimpleNamespace(root=root, base=f"http://127.0.0.1:{server.effective_port}")
    # closed from the server's own loop thread (closing from here races its select: EBADF warnings)
    server.trigger.pull_trigger(lambda: [channel.close() for channel in list(server._map.values())])
    thread.join(timeout=10)
    server.task_dispatcher.shutdown()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies kept and sent by path as a browser does (http.cookiejar); redirects not followed."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)

    def request(self, url: str, data: dict | None = None) -> SimpleNamespace:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            r = self.opener.open(urllib.request.Request(url, data=body), timeout=30)
        except urllib.error.HTTPError as e:
            r = e
        return SimpleNamespace(status=r.status if hasattr(r, "status") else r.code, headers=r.headers,
                               body=r.read())

    def get(self, url: str) -> SimpleNamespace:
        return self.request(url)

    def text(self, url: str) -> str:
        r = self.get(url)
        assert r.status == 200, (url, r.status)
        return r.body.decode("utf-8")

    def post(self, url: str, data: dict) -> SimpleNamespace:
        return self.request(url, data)


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(base: str, prefix: str, name: str) -> Browser:
    b = Browser()
    token = token_of(b.text(f"{base}{prefix}/login"))
    r = b.post(f"{base}{prefix}/login", {"csrf_token": token, "name": name, "password": PASSWORD, "next": "/"})
    assert r.status == 302, (prefix, name, r.status)
    assert r.headers["Location"] == f"{prefix}/", r.headers["Location"]      # stays in its own console
    return b


UNIT_PAGES = ["/", "/intake", "/sources", "/search?q=%E9%9D%92%E7%A6%BE", "/search.xlsx?q=%E9%9D%92", "/audit",
              "/reports", "/issues/1", "/issues/1/dossier.docx", "/issues/1/posts.xlsx",
              "/reports/daily.html", "/reports/annual-2026.xlsx", "/snapshots/1", "/snapshots/1/original"]


def test_each_unit_sees_its_own_issues_only_and_a_login_of_one_unit_opens_nothing_of_another(office):
    audit = log_in(office.base, "/u/shenji", "shenji值班员")
    education = log_in(office.base, "/u/jiaoyu", "jiaoyu值班员")
    home = audit.text(f"{office.base}/u/shenji/")
    assert "农家乐接受宴请" in home and "乱收补课费" not in home
    home = education.text(f"{office.base}/u/jiaoyu/")
    assert "乱收补课费" in home and "农家乐接受宴请" not in home
    for path in UNIT_PAGES:                   # every page, export, search, snapshot and report of the other unit
        assert audit.get(f"{office.base}/u/shenji{path}").status == 200, path      # each its own: served
        assert education.get(f"{office.base}/u/jiaoyu{path}").status == 200, path
        for session, other in ((audit, "/u/jiaoyu"), (education, "/u/shenji"), (Browser(), "/u/shenji")):
            r = session.get(f"{office.base}{other}{path}")
            assert r.status == 302 and r.headers["Location"].startswith(f"{other}/login"), (other, path, r.status)
    assert education.get(f"{office.base}/u/jiaoyu/issues/2").status == 200      # 教育局's message
    assert audit.get(f"{office.base}/u/jiaoyu/issues/2").status == 302
    # one unit's account does not exist in the other unit
    other = Browser()
    token = token_of(other.text(f"{office.base}/u/jiaoyu/login"))
    r = other.post(f"{office.base}/u/jiaoyu/login", {"csrf_token": token, "name": "shenji值班员", "password": PASSWORD})
    assert r.status == 401
    assert audit.get(f"{office.base}/").status == 302          # nor in the office


def test_the_supervisor_reads_every_unit_ranks_them_and_changes_nothing(office):
    s = log_in(office.base, "", "公开办督查")
    page = s.text(f"{office.base}/")
    assert "青禾县审计局" in page and "青禾县教育局" in page and "2026年第1季度" in page
    pressing = page[page.index("<main>"):][page[page.index("<main>"):].index("超时和 24 小时内到期的时限"):]
    assert "发布权威信息" in pressing and "截止 2026-03-16 14:00" in pressing       # 审计局's 5 h, from 09:00
    assert "答复网民留言" in pressing and "超时" in pressing                            # 教育局's message
    unit = s.text(f"{office.base}/units/jiaoyu")
    assert "乱收补课费" in unit and "咨询课后服务收费标准" in unit and "已触发单项否决" in unit
    assert "农家乐" not in unit
    ranking = s.text(f"{office.base}/ranking?quarter=2026Q1")
    order = re.findall(r"<tr><td data-label=\"名次\">(\d+)</td><td><b>([^<]+)</b>", ranking[:ranking.index("下发处理排名")])
    assert order == [("1", "青禾县审计局"), ("2", "青禾县教育局")]        # 教育局 failed a 单项否决 check
    xlsx = s.get(f"{office.base}/ranking.xlsx?quarter=2026Q1")
    assert xlsx.status == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(xlsx.body))
    rows = list(wb["督促检查排名"].iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, "青禾县审计局", 0), (2, "青禾县教育局", 1)]
    assert [r[3] for r in wb["单项否决"].iter_rows(min_row=2, values_only=True)] == ["咨询课后服务收费标准"]
    # the supervisor's login opens no unit's console, and the office has no page that writes
    for prefix in ("/u/shenji", "/u/jiaoyu"):
        r = s.get(f"{office.base}{prefix}/")
        assert r.status == 302 and r.headers["Location"].startswith(f"{prefix}/login")
    assert s.post(f"{office.base}/units/jiaoyu", {"csrf_token": token_of(page)}).status == 405


def test_an_account_that_is_not_a_supervisor_cannot_use_the_office(office):
    s = Browser()
    token = token_of(s.text(f"{office.base}/login"))
    s.post(f"{office.base}/login", {"csrf_token": token, "name": "误建的值班员", "password": PASSWORD, "next": "/"})
    r = s.get(f"{office.base}/")
    assert r.status == 302 and "/login" in r.headers["Location"]


def test_the_office_commands_check_every_file_and_rank_the_units(office, tmp_path):
    r = monitor("office", "check", str(office.root))
    assert "2 个单位" in r.output and "青禾县审计局 (shenji)" in r.output
    out = tmp_path / "排名.xlsx"
    r = monitor("--now", "2026-03-16T10:00+08:00", "office", "ranking", str(office.root), "--quarter", "2026Q1",
                "--out", str(out))
    assert "2026年第1季度" in r.output and out.exists()
    r = monitor("--now", "2026-03-16T10:00+08:00", "office", "ranking", str(office.root))
    assert r.output.splitlines()[0].startswith("1\t青禾县审计局")
    pdf = tmp_path / "排名.pdf"
    monitor("--now", "2026-03-16T10:00+08:00", "office", "ranking", str(office.root), "--quarter", "2026Q1",
            "--out", str(pdf))
    text = "".join(pdf_pages(pdf, "office-ranking-pdf")).replace("\r", "").replace("\n", "")
    assert "青禾县政务公开办 2026年第1季度 政务舆情回应督促检查排名" in text
    assert text.index("青禾县审计局") < text.index("青禾县教育局") and "下发处理排名" in text
    assert "咨询课后服务收费标准" in text                  # the failed check, named
    (office.root / "agencies/jiaoyu/sources.yaml").write_text("agency: {name: 青禾县教育局}\nsources: 3\n",
                                                             encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_office(office.root)
    assert any(p.startswith(f"{office.root}/agencies/jiaoyu/sources.yaml:") for p in e.value.problems)
    r = CliRunner().invoke(cli, ["office", "check", str(office.root)])
    assert r.exit_code == 2 and "agencies/jiaoyu/sources.yaml:" in r.output


@pytest.mark.browser
def test_the_supervisor_pages_read_on_a_laptop_and_a_phone(office, browser):
    from playwright.sync_api import expect
    for label, viewport in (("laptop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844})):
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        pg = context.new_page()
        pg.goto(office.base + "/")
        expect(pg.locator("h1")).to_contain_text("登录督查台")
        pg.click("input[name=name]")
        pg.keyboard.type("公开办督查")
        pg.click("input[name=password]")
        pg.keyboard.type(PASSWORD)
        pg.click("button:has-text('登录')")
        expect(pg.locator("main")).to_contain_text("青禾县教育局")
        for name, path in (("office", "/"), ("office-unit", "/units/jiaoyu"), ("office-ranking", "/ranking")):
            pg.goto(office.base + path)
            assert "服务器内部错误" not in pg.content(), path
            assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1, (label, path)
            shot(pg, f"{label}-{name}")
        pg.click("button:has-text('退出')")
        expect(pg.locator("h1")).to_contain_text("登录督查台")
        context.close()


def test_a_units_failed_check_also_reaches_the_office_supervisors_by_email(office, smtp):
    folder = office.root / "agencies/jiaoyu"
    text = (folder / "sources.yaml").read_text(encoding="utf-8")
    (folder / "sources.yaml").write_text(text + f"smtp: {{host: 127.0.0.1, port: {smtp.port}, security: none, "
                                                f"from: monitor@qinghe.gov.cn}}\n", encoding="utf-8")
    monitor("--config", str(folder / "sources.yaml"), "--db", load_office(office.root).unit("jiaoyu").db_path, "--now",
            "2026-03-16T10:00+08:00", "tick")
    mails = [m for m in smtp.take() if m.subject.startswith("【单项否决】")]
    assert sorted(m.to[0] for m in mails) == ["duty@jiaoyu.example.cn", "gongkai@qinghe.gov.cn"]
    to_office = next(m for m in mails if m.to[0] == "gongkai@qinghe.gov.cn")
    assert to_office.subject == "【单项否决】青禾县教育局的网民留言「咨询课后服务收费标准」超过 3 个月未答复"
    assert to_office.body.startswith("政务公开办：") and "青禾县教育局的网民留言" in to_office.body


def test_the_office_hands_an_issue_down_and_the_unit_answers_in_its_own_console_on_time(office):
    s = log_in(office.base, "", "公开办督查")
    page = s.text(f"{office.base}/units/shenji")
    r = s.post(f"{office.base}/units/shenji/hand-down", {
        "csrf_token": token_of(page), "title": "请核实审计组接受宴请一事并公开回应", "about": "1", "days": "3",
        "url": "http://shenji.example.cn/1"})
    assert r.status == 302
    page = s.text(f"{office.base}/units/shenji")
    assert "已下发给青禾县审计局" in page, re.findall(r"class=\"flash[^>]*>[^<]*", page)
    assert "须于 2026-03-19 23:59 前反馈" in page    # the end of the third working day after Monday
    # the unit sees it in its own console, linked to its issue, and answers it there (audited)
    unit = log_in(office.base, "/u/shenji", "shenji值班员")
    issue = unit.text(f"{office.base}/u/shenji/issues/1")
    assert "政务公开办下发" in issue and "请核实审计组接受宴请一事并公开回应" in issue
    item = unit.text(f"{office.base}/u/shenji/issues/2")
    assert "反馈下发事项办理情况" in item and "公开办督查（青禾县政务公开办）" in item
    r = unit.post(f"{office.base}/u/shenji/issues/2/respond", {
        "csrf_token": token_of(item), "kind": "feedback", "url": "http://www.qinghe.gov.cn/sjj/qkshm.html",
        "at": "2026-03-16T10:00"})
    assert r.status == 302
    assert "登记回应" in unit.text(f"{office.base}/u/shenji/audit")
    # 下发处理排名: 审计局 answered its one item on time; 教育局 was handed nothing
    ranking = s.text(f"{office.base}/ranking?quarter=2026Q1")
    handling = ranking[ranking.index("下发处理排名"):]
    assert re.findall(r"<tr><td data-label=\"名次\">(\d+)</td><td><b>([^<]+)</b></td><td data-label=\"下发\">(\d+)",
                      handling) == [("1", "青禾县审计局", "1"), ("2", "青禾县教育局", "0")]
    assert "100%" in handling
    # a form posted from elsewhere (no token) hands nothing down
    assert s.post(f"{office.base}/units/shenji/hand-down", {"title": "伪造", "days": "3"}).status == 400
    assert "伪造" not in s.text(f"{office.base}/units/shenji")
    # another unit cannot be handed an issue that is not its own
    r = s.post(f"{office.base}/units/jiaoyu/hand-down", {"csrf_token": token_of(page), "title": "x", "about": "9",
                                                         "days": "3"})
    assert r.status == 302
    assert "没有编号为 9 的舆情" in s.text(f"{office.base}/units/jiaoyu")


def test_one_command_runs_a_daemon_for_every_unit_and_a_sigterm_stops_them_all(web, tmp_path):
    root = build_office(web, tmp_path)
    before = {u: web.hits[f"/{u}.xml"] for u in ("shenji", "jiaoyu")}
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "-vv", "run", "--office", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)   # drained: never blocks
    reader.start()

    def seen(fragment: str) -> bool:
        return any(fragment in line for line in list(lines))

    deadline = time.monotonic() + 60
    while not (all(web.hits[f"/{u}.xml"] > n for u, n in before.items())
               and seen(f"{root}/agencies/shenji/monitor.db") and seen(f"{root}/agencies/jiaoyu/monitor.db")):
        assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
        time.sleep(0.2)                                   # each unit collected by its own daemon
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    reader.join(timeout=10)                               # to the end of its output
    assert "".join(lines).count("守护进程已停止") == 2, "".join(lines)


def test_one_worker_process_can_serve_every_unit_each_on_its_own_database(web, tmp_path):
    """`--processes 1`: one daemon process schedules both units' jobs; each unit's sources are collected into
    its own database, each unit's clocks evaluated there, and a SIGTERM stops both."""
    root = build_office(web, tmp_path)
    before = {u: web.hits[f"/{u}.xml"] for u in ("shenji", "jiaoyu")}
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "-vv", "run", "--office", str(root), "--processes", "1",
                             "--tick-every", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []               # what it prints; the log apart (lines of both would interleave)
    log: list[str] = []
    readers = [threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True),
               threading.Thread(target=lambda: log.extend(proc.stderr), daemon=True)]
    for r in readers:
        r.start()
    deadline = time.monotonic() + 60
    while not (all(web.hits[f"/{u}.xml"] > n for u, n in before.items())
               and sum("tick done" in line for line in list(log)) >= 2):
        assert time.monotonic() < deadline and proc.poll() is None, "".join(lines + log)
        time.sleep(0.2)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    for r in readers:
        r.join(timeout=10)
    out = "".join(lines)
    assert len(children) == 1, out                                   # one process for the two units
    started = re.findall(r"守护进程已启动: \d+ 个来源, 数据库 \S+, 进程 (\d+)", out)
    assert len(started) == 2 and set(started) == set(children), out
    assert out.count("守护进程已停止") == 2, out
    from monitor.store import heartbeats
    for unit in ("shenji", "jiaoyu"):                                # each unit's clocks were evaluated in its own db
        db = open_db(load_office(root).unit(unit).db_path)
        assert heartbeats.get(db, "daemon") is not None
        db.conn.close()


def test_a_unit_that_misses_the_feedback_deadline_of_an_item_handed_down_is_reported_to_the_office(
        web, smtp, tmp_path):
    from monitor.desk.door import Desk
    root = build_office(web, tmp_path)
    folder = root / "agencies/shenji"
    text = (folder / "sources.yaml").read_text(encoding="utf-8")
    (folder / "sources.yaml").write_text(text + f"smtp: {{host: 127.0.0.1, port: {smtp.port}, security: none, "
                                                f"from: monitor@qinghe.gov.cn}}\n", encoding="utf-8")
    unit = load_office(root).unit("shenji")
    db = open_db(unit.db_path)
    r = Desk(db, unit.config, FixedClock(NOW)).hand_down("请核实并回应", by="公开办督查（青禾县政务公开办）",
                                                         office="青禾县政务公开办", days=1, about=1)
    db.conn.close()
    assert r.due_at == datetime(2026, 3, 17, 23, 59, 59, tzinfo=TZ)
    base = ["--config", str(folder / "sources.yaml"), "--db", str(folder / "monitor.db")]
    monitor(*base, "--now", "2026-03-17T10:00+08:00", "tick")
    assert not any("gongkai" in m.to[0] for m in smtp.take())          # before the deadline: the unit only
    monitor(*base, "--now", "2026-03-18T09:00+08:00", "tick")
    to_office = [m for m in smtp.take() if m.to[0] == "gongkai@qinghe.gov.cn"]
    assert [m.subject for m in to_office] == ["【补发】【舆情超时】青禾县审计局反馈下发事项办理情况已超过时限：请核实并回应"]
    assert to_office[0].body.startswith("政务公开办：") and "请督促青禾县审计局立即反馈下发事项办理情况" in to_office[0].body
    assert "值班台" not in to_office[0].body                # nothing it could log in to


def test_office_status_as_json_names_each_unit_with_its_figures(office):
    import json
    r = monitor("--now", "2026-03-16T10:00+08:00", "office", "status", str(office.root), "--json")
    data = json.loads(r.output)
    assert data["office"] == "青禾县政务公开办" and data["period"] == "2026年第1季度"
    units = {u["id"]: u for u in data["units"]}
    assert units["shenji"]["by_level"]["II"] == 1 and units["shenji"]["due_soon"] == 2
    assert units["jiaoyu"]["vetoes"] == 1 and units["jiaoyu"]["overdue"] == 1
    assert [c["kind"] for c in units["jiaoyu"]["pressing"]] == ["reply"]


def test_office_health_names_each_unit_and_fails_when_one_is_unwell(office):
    r = CliRunner().invoke(cli, ["--now", "2026-03-16T10:00+08:00", "office", "health", str(office.root)])
    assert r.exit_code == 1                              # no daemon ever ran in either unit
    lines = r.output.splitlines()
    assert any(l.startswith("青禾县审计局: 异常: 守护进程") for l in lines)
    assert any(l.startswith("青禾县教育局: 异常: ") for l in lines)
    from monitor.store import heartbeats
    for unit in ("shenji", "jiaoyu"):
        db = open_db(load_office(office.root).unit(unit).db_path)
        heartbeats.beat(db, "daemon", 1, "host", NOW, NOW)
        db.conn.close()
    r = CliRunner().invoke(cli, ["--now", "2026-03-16T10:00+08:00", "office", "health", str(office.root)])
    assert r.output.splitlines() == ["青禾县教育局: 正常", "青禾县审计局: 正常"] and r.exit_code == 0, r.output  # folder order


def test_behind_the_proxy_each_console_keeps_the_prefix_and_its_cookie_is_scoped_to_it(web, tmp_path):
    from werkzeug.test import Client
    root = build_office(web, tmp_path)
    app = create_office_app(load_office(root), FixedClock(NOW), behind_proxy=True)
    proxy = {"X-Forwarded-Prefix": "/yuqing", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "gov.example.cn"}
    c = Client(app, use_cookies=False)          # the proxy strips the prefix; the browser keeps the cookie
    r = c.get("/u/shenji/", headers=proxy)
    assert r.status_code == 302 and r.headers["Location"].endswith("/yuqing/u/shenji/login?next=/")
    r = c.get("/u/shenji/login", headers=proxy)
    page, session_cookie = r.get_data(as_text=True), r.headers["Set-Cookie"].split(";")[0]
    assert 'action="/yuqing/u/shenji/login"' in page and "Path=/yuqing/u/shenji/" in r.headers["Set-Cookie"]
    r = c.post("/u/shenji/login", headers=proxy | {"Cookie": session_cookie},
               data={"csrf_token": token_of(page), "name": "shenji值班员", "password": PASSWORD, "next": "/issues/1"})
    assert r.status_code == 302 and r.headers["Location"] == "/yuqing/u/shenji/issues/1"
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("monitor_shenji=") and "Path=/yuqing/u/shenji/" in cookie


def test_a_new_unit_is_scaffolded_valid_and_its_console_refuses_an_existing_or_bad_id(office):
    text = (office.root / "office.yaml").read_text(encoding="utf-8")
    (office.root / "office.yaml").write_text(text + "console_url: https://yq.qinghe.gov.cn\n", encoding="utf-8")
    r = monitor("office", "add-unit", str(office.root), "gongan", "--name", "青禾县公安局", "--duty",
                "duty@gongan.example.cn", "--region", "青禾,青禾县")
    assert "已新增 青禾县公安局 (gongan)" in r.output
    units = {u.id: u for u in load_office(office.root).units}
    assert units["gongan"].config.agency.keywords.region == ("青禾", "青禾县")
    assert [s.id for s in units["gongan"].config.sources] == ["weibo"]          # the own site waits for its url
    assert units["gongan"].config.issue_url(3) == "https://yq.qinghe.gov.cn/u/gongan/issues/3"   # links in notices
    for unit_id, why in (("gongan", "已存在"), ("GongAn", "小写字母")):
        r = CliRunner().invoke(cli, ["office", "add-unit", str(office.root), unit_id, "--name", "x", "--duty", "a@b.cn"])
        assert r.exit_code == 2 and why in r.output, r.output
