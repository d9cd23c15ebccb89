"""The duty console in a real browser: Debian's Chromium, headless, driven by Playwright, against
the app served by waitress on 127.0.0.1 (port 0). Screenshots go to build/screenshots/ (not in git)."""
from __future__ import annotations

import re
import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from waitress.server import create_server

from monitor.desk import actions
from monitor.store import deadlines

from conftest import HOSTILE_TITLE, PASSWORD, REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = REPO / "build" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `make test` installs it (see Makefile, target chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def site(console):
    server = create_server(console.app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    console.base = f"http://127.0.0.1:{server.effective_port}"
    yield console
    # closed from the server's own loop thread (closing from here races its select: EBADF warnings)
    server.trigger.pull_trigger(lambda: [channel.close() for channel in list(server._map.values())])
    thread.join(timeout=10)
    server.task_dispatcher.shutdown()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    pg = context.new_page()
    pg.on("dialog", lambda d: d.accept())    # the confirmation before what cannot be undone
    yield pg
    context.close()


def shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(pg, site, name: str = "张敏", path: str = "/"):
    """As a person does: click into each field and type (typing appends to whatever the field holds)."""
    pg.goto(site.base + path)
    expect(pg).to_have_url(re.compile(r"/login\?next="))
    pg.click("input[name=name]")
    pg.keyboard.type(name)
    pg.click("input[name=password]")
    pg.keyboard.type(PASSWORD)
    pg.click("button.primary")


def test_the_login_form_opens_empty_and_typing_into_it_logs_in(site, page):
    page.goto(site.base + "/")
    expect(page.locator("input[name=name]")).to_have_value("")
    log_in(page, site)
    expect(page.locator("table.issues")).to_be_visible()


def issue_id(site) -> int:
    return site.db.execute("select issue_id from posts where url = 'http://a.example.cn/1'").fetchone()[0]


def test_log_in_see_the_ranked_list_and_a_post_titled_with_a_script_tag_as_text(site, page):
    alerts = []
    page.on("dialog", lambda d: alerts.append(d.message))
    log_in(page, site)
    expect(page.locator("table.issues")).to_be_visible()
    first = page.locator("table.issues tbody tr").first
    expect(first.locator("td.title a")).to_contain_text(HOSTILE_TITLE)     # shown as text, not run
    expect(first.locator("svg.spark")).to_be_visible()
    assert alerts == []
    shot(page, "home")


def test_declare_ii_shows_two_clocks_whose_countdown_moves_and_a_release_stops_one(site, page):
    n = issue_id(site)
    log_in(page, site, path=f"/issues/{n}")
    expect(page).to_have_url(re.compile(rf"/issues/{n}$"))       # back to the page the link pointed at
    shot(page, "issue-before-declare")
    page.check("input[name=level][value=II]")
    page.click("text=确认定级")
    expect(page.locator(".flash.ok")).to_contain_text("已定为 II 级")
    rows = page.locator("table.clocks-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("发布权威信息")
    expect(rows.nth(1)).to_contain_text("举行新闻发布会")
    countdown = rows.nth(0).locator(".cd")
    before = countdown.inner_text()
    page.wait_for_function("t => document.querySelector('table.clocks-table .cd').textContent !== t", arg=before)
    assert countdown.inner_text() != before and countdown.inner_text().startswith("还剩")

    page.select_option("select[name=kind]", "release")
    page.fill("input[name=url]", "https://www.qinghe.gov.cn/sjj/tzgg/1.html")
    page.click("text=登记 >> nth=-1")
    expect(page.locator(".flash.ok")).to_contain_text("时限已停止 (按时)")
    expect(rows.nth(0)).to_contain_text("按时完成")
    kinds = {d.kind: d.status for d in deadlines.of_issue(site.db, n)}
    assert kinds["release"] == "met" and kinds["press_conference"] == "open"
    page.goto(site.base + "/")
    expect(page.locator("table.issues tbody tr").first).to_contain_text("举行新闻发布会")
    shot(page, "issue-after-release")
    page.goto(site.base + f"/audit?issue={n}")
    expect(page.locator("table.audit")).to_contain_text("张敏")
    shot(page, "audit")


def test_the_board_refreshes_itself_with_what_another_officer_did(site, page):
    log_in(page, site)
    first = page.locator("table.issues tbody tr").first
    expect(first).to_contain_text("待定级")
    actions.declare(site.db, site.config, issue_id(site), "II", "李娜", site.clock.now())   # elsewhere
    expect(first).to_contain_text("II级 重大")                 # no reload: the board fetched itself
    expect(first).to_contain_text("发布权威信息")


def test_an_overdue_clock_counts_up_in_red(site, page):
    n = issue_id(site)
    log_in(page, site, path=f"/issues/{n}")
    page.check("input[name=level][value=II]")
    page.click("text=确认定级")
    site.clock.at += timedelta(hours=6)
    page.goto(site.base + "/")
    late = page.locator("section.due .cd.overdue").first
    expect(late).to_contain_text("已超时")
    assert page.eval_on_selector("section.due .cd.overdue", "e => getComputedStyle(e).backgroundColor") \
        == "rgb(198, 40, 40)"
    shot(page, "home-overdue")


def test_a_form_posted_without_its_csrf_token_is_refused(site, page):
    log_in(page, site)
    expect(page.locator("table.issues")).to_be_visible()
    r = page.request.post(site.base + f"/issues/{issue_id(site)}/declare", form={"level": "I"})
    assert r.status == 400 and "校验码" in r.text()
    assert deadlines.of_issue(site.db, issue_id(site)) == []


def test_an_anonymous_request_goes_to_login(site, page):
    page.goto(site.base + "/sources")
    expect(page).to_have_url(re.compile(r"/login\?next=/sources"))
    expect(page.locator("h1")).to_have_text("登录舆情值班台")
    shot(page, "login")


def test_a_leader_cannot_record_a_response(site, page):
    n = issue_id(site)
    log_in(page, site, "王局长", f"/issues/{n}")
    expect(page.locator("h1")).to_contain_text("审计组")
    assert page.locator("text=登记发布 / 回应").count() == 0 and page.locator("text=确认定级").count() == 0
    page.click("text=确认收到")
    expect(page.locator(".flash.ok")).to_contain_text("已确认收到")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    r = page.request.post(site.base + f"/issues/{n}/respond",
                          form={"kind": "release", "url": "https://gov.example.cn/1", "csrf_token": token})
    assert r.status == 403 and "没有此项操作的权限" in r.text()
    shot(page, "issue-leader")


def test_every_page_renders_on_a_laptop_and_on_a_phone(site, browser):
    from datetime import timedelta
    from monitor.desk import actions
    from monitor.store.db import transaction
    with transaction(site.db):          # a release, so the issue page shows its effect
        actions.respond(site.db, issue_id(site), "release", "https://gov.example.cn/1", site.clock.at, "张敏",
                        site.clock.at, site.config)
    site.clock.at += timedelta(hours=25)
    from monitor.notify.render import Renderer
    from monitor.notify.tick import queue_notices
    queue_notices(site.db, site.config, site.clock.at, Renderer())      # 预警 and notices on the pages
    from monitor.clock import to_iso
    from monitor.store import issues as issue_rows
    with transaction(site.db):          # a long title among the merge choices and the lists
        issue_rows.create(site.db, "青禾县审计局原副局长赵某某接受纪律审查和监察调查，曾长期分管工程审计和经济责任审计工作",
                          "opinion", to_iso(site.clock.at))
    snapshot = site.db.execute("select min(id) from snapshots").fetchone()[0]
    from monitor.desk import people
    people.add(site.db, "陈管理", "admin", PASSWORD, site.clock.at, "test")     # sees every page, 方案管理 too
    from datetime import timedelta

    from monitor.config.load import calendar_for
    from monitor.desk.intake import intake
    with transaction(site.db):          # a message left unanswered for over three months: 单项否决 on the board
        intake(site.db, site.config, calendar_for(site.config), "message", "咨询去年经济责任审计报告何时公开，能否在网上查到全文",
               site.clock.at - timedelta(days=100), "张敏", site.clock.at)
    for label, viewport in (("laptop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844})):
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        pg = context.new_page()
        log_in(pg, site, "陈管理")
        for name, path in (("home", "/"), ("issue", f"/issues/{issue_id(site)}"), ("intake", "/intake"),
                           ("sources", "/sources"), ("search", "/search?q=审计组"), ("audit", "/audit"),
                           ("reports", "/reports"), ("snapshot", f"/snapshots/{snapshot}"), ("plan", "/plan"),
                           ("plan-source", "/plan/sources/forum"), ("plan-new", "/plan/sources/new")):
            pg.goto(site.base + path)
            expect(pg.locator("main")).to_be_visible()
            assert pg.locator("main h1, main h2").count() > 0, path
            assert "服务器内部错误" not in pg.content() and "无法完成" not in pg.title(), path
            # nothing wider than the screen except inside a scrolling table
            overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            print(f"{label} {name}: scrollWidth {overflow + viewport['width']} px")    # docs/benchmarks.md
            assert overflow <= 1, (label, path, overflow)
            shot(pg, f"{label}-{name}")
        context.close()


def test_a_leader_from_an_email_link_sees_level_clocks_and_the_ack_button_above_the_fold_on_a_phone(site, browser):
    from monitor.desk import actions
    from monitor.store.db import transaction
    n = issue_id(site)
    with transaction(site.db):
        actions.declare(site.db, site.config, n, "II", "张敏", site.clock.at)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    pg = context.new_page()
    log_in(pg, site, "王局长", f"/issues/{n}")
    brief = pg.locator("section.brief")
    expect(brief).to_contain_text("II")
    expect(brief).to_contain_text("发布权威信息")
    for what in ("section.brief .clocks li >> nth=0", "section.brief button:has-text('确认收到')",
                 "section.brief .latest li >> nth=0"):
        box = pg.locator(what).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844, (what, box)
    assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(pg, "phone-issue-leader")
    pg.fill("section.brief textarea[name=text]", "请宣传股两小时内核实")
    pg.click("text=提交批示")
    expect(pg.locator(".instructions")).to_contain_text("请宣传股两小时内核实")
    context.close()
