"""Delivery: a notice is recorded as sent only after the SMTP server accepted it, and goes out once."""
from __future__ import annotations

import json

import pytest

from monitor.store.db import open_db

pytestmark = pytest.mark.backends


def statuses(db_target):
    db = open_db(db_target)
    try:
        return [tuple(r) for r in db.execute("select key, status, attempts, late from notifications order by id")]
    finally:
        db.conn.close()


def test_a_refused_message_stays_pending_and_is_retried_until_accepted(declared, smtp, tmp_path, db_target, run):
    smtp.fail_next = 1
    r = run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    assert "发送失败" in r.stderr and smtp.take() == []
    assert statuses(db_target) == [("d1:remind:7200:duty", "pending", 1, 0)]
    alerts = json.loads(run("--now", "2026-03-16T11:00+08:00", "alerts", "--json", config=declared).output)
    assert [n["key"] for n in alerts["undelivered"]] == ["d1:remind:7200:duty"]

    run("--now", "2026-03-16T11:00:30+08:00", "tick", config=declared)      # backoff: not yet retried
    assert smtp.take() == []
    run("--now", "2026-03-16T11:02+08:00", "tick", config=declared)
    assert [m.to for m in smtp.take()] == [("duty@agency.example.cn",)]
    run("--now", "2026-03-16T11:03+08:00", "tick", config=declared)
    assert smtp.take() == []
    assert statuses(db_target) == [("d1:remind:7200:duty", "sent", 2, 0)]


def test_an_unreachable_server_loses_nothing(declared, smtp, tmp_path, db_target, run):
    smtp.stop()
    r = run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    assert r.exit_code == 1 and "发送失败" in r.stderr          # every send failed: exit 1 for cron/systemd
    assert statuses(db_target)[0][1] == "pending"


def test_notices_due_while_the_daemon_was_down_go_out_once_marked_late(declared, smtp, tmp_path, db_target, run):
    run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)      # 2 h reminder on time
    smtp.take()
    # down from 11:00 to 12:40: the 1 h reminders (12:00) were missed
    for _ in range(3):
        run("--now", "2026-03-16T12:40+08:00", "tick", config=declared)
    late = smtp.take()
    assert sorted(m.to for m in late) == [("deputy@agency.example.cn",), ("duty@agency.example.cn",)]
    assert all(m.subject.startswith("【补发】") and "因系统停机延迟" in m.body for m in late)
    assert [s[3] for s in statuses(db_target)] == [0, 1, 1]


def test_email_carries_chinese_subject_and_stable_message_id(declared, smtp, run):
    run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    (m,) = smtp.take()
    assert "【舆情时限提醒】发布权威信息还剩2小时" in m.subject
    assert "青禾县审计局审计组被举报接受宴请" in m.body and "monitor respond" not in m.body
    assert m.message_id.endswith(".monitor@localhost>")


def test_ack_by_one_role_stops_only_its_repeats_and_the_clock_keeps_running(declared, smtp, run):
    run("--now", "2026-03-16T13:00+08:00", "tick", config=declared)          # breach to both leaders
    smtp.take()
    r = run("--now", "2026-03-16T13:30+08:00", "ack", "1", "--by", "王局长", "--role", "head", config=declared)
    assert r.exit_code == 0, r.output
    run("--now", "2026-03-16T14:00+08:00", "tick", config=declared)
    assert [m.to for m in smtp.take()] == [("deputy@agency.example.cn",)]
    deadlines = json.loads(run("--now", "2026-03-16T14:00+08:00", "show", "1", "--json", config=declared).output)["deadlines"]
    assert {d["kind"]: d["status"] for d in deadlines}["release"] == "overdue"


def test_reopened_issue_does_not_resend_what_was_already_sent(declared, smtp, tmp_path, db_target, run):
    run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    assert len(smtp.take()) == 1
    run("--now", "2026-03-16T11:10+08:00", "close", "1", "--by", "李娜", "--reason", "不实信息", config=declared)
    run("--now", "2026-03-16T11:30+08:00", "tick", config=declared)
    assert smtp.take() == []
    r = run("--now", "2026-03-16T11:40+08:00", "reopen", "1", "--by", "李娜", "--reason", "出现新的爆料", config=declared)
    assert r.exit_code == 0 and "恢复 2 个计时" in r.output
    run("--now", "2026-03-16T11:45+08:00", "tick", config=declared)
    assert smtp.take() == []                                                  # the 2 h reminder went out before
    run("--now", "2026-03-16T12:00+08:00", "tick", config=declared)
    assert sorted(m.to[0] for m in smtp.take()) == ["deputy@agency.example.cn", "duty@agency.example.cn"]
    assert len(statuses(db_target)) == 3


def test_an_operator_template_beside_the_config_replaces_only_that_template(declared, smtp, tmp_path, db_target, run):
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "remind.txt").write_text(
        "Subject: 本局自定义提醒 {{ deadline.label }} 还剩{{ remaining }} (编号 {{ issue.id }})\n正文\n", encoding="utf-8")
    run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    assert [m.subject for m in smtp.take()] == ["本局自定义提醒 发布权威信息 还剩2小时 (编号 1)"]
    run("--now", "2026-03-16T13:00+08:00", "tick", config=declared)
    assert any(m.subject.startswith("【舆情超时】发布权威信息") for m in smtp.take())     # breach: the package's


def test_every_notice_about_an_issue_links_to_its_console_page_and_gives_no_shell_command(declared, smtp, run):
    text = declared.read_text(encoding="utf-8") + "console_url: https://yq.example.gov.cn/console/\n"
    declared.write_text(text, encoding="utf-8")
    for at in ("11:00", "12:00", "13:00", "14:00", "15:00", "16:00"):      # reminders, breach, repeats
        run("--now", f"2026-03-16T{at}+08:00", "tick", config=declared)
    mails = smtp.take()
    assert {m.subject[:6] for m in mails} >= {"【舆情时限提", "【舆情超时】", "【舆情超时·"}
    for m in mails:
        assert "https://yq.example.gov.cn/console/issues/1" in m.body, m.subject
        assert "monitor " not in m.body and "--by" not in m.body, m.subject


def test_an_ack_stops_repeats_for_the_clocks_open_then_not_for_a_clock_started_later(declared, smtp, run):
    run("--now", "2026-03-16T13:00+08:00", "tick", config=declared)                 # release breached
    run("--now", "2026-03-16T13:30+08:00", "ack", "1", "--by", "王局长", config=declared)
    run("--now", "2026-03-16T14:00+08:00", "respond", "1", "--kind", "release", "--url", "https://gov.example.cn/1",
        "--by", "李娜", config=declared)                                           # starts the 24 h update clock
    smtp.take()
    for at in ("2026-03-17T14:00+08:00", "2026-03-17T15:00+08:00"):
        run("--now", at, "tick", config=declared)
    repeats = [m for m in smtp.take() if "持续发布进展" in m.subject and "催办" in m.subject]
    assert repeats, "the update clock started after the ack: its overdue repeats are not silenced by it"


def test_a_claim_left_by_a_process_that_died_mid_send_is_retaken_at_the_next_tick(declared, smtp, tmp_path, db_target, run):
    import socket
    import subprocess
    smtp.fail_next = 1
    run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)             # queued, first send refused
    dead = subprocess.Popen(["true"])
    dead.wait()                                                                   # a pid that no longer runs
    db = open_db(db_target)
    db.execute("update notifications set status = 'sending', next_attempt_at = ?, claimed_by = ?",
               ["2026-03-16T03:01:00+00:00", f"{socket.gethostname()}:{dead.pid}"])   # claimed at 11:01, then killed
    db.conn.close()
    run("--now", "2026-03-16T11:02+08:00", "tick", config=declared)
    assert [m.to for m in smtp.take()] == [("duty@agency.example.cn",)]         # not ten minutes later
    assert statuses(db_target)[0][1] == "sent"
