"""Races between real processes on one SQLite file: concurrent ticks send each notice once;
close and respond racing leave a consistent clock and a complete audit trail."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys



def spawn(config, db, *args):
    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "--db", str(db), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_concurrent_ticks_at_the_same_instant_send_each_notice_once(declared, smtp, tmp_path):
    procs = [spawn(declared, tmp_path / "monitor.db", "--now", "2026-03-16T14:00+08:00", "tick") for _ in range(6)]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    received = smtp.take()
    # at 14:00 (1 h overdue): the first hourly repeat to each leader; the duty officer's reminders are moot
    assert sorted(m.to[0] for m in received) == ["deputy@agency.example.cn", "head@agency.example.cn"]
    con = sqlite3.connect(tmp_path / "monitor.db")
    assert con.execute("select count(*), sum(attempts) from notifications where status = 'sent'").fetchone() == (2, 2)


def test_close_and_respond_racing_leave_one_consistent_outcome(declared, smtp, tmp_path, run):
    db = tmp_path / "monitor.db"
    procs = [
        spawn(declared, db, "--now", "2026-03-16T09:00+08:00", "close", "1", "--by", "李娜", "--reason", "不实"),
        spawn(declared, db, "--now", "2026-03-16T09:00+08:00", "respond", "1", "--kind", "release", "--url",
              "https://x.gov.cn/1", "--by", "王强"),
        spawn(declared, db, "--now", "2026-03-16T09:00+08:00", "ack", "1", "--by", "张敏"),
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    shown = json.loads(run("--now", "2026-03-16T09:00+08:00", "show", "1", "--json", config=declared).output)
    release = next(d for d in shown["deadlines"] if d["kind"] == "release")
    press = next(d for d in shown["deadlines"] if d["kind"] == "press_conference")
    assert shown["status"] == "closed" and press["status"] == "cancelled"
    actions = [a["action"] for a in shown["actions"]]
    assert {"close", "respond", "ack"} <= set(actions)
    # either the release was recorded before the close (met), or after it (the clock was already cancelled)
    assert (release["status"], "clock_stop" in actions) in {("met", True), ("cancelled", False)}
    run("--now", "2026-03-16T20:00+08:00", "tick", config=declared)
    assert smtp.take() == []
