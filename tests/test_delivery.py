"""Delivery that keeps the legal clocks honest: one bad notice never stops the others, a title cannot
break a header, after an outage each role gets only the latest step and no reminder arrives after its
deadline, and 【补发】 means the system really was down."""
from __future__ import annotations

import json
import unicodedata
from datetime import datetime

from conftest import Reader, rss, write_config
from monitor.clock import UTC
from monitor.config.load import calendar_for, load_config
from monitor.desk.intake import intake
from monitor.store.db import open_db, rows

import pytest

pytestmark = pytest.mark.backends

CONTROL = "\r\nBcc: victim@example.cn\u2028\x85\x0b\x0c\x1c\x1d\x1e\x1b]0;owned\x07\x00"


def test_a_notice_failing_for_days_keeps_a_bounded_retry_and_the_tick_keeps_running(declared, smtp, tmp_path, run, db_target):
    smtp.fail_next = 1
    run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    con = Reader(db_target)
    con.execute("update notifications set attempts = 60, next_attempt_at = null")      # two days of failures
    smtp.fail_next = 1
    r = run("--now", "2026-03-18T11:00+08:00", "tick", config=declared)
    assert r.exit_code in (0, 1) and "Traceback" not in r.output, r.output
    (retry_at,) = con.execute("select next_attempt_at from notifications where status = 'pending' and attempts > 0"
                              ).fetchone()            # the one that failed again (the others wait their turn)
    assert datetime.fromisoformat(retry_at) <= datetime(2026, 3, 18, 3, 30, tzinfo=UTC)


def test_a_title_with_control_characters_cannot_inject_a_header_or_stop_the_tick(web, smtp, tmp_path, run, db_target):
    config_path = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n", smtp.port)
    config = load_config(config_path)
    db = open_db(db_target)
    received = datetime(2026, 3, 16, 0, tzinfo=UTC)                 # 08:00 local; repost due 20:00
    intake(db, config, calendar_for(config), "repost", f"上级通报{CONTROL}请转发", received, "李娜", received)
    intake(db, config, calendar_for(config), "repost", "另一条上级信息", received, "李娜", received)
    r = run("--now", "2026-03-16T18:00+08:00", "tick", config=config_path)
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    mails = smtp.take()
    assert len(mails) == 2 and all(m.to == ("duty@agency.example.cn",) for m in mails)
    subject = next(m.subject for m in mails if "上级通报" in m.subject)
    assert not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in subject)
    assert "上级通报" in subject and "请转发" in subject          # the text stays, on one line


def test_after_an_outage_each_role_gets_only_the_latest_step_and_no_reminder_after_its_deadline(
        declared, smtp, tmp_path, run):
    smtp.fail_next = 10_000                                           # the mail server refuses everything
    for hhmm in ("11:00", "12:00", "13:00", "14:00", "15:00"):
        run("--now", f"2026-03-16T{hhmm}+08:00", "tick", config=declared)
    assert smtp.take() == []
    smtp.fail_next = 0                                                # back at 15:10
    for hhmm in ("15:10", "15:45"):
        run("--now", f"2026-03-16T{hhmm}+08:00", "tick", config=declared)
    got = sorted((m.to[0], m.subject.split("】")[0]) for m in smtp.take())
    assert got == [("deputy@agency.example.cn", "【舆情超时·第2次催办"), ("head@agency.example.cn", "【舆情超时·第2次催办"),
                   ("head2@agency.example.cn", "【舆情超时·第2次催办")] or \
        got == [("deputy@agency.example.cn", "【舆情超时·第2次催办"), ("head@agency.example.cn", "【舆情超时·第2次催办")]
    shown = json.loads(run("--now", "2026-03-16T15:45+08:00", "show", "1", "--json", config=declared).output)
    cancelled = [n for n in shown["notifications"] if n["status"] == "cancelled"]
    assert {n["stage"] for n in cancelled} == {"remind", "breach", "overdue"} and all(n["last_error"] for n in cancelled)


def test_declaring_a_level_after_the_legal_window_is_not_a_late_send_and_says_so(web, smtp, tmp_path, run):
    url = web.set("/f.xml", rss([("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "", "被举报")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n', smtp.port)
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    run("--now", "2026-03-16T14:00+08:00", "declare", "1", "--level", "II", "--by", "李娜", config=config)
    run("--now", "2026-03-16T14:00+08:00", "tick", config=config)
    mails = smtp.take()
    assert mails and not any(m.subject.startswith("【补发】") or "停机" in m.body for m in mails)
    assert all("确认定级时已超过时限" in m.body for m in mails if "发布权威信息" in m.subject)


def test_tick_exits_non_zero_when_every_send_failed(declared, smtp, run):
    smtp.stop()
    r = run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    assert r.exit_code == 1 and "发送失败" in r.stderr


def test_check_warns_when_the_smtp_password_variable_is_unset(tmp_path, run, monkeypatch):
    monkeypatch.delenv("MONITOR_TEST_NO_SUCH_PASSWORD", raising=False)
    config = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n",
                          extra="smtp: {host: smtp.example.cn, port: 465, security: ssl, user: u@example.cn, "
                                "password_env: MONITOR_TEST_NO_SUCH_PASSWORD, from: u@example.cn}\n")
    r = run("check", config=config)
    assert r.exit_code == 0 and "MONITOR_TEST_NO_SUCH_PASSWORD" in r.stderr and "未设置" in r.stderr


def test_a_recipient_refused_by_the_server_does_not_make_the_others_receive_it_again(declared, smtp, tmp_path, run):
    smtp.refuse = {"head2@agency.example.cn"}                        # 550 for one of the head's two addresses
    for hhmm in ("13:00", "13:05", "13:40", "13:50"):
        run("--now", f"2026-03-16T{hhmm}+08:00", "tick", config=declared)
    breach_to = sorted(m.to for m in smtp.take() if m.subject.startswith("【舆情超时】"))
    assert breach_to == [("deputy@agency.example.cn",), ("head@agency.example.cn",)]
    alerts = json.loads(run("--now", "2026-03-16T13:50+08:00", "alerts", "--json", config=declared).output)
    (waiting,) = [n for n in alerts["undelivered"] if n["role"] == "head"]
    assert "head2@agency.example.cn" in waiting["last_error"]
    smtp.refuse = set()
    run("--now", "2026-03-16T13:59+08:00", "tick", config=declared)
    assert [m.to for m in smtp.take()] == [("head2@agency.example.cn",)]
    run("--now", "2026-03-16T13:59:30+08:00", "tick", config=declared)
    assert smtp.take() == []


def test_a_notice_sent_late_while_ticks_kept_running_is_not_called_a_downtime_resend(declared, smtp, run):
    text = declared.read_text(encoding="utf-8")
    declared.write_text(text.replace("  deputy_leader: [deputy@agency.example.cn]\n", ""), encoding="utf-8")
    for at in ("13:00", "13:30"):                       # the breach: the deputy leader has no address yet
        run("--now", f"2026-03-16T{at}+08:00", "tick", config=declared)
    smtp.take()
    declared.write_text(text, encoding="utf-8")         # the address is added; the system never stopped
    run("--now", "2026-03-16T13:40+08:00", "tick", config=declared)
    (m,) = [m for m in smtp.take() if m.to == ("deputy@agency.example.cn",)]
    assert not m.subject.startswith("【补发】") and "系统停机" not in m.body


def test_a_duty_robot_routed_only_to_one_kind_of_notice_gets_that_kind(tmp_path, db_target):
    """Outage, provisional, detection and warning notices each ask whether someone is reachable for their
    own kind (a duty group robot with `stages: [outage]` and no duty email still hears of the outage)."""
    from monitor.clocks.policy import Stage
    from monitor.notify.render import Renderer
    from monitor.notify.tick import queue_outage, reachable

    path = tmp_path / "sources.yaml"
    path.write_text("""agency: {name: 青禾县审计局, keywords: {subject: [青禾县审计局]}}
sources:
  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}
people: {duty: []}
robots:
  - {name: 值班群, kind: webhook, url: 'http://127.0.0.1:9/hook', stages: [outage], roles: [duty]}
""", encoding="utf-8")
    config = load_config(path)
    db = open_db(db_target)
    assert reachable(config, "duty", Stage.OUTAGE) and not reachable(config, "duty", Stage.SOURCE)
    down = datetime(2026, 3, 16, 4, tzinfo=UTC)
    assert queue_outage(db, config, down, datetime(2026, 3, 16, 9, tzinfo=UTC), Renderer())
    (row,) = rows(db, "select stage, recipients from notifications")
    assert row["stage"] == "outage" and json.loads(row["recipients"]) == ["robot:值班群"]
