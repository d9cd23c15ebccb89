"""The whole path through the CLI: collect from a real HTTP server, declare, tick, respond,
with a real SMTP server receiving the emails and a real SQLite file. Only time is fixed by --now."""
from __future__ import annotations


import json

from conftest import Reader, rss, write_config

import pytest

pytestmark = pytest.mark.backends

T0 = "2026-03-16T08:00:00+08:00"


def at(hhmm: str, day: int = 16) -> str:
    return f"2026-03-{day}T{hhmm}:00+08:00"


def _setup(web, smtp, tmp_path, run):
    feed = rss([
        ("网传青禾县审计局审计组接受宴请", "http://news.example.cn/a/1.html", "Mon, 16 Mar 2026 07:50:00 +0800",
         "有网友发帖称青禾县审计局审计组在乡镇审计期间接受宴请"),
        ("青禾县审计局审计组被指接受宴请 纪委已介入", "http://news.example.cn/a/2.html?utm_source=rss",
         "Mon, 16 Mar 2026 07:55:00 +0800", "针对网传青禾县审计局审计组接受宴请一事，纪委已介入"),
        ("青禾县举办春季招聘会", "http://news.example.cn/a/3.html", "Mon, 16 Mar 2026 07:00:00 +0800",
         "青禾县审计局等单位参加招聘会"),
        ("外省新闻：某地天气晴好", "http://news.example.cn/a/4.html", "Mon, 16 Mar 2026 07:00:00 +0800", "无关"),
    ])
    url = web.set("/news.xml", feed)
    config = write_config(tmp_path, f'  - {{id: news, kind: rss, url: "{url}", interval: 10m, authority: 3}}\n',
                          smtp.port)
    r = run("--now", T0, "collect", config=config)
    assert r.exit_code == 0, r.output
    issues = json.loads(run("--now", T0, "issues", "--json", config=config).output)
    assert len(issues) == 1
    return config, issues[0]


def _tick(run, config, when):
    r = run("--now", when, "tick", config=config)
    assert r.exit_code == 0, r.output
    return r


def _mail(smtp):
    return [(m.to, m.subject) for m in smtp.take()]


def test_level_ii_issue_gets_5h_and_24h_clocks_with_reminders_and_escalation_exactly_once(web, smtp, tmp_path, run):
    config, issue = _setup(web, smtp, tmp_path, run)
    assert issue["post_count"] == 2          # the 招聘 post is excluded, the weather post is not about us
    assert "宴请" in issue["keywords"] and not {"青禾县审计局", "青禾"} & set(issue["keywords"])
    assert issue["first_seen_at"] == "2026-03-16T00:00:00+00:00"

    r = run("--now", at("08:30"), "declare", str(issue["id"]), "--level", "II", "--by", "李娜", config=config)
    assert r.exit_code == 0, r.output
    shown = json.loads(run("--now", at("08:30"), "show", str(issue["id"]), "--json", config=config).output)
    clocks = {d["kind"]: d for d in shown["deadlines"]}
    assert set(clocks) == {"release", "press_conference"}
    assert clocks["release"]["due_at"] == "2026-03-16T05:00:00+00:00"            # 08:00 + 5 h local
    assert clocks["press_conference"]["due_at"] == "2026-03-17T00:00:00+00:00"   # 08:00 + 24 h local

    # nothing is due before 2 h ahead of the release deadline
    _tick(run, config, at("10:59"))
    assert _mail(smtp) == []

    # 2 h before: the duty officer is reminded, once however often tick runs
    _tick(run, config, at("11:00"))
    first = _mail(smtp)
    assert [to for to, _ in first] == [("duty@agency.example.cn",)]
    assert "发布权威信息还剩2小时" in first[0][1]
    for _ in range(3):
        _tick(run, config, at("11:00"))
    assert _mail(smtp) == []

    # the deadline passes: leaders get the escalation (the missed 1 h reminders are superseded by it)
    _tick(run, config, at("13:00"))
    breach = _mail(smtp)
    assert sorted(to for to, _ in breach) == [("deputy@agency.example.cn",),
                                              ("head@agency.example.cn", "head2@agency.example.cn")]
    assert all("已超过时限" in s for _, s in breach)
    _tick(run, config, at("13:00"))
    _tick(run, config, at("13:30"))
    assert _mail(smtp) == []

    # the release is recorded: its clock stops (late), the press-conference clock keeps running
    r = run("--now", at("13:40"), "respond", str(issue["id"]), "--kind", "release",
            "--url", "https://www.example.gov.cn/tzgg/1.html", "--at", at("13:35"), "--by", "李娜", config=config)
    assert r.exit_code == 0, r.output
    shown = json.loads(run("--now", at("14:00"), "show", str(issue["id"]), "--json", config=config).output)
    clocks = {d["kind"]: d for d in shown["deadlines"]}
    assert clocks["release"]["status"] == "met_late"
    assert clocks["release"]["evidence_url"] == "https://www.example.gov.cn/tzgg/1.html"
    assert clocks["press_conference"]["status"] == "pending"

    # no hourly overdue repeat for a stopped clock; the running clock still reminds
    _tick(run, config, at("14:00"))
    assert _mail(smtp) == []
    _tick(run, config, at("06:00", day=17))
    pc = _mail(smtp)
    assert [to for to, _ in pc] == [("duty@agency.example.cn",)] and "举行新闻发布会" in pc[0][1]

    # the audit trail holds every step
    actions = [a["action"] for a in shown["actions"]]
    assert actions[:3] == ["declare", "clock_start", "clock_start"]
    assert actions.count("notify") == 3 and "respond" in actions and "clock_stop" in actions


def test_recollecting_the_same_feed_adds_nothing(web, smtp, tmp_path, run):
    config, issue = _setup(web, smtp, tmp_path, run)
    run("--now", at("08:10"), "collect", config=config)
    again = json.loads(run("--now", at("08:10"), "issues", "--json", config=config).output)
    assert [i["post_count"] for i in again] == [issue["post_count"]]


def test_close_cancels_open_clocks_and_stops_notices(web, smtp, tmp_path, run):
    config, issue = _setup(web, smtp, tmp_path, run)
    run("--now", at("08:30"), "declare", str(issue["id"]), "--level", "I", "--by", "李娜", config=config)
    r = run("--now", at("09:00"), "close", str(issue["id"]), "--by", "李娜", "--reason", "经核实为不实信息", config=config)
    assert r.exit_code == 0 and "取消 2 个计时" in r.output
    _tick(run, config, at("14:00"))
    assert _mail(smtp) == []
    assert json.loads(run("--now", at("14:00"), "issues", "--json", config=config).output) == []
    closed = json.loads(run("--now", at("14:00"), "issues", "--json", "--all", config=config).output)
    assert closed[0]["status"] == "closed" and {d["status"] for d in closed[0]["deadlines"]} == {"cancelled"}


def test_after_the_release_updates_fall_due_every_24h_until_closed(web, smtp, tmp_path, run):
    config, issue = _setup(web, smtp, tmp_path, run)
    iid = str(issue["id"])
    run("--now", at("08:30"), "declare", iid, "--level", "I", "--by", "李娜", config=config)
    run("--now", at("12:00"), "respond", iid, "--kind", "release", "--url", "https://x.gov.cn/1", "--by", "李娜",
        config=config)
    run("--now", at("11:00", day=17), "respond", iid, "--kind", "update", "--url", "https://x.gov.cn/2",
        "--by", "李娜", config=config)
    shown = json.loads(run("--now", at("12:00", day=17), "show", iid, "--json", config=config).output)
    updates = [d for d in shown["deadlines"] if d["kind"] == "update"]
    assert [(d["due_at"], d["status"]) for d in updates] == [
        ("2026-03-17T04:00:00+00:00", "met"), ("2026-03-18T03:00:00+00:00", "pending")]
    _tick(run, config, at("09:00", day=18))                     # 2 h before the second update is due
    assert [to for to, s in _mail(smtp) if "持续发布进展" in s] == [("duty@agency.example.cn",)]
    run("--now", at("09:10", day=18), "close", iid, "--by", "李娜", "--reason", "处置完毕", config=config)
    _tick(run, config, at("12:00", day=18))
    assert _mail(smtp) == []


def test_own_channel_post_is_detected_notified_once_and_confirmed_as_the_release(web, smtp, tmp_path, run):
    config, issue = _setup(web, smtp, tmp_path, run)
    iid = str(issue["id"])
    own = web.set("/own.xml", rss([]))
    config.write_text(config.read_text(encoding="utf-8").replace(
        "people:", f'  - {{id: own, kind: rss, url: "{own}", own: true}}\npeople:'), encoding="utf-8")
    run("--now", at("08:30"), "declare", iid, "--level", "II", "--by", "李娜", config=config)
    web.set("/own.xml", rss([("关于网传青禾县审计局审计组接受宴请的情况通报", "https://www.qinghe.gov.cn/tzgg/9.html",
                              "Mon, 16 Mar 2026 12:40:00 +0800", "青禾县审计局审计组接受宴请一事，经核查……")]))
    run("--now", at("12:50"), "collect", config=config)
    alerts = json.loads(run("--now", at("12:50"), "alerts", "--json", config=config).output)
    assert [d["url"] for d in alerts["release_detected"]] == ["https://www.qinghe.gov.cn/tzgg/9.html"]
    for _ in range(2):
        _tick(run, config, at("12:50"))
    mails = _mail(smtp)
    assert [s for _, s in mails if "请确认" in s] and len([s for _, s in mails if "请确认" in s]) == 1
    r = run("--now", at("13:20"), "confirm", iid, "--by", "李娜", config=config)
    assert r.exit_code == 0 and "按时" in r.output, r.output
    shown = json.loads(run("--now", at("13:20"), "show", iid, "--json", config=config).output)
    release = next(d for d in shown["deadlines"] if d["kind"] == "release")
    assert (release["status"], release["met_at"], release["evidence_url"]) == (
        "met", "2026-03-16T04:40:00+00:00", "https://www.qinghe.gov.cn/tzgg/9.html")
    assert shown["release_detected"] == [] and issue["post_count"] == shown["post_count"]   # own posts add no heat


def test_officer_may_start_the_clocks_at_an_explicit_time_with_a_reason(web, smtp, tmp_path, run):
    config, issue = _setup(web, smtp, tmp_path, run)
    iid = str(issue["id"])
    bad = run("--now", at("08:30"), "declare", iid, "--level", "II", "--by", "李娜", "--start", at("07:30"), config=config)
    assert bad.exit_code == 2 and "--start-reason" in bad.stderr
    ok = run("--now", at("08:30"), "declare", iid, "--level", "II", "--by", "李娜", "--start", at("07:30"),
             "--start-reason", "群众来电早于网络发帖", config=config)
    assert ok.exit_code == 0, ok.output
    shown = json.loads(run("--now", at("08:30"), "show", iid, "--json", config=config).output)
    release = next(d for d in shown["deadlines"] if d["kind"] == "release")
    assert (release["started_at"], release["due_at"], release["start_basis"]) == (
        "2026-03-15T23:30:00+00:00", "2026-03-16T04:30:00+00:00", "explicit")
    starts = [a["detail"] for a in shown["actions"] if a["action"] == "clock_start"]
    assert {s["start_reason"] for s in starts} == {"群众来电早于网络发帖"}


def test_superior_posts_open_12h_repost_clocks_answered_by_an_own_repost(web, smtp, tmp_path, run):
    superior = web.set("/district.xml", rss([
        ("青禾区人民政府关于开展安全生产大检查的通告", "https://www.qinghequ.gov.cn/tz/88.html",
         "Mon, 16 Mar 2026 08:00:00 +0800", "各单位要立即开展安全生产大检查，全面排查隐患。"),
        ("青禾区召开春季植树造林动员会", "https://www.qinghequ.gov.cn/tz/70.html",
         "Sun, 15 Mar 2026 09:00:00 +0800", "动员全区干部群众积极参加义务植树。"),
    ]))
    own = web.set("/own.xml", rss([]))
    config = write_config(tmp_path, f"""  - {{id: district, kind: rss, url: "{superior}", superior: true}}
  - {{id: own, kind: rss, url: "{own}", own: true}}
""", smtp.port)
    run("--now", at("09:00"), "collect", config=config)
    items = json.loads(run("--now", at("09:00"), "issues", "--json", config=config).output)
    clocks = {i["title"]: [(d["kind"], d["due_at"]) for d in i["deadlines"]] for i in items}
    assert clocks == {"青禾区人民政府关于开展安全生产大检查的通告": [("repost", "2026-03-16T12:00:00+00:00")],
                      "青禾区召开春季植树造林动员会": []}        # its 12 h had passed before we first saw it
    assert {i["kind"] for i in items} == {"repost"}
    web.set("/own.xml", rss([("【转发】青禾区人民政府关于开展安全生产大检查的通告", "https://www.qinghe.gov.cn/zf/5.html",
                              "Mon, 16 Mar 2026 15:00:00 +0800", "各单位要立即开展安全生产大检查，全面排查隐患。")]))
    run("--now", at("15:10"), "collect", config=config)
    repost_item = next(i for i in items if i["deadlines"])
    r = run("--now", at("15:20"), "confirm", str(repost_item["id"]), "--by", "李娜", config=config)
    assert r.exit_code == 0 and "按时" in r.output, r.output + r.stderr
    shown = json.loads(run("--now", at("15:20"), "show", str(repost_item["id"]), "--json", config=config).output)
    assert (shown["deadlines"][0]["status"], shown["deadlines"][0]["evidence_url"]) == (
        "met", "https://www.qinghe.gov.cn/zf/5.html")


def test_message_board_pending_items_open_reply_clocks_and_answered_items_stop_them(web, smtp, tmp_path, run):
    pending = web.set("/liuyan/539/2", rss([
        ("青禾县审计局：村集体资金审计结果何时公开？", "http://liuyan.people.com.cn/threads/content?tid=1001",
         "Fri, 13 Mar 2026 10:00:00 +0800", "请问青禾县审计局对我村集体资金的审计结果什么时候公开？"),
        ("县城哪里可以办理居住证？", "http://liuyan.people.com.cn/threads/content?tid=1002",
         "Fri, 13 Mar 2026 11:00:00 +0800", "与审计局无关的留言"),
    ]))
    answered = web.set("/liuyan/539/4", rss([]))
    config = write_config(tmp_path, f"""  - {{id: board-pending, kind: rss, url: "{pending}", board: pending}}
  - {{id: board-answered, kind: rss, url: "{answered}", board: answered}}
""", smtp.port)
    run("--now", at("09:00"), "collect", config=config)
    items = json.loads(run("--now", at("09:00"), "issues", "--json", config=config).output)
    assert [(i["kind"], i["title"][:6], [d["kind"] for d in i["deadlines"]]) for i in items] == [
        ("message", "青禾县审计局", ["reply"])]
    # received Friday 03-13: Monday 03-16 is day 1, day 5 is Friday 03-20
    assert items[0]["deadlines"][0]["due_at"] == "2026-03-20T15:59:59+00:00"
    web.set("/liuyan/539/4", rss([
        ("青禾县审计局：村集体资金审计结果何时公开？", "http://liuyan.people.com.cn/threads/content?tid=1001",
         "Fri, 13 Mar 2026 10:00:00 +0800", "请问青禾县审计局对我村集体资金的审计结果什么时候公开？"),
        ("青禾县审计局：审计报告在哪里查询？", "http://liuyan.people.com.cn/threads/content?tid=1003",
         "Mon, 16 Mar 2026 08:00:00 +0800", "青禾县审计局的审计报告在哪里可以查到？"),
    ]))
    run("--now", at("10:00", day=18), "collect", config=config)
    items = json.loads(run("--now", at("10:00", day=18), "issues", "--json", config=config).output)
    assert sorted((i["title"], d["status"], d["met_at"]) for i in items for d in i["deadlines"]) == [
        ("青禾县审计局：审计报告在哪里查询？", "met", "2026-03-18T02:00:00+00:00"),   # answered before we saw it
        ("青禾县审计局：村集体资金审计结果何时公开？", "met", "2026-03-18T02:00:00+00:00")]
    run("--now", at("10:10", day=18), "collect", config=config)                   # seen again: nothing twice
    shown = json.loads(run("show", str(items[0]["id"]), "--json", config=config).output)
    assert [a["action"] for a in shown["actions"]].count("clock_stop") == 1


def test_respond_without_a_config_refuses_instead_of_silently_starting_no_update_clock(declared, tmp_path, run, db_target):
    """A release starts the 24 h update clock, which needs the agency's policies: with no readable config the
    command says so and changes nothing, rather than stopping the release clock and starting nothing."""
    r = run("--now", "2026-03-16T11:00+08:00", "respond", "1", "--kind", "release", "--url",
            "https://www.example.gov.cn/1.html", "--by", "李娜", config=tmp_path / "missing.yaml")
    assert r.exit_code == 2 and "missing.yaml" in r.output, r.output
    r = run("--now", "2026-03-16T11:00+08:00", "respond", "1", "--kind", "release", "--url",
            "https://www.example.gov.cn/1.html", "--by", "李娜", config=declared)
    assert r.exit_code == 0 and "发布权威信息" in r.output and "release" not in r.output, r.output
    kinds = [r["kind"] for r in Reader(db_target).execute("select kind from deadlines")]
    assert "update" in kinds
