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


def test_two_declarations_at_once_start_each_clock_once(declared, tmp_path, monkeypatch):
    """Two officers declare II in the same instant: both read "no clocks yet" unless the read is inside the
    write transaction. A barrier makes both reach the read before either writes (or gives up after 2 s when
    the second is rightly waiting for the write lock)."""
    import threading
    from datetime import datetime, timezone

    from monitor.config.load import load_config
    from monitor.desk import actions
    from monitor.store import deadlines
    from monitor.store.db import open_db

    config = load_config(declared)
    con = sqlite3.connect(tmp_path / "monitor.db")
    con.execute("delete from deadlines")
    con.execute("update issues set level = null")
    con.commit()
    barrier = threading.Barrier(2, timeout=2)
    kinds_of = deadlines.kinds_of

    def both_read_first(db, issue_id):
        found = kinds_of(db, issue_id)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return found
    monkeypatch.setattr(deadlines, "kinds_of", both_read_first)
    errors = []

    def declare(name):
        try:
            db = open_db(str(tmp_path / "monitor.db"))
            actions.declare(db, config, 1, "II", name, datetime(2026, 3, 16, 0, 10, tzinfo=timezone.utc))
        except Exception as e:          # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=declare, args=(n,)) for n in ("李娜", "张敏")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert con.execute("select kind, count(*) from deadlines where status = 'open' group by kind order by kind"
                       ).fetchall() == [("press_conference", 1), ("release", 1)]


def test_the_schema_refuses_a_second_open_clock_of_a_kind(declared, tmp_path):
    import pytest
    con = sqlite3.connect(tmp_path / "monitor.db")
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("insert into deadlines (issue_id, kind, seq, status, started_at, due_at) "
                    "select issue_id, kind, seq + 1, 'open', started_at, due_at from deadlines where kind = 'release'")
