"""方案管理: an administrator edits keywords and sources in the console; sources.yaml stays the file of
record (comments and order kept), a change is previewed over the last week, validated as `monitor check`
validates, audited with its diff, the previous version kept, and picked up without a restart."""
from __future__ import annotations

import re
from pathlib import Path

from monitor.config.schema import Keywords
from monitor.desk import people, plan
from monitor.store import audit

from conftest import PASSWORD, rss
from test_console import login, token

REPO = Path(__file__).resolve().parent.parent


def test_a_keyword_edit_changes_one_line_of_the_shipped_file_and_keeps_every_comment():
    text = (REPO / "sources.yaml").read_text(encoding="utf-8")
    k = Keywords(("平罗县审计局", "平罗审计局", "平罗县审计"), ("平罗", "石嘴山"), ("审计", "通报", "违规", "问责", "举报"),
                 ("招聘", "广告", "招标公告"))
    assert plan.with_keywords(text, k, ()) == text                       # nothing changed: byte for byte
    edited = plan.with_keywords(text, Keywords(k.subject + ("平罗县审计局党组",), k.region, k.event, k.exclude), ())
    changed = [(a, b) for a, b in zip(text.splitlines(), edited.splitlines()) if a != b]
    assert len(text.splitlines()) == len(edited.splitlines()) and len(changed) == 1
    assert changed[0][1] == "    subject: [平罗县审计局, 平罗审计局, 平罗县审计, 平罗县审计局党组]"


def _admin(console):
    people.add(console.db, "陈管理", "admin", PASSWORD, console.clock.now(), "test")
    c = console.app.test_client()
    login(c, "陈管理")
    return c


def _form(c, **groups):
    """The page's form as it comes (the file's keywords), with `groups` typed over it."""
    return {"csrf_token": token(c, "/plan"), "subject": "青禾县审计局", "region": "青禾", "event": "审计\n通报",
            "exclude": "招聘", "rule_count": "0"} | groups


def test_a_keyword_change_is_previewed_over_the_week_then_saved_audited_and_in_force(console, web, run):
    web.set("/f.xml", rss([("白杨镇卫生院药品回扣问题被曝光 网友质疑", "http://a.example.cn/9", "", "白杨镇卫生院")]))
    assert run("--now", "2026-03-16T08:28+08:00", "collect", config=console.config_path).exit_code == 0
    c = _admin(console)
    before = console.config_path.read_text(encoding="utf-8")

    page = c.post("/plan/keywords", data=_form(c, subject="青禾县审计局\n白杨镇卫生院", do="preview"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "新增相关 <b>1</b> 条, 不再相关 <b>0</b> 条" in html
    assert "白杨镇卫生院药品回扣问题被曝光" in html and "青禾论坛" in html
    assert console.config_path.read_text(encoding="utf-8") == before          # a preview saves nothing

    r = c.post("/plan/keywords", data=_form(c, subject="青禾县审计局\n白杨镇卫生院", do="save"))
    assert r.status_code == 302
    after = console.config_path.read_text(encoding="utf-8")
    assert "subject: [青禾县审计局, 白杨镇卫生院]" in after
    assert "region: [青禾]" in after                                         # the rest as it was
    kept = list((console.config_path.parent / ".sources.yaml.history").iterdir())
    assert [p.read_text(encoding="utf-8") for p in kept] == [before]
    change = audit.search(console.db, action="config_change")[0]
    assert change["by"] == "陈管理" and "+    subject: [青禾县审计局, 白杨镇卫生院]" in change["detail"]["diff"]
    page = c.get("/plan").get_data(as_text=True)                           # the console reloaded the file
    assert "青禾县审计局\n白杨镇卫生院</textarea>" in page and "关键词与规则" in page


def test_a_change_that_fails_the_check_is_refused_with_the_line_and_the_file_is_untouched(console):
    c = _admin(console)
    before = console.config_path.read_text(encoding="utf-8")
    r = c.post("/plan/keywords", data=_form(c, exclude="re:(未闭合", do="save"))
    assert r.status_code == 400
    assert "sources.yaml:" in r.get_data(as_text=True) and "正则" in r.get_data(as_text=True)
    assert console.config_path.read_text(encoding="utf-8") == before
    assert audit.search(console.db, action="config_change") == []


def test_only_an_administrator_manages_the_plan(console):
    c = console.app.test_client()
    login(c, "张敏")
    assert c.get("/plan").status_code == 403
    assert "方案管理" not in c.get("/").get_data(as_text=True)
    assert c.post("/plan/keywords", data=_form(c, do="save")).status_code == 403


def test_a_new_html_source_is_previewed_from_the_page_as_it_is_now_then_saved(console, web):
    web.set("/list.html", "<html><body><ul class='l'><li><a href='/n/1.html'>白杨镇召开审计整改会</a><span>2026-03-15</span></li>"
                          "<li><a href='/n/2.html'>青禾县审计局工作动态</a><span>2026-03-14</span></li></ul></body></html>",
            "text/html; charset=utf-8")
    c = _admin(console)
    form = {"csrf_token": token(c, "/plan/sources/new"), "id": "town", "name": "白杨镇政府网", "kind": "html",
            "url": f"{web.base_url}/list.html", "interval": "30m", "channel": "news", "authority": "1", "enabled": "1",
            "sel_item": "ul.l li", "sel_title": "a", "sel_link": "a@href", "sel_date": "span"}
    html = c.post("/plan/sources/new", data=form | {"do": "preview"}).get_data(as_text=True)
    assert "提取到 <b>2</b> 条" in html and "白杨镇召开审计整改会" in html
    assert c.post("/plan/sources/new", data=form | {"do": "save"}).status_code == 302
    text = console.config_path.read_text(encoding="utf-8")
    assert "id: town" in text and 'selectors: {item: "ul.l li", title: "a", link: "a@href", date: "span"}' in text
    assert "白杨镇政府网" in c.get("/sources").get_data(as_text=True)

    bad = c.post("/plan/sources/new", data=form | {"id": "town2", "interval": "一小时", "do": "save"})
    assert bad.status_code == 400 and "不是有效的时长" in bad.get_data(as_text=True)


def test_a_leader_leaves_a_instruction_the_duty_officer_sees_and_the_trail_keeps(console):
    from test_console import issue_id_of
    issue = issue_id_of(console)
    leader = console.app.test_client()
    login(leader, "王局长")
    page = leader.get(f"/issues/{issue}").get_data(as_text=True)
    assert page.index("确认收到") < page.index("相关信息")                 # the brief comes first
    r = leader.post(f"/issues/{issue}/instruct", data={"text": "请宣传股两小时内核实并起草回应口径",
                                                       "csrf_token": token(leader, f"/issues/{issue}")})
    assert r.status_code == 302
    duty = console.app.test_client()
    login(duty, "张敏")
    page = duty.get(f"/issues/{issue}").get_data(as_text=True)
    assert "领导批示" in page and "请宣传股两小时内核实并起草回应口径" in page and "提交批示" not in page
    assert duty.post(f"/issues/{issue}/instruct", data={"text": "x", "csrf_token": token(duty)}).status_code == 403
    assert [(a["by"], a["detail"]["text"]) for a in audit.history(console.db, issue) if a["action"] == "instruct"] \
        == [("王局长", "请宣传股两小时内核实并起草回应口径")]
    dossier = duty.get(f"/issues/{issue}/dossier.html").get_data(as_text=True)
    assert "领导批示" in dossier and "请宣传股两小时内核实并起草回应口径" in dossier       # in the 处置台账


def test_recipients_and_robots_are_edited_keeping_what_the_form_does_not_show(console):
    path = console.config_path
    path.write_text(path.read_text(encoding="utf-8") + "robots:\n  # 值班群: only breaches\n"
                    "  - {name: 值班群, kind: wecom, url: \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\", "
                    "stages: [breach], roles: [duty]}\n", encoding="utf-8")
    c = _admin(console)
    page = c.get("/plan").get_data(as_text=True)
    assert "企业微信" in page and "duty@agency.example.cn" in page
    r = c.post("/plan/recipients", data={
        "csrf_token": token(c, "/plan"), "people_duty": "duty@agency.example.cn\nzhiban2@agency.example.cn",
        "people_deputy_leader": "deputy@agency.example.cn", "people_head": "head@agency.example.cn", "robot_count": "1",
        "robot0_was": "值班群", "robot0_name": "值班群", "robot0_kind": "wecom",
        "robot0_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "robot0_role_duty": "1",
        "robot0_role_head": "1",
        "robot1_name": "领导群", "robot1_kind": "dingtalk", "robot1_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
        "robot1_secret_env": "DINGTALK_SECRET", "robot1_role_head": "1"})
    assert r.status_code == 302, re.findall(r"<li>([^<]*sources.yaml[^<]*)</li>", r.get_data(as_text=True))
    from monitor.config.load import load_config
    config = load_config(path)
    assert config.people["duty"] == ("duty@agency.example.cn", "zhiban2@agency.example.cn")
    assert config.people["head"] == ("head@agency.example.cn",)
    duty_robot, leader_robot = config.robots
    assert (duty_robot.stages, duty_robot.roles) == (("breach",), ("duty", "head"))     # stages kept
    assert (leader_robot.kind, leader_robot.secret_env, leader_robot.roles) == ("dingtalk", "DINGTALK_SECRET", ("head",))
    assert "# 值班群: only breaches" in path.read_text(encoding="utf-8")

    bad = c.post("/plan/recipients", data={"csrf_token": token(c, "/plan"), "people_duty": "不是邮箱", "robot_count": "0"})
    assert bad.status_code == 400 and "sources.yaml:" in bad.get_data(as_text=True)
