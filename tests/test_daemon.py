"""`monitor run` as a real subprocess: it collects and ticks on its own, stops cleanly on SIGTERM,
and after a restart neither loses nor repeats anything."""
from __future__ import annotations

import json
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import socket
from datetime import datetime, timedelta, timezone

import pytest

from conftest import rss, write_config

WAIT_S = 60   # upper bound for a condition to become true; never a wait for a deadline


class Daemon:
    def __init__(self, config, db, *extra: str, verbosity: tuple[str, ...] = ("-vv",)):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", *verbosity, "--config", str(config), "--db", str(db), "run", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.seen: list[str] = []

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, fragment: str) -> str:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if fragment in line:
                return line
        pytest.fail(f"daemon never printed {fragment!r}; output:\n{''.join(self.seen)}")

    def wait_all(self, *fragments: str) -> None:
        """Every fragment printed, in any order (the daemon's jobs run concurrently)."""
        missing = set(fragments)
        deadline = time.monotonic() + WAIT_S
        while missing and time.monotonic() < deadline:
            missing -= {f for f in missing if any(f in line for line in self.seen)}
            if not missing:
                return
            try:
                self.seen.append(self.lines.get(timeout=1))
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
        if missing:
            pytest.fail(f"daemon never printed {sorted(missing)}; output:\n{''.join(self.seen)}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=WAIT_S)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code


def test_daemon_collects_sends_late_notice_once_and_survives_restart(web, smtp, tmp_path, run):
    url = web.set("/f.xml", rss([("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "",
                                  "青禾县审计局审计组被举报")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h}}\n', smtp.port)
    db = tmp_path / "monitor.db"
    # the issue was seen and declared 6.5 h ago, while no daemon was running: the release deadline
    # passed 1.5 h ago and the first hourly repeat to the leaders fell due 30 min ago
    past = datetime.now(timezone.utc) - timedelta(hours=6, minutes=30)
    run("--now", past.isoformat(), "collect", config=config)
    run("--now", past.isoformat(), "declare", "1", "--level", "II", "--by", "李娜", config=config)

    d = Daemon(config, db)
    d.wait_all("守护进程已启动", "source collected source=a", "delivery done delivered=2")
    assert d.stop() == 0
    assert "守护进程已停止" in "".join(d.seen)
    mails = smtp.take()
    assert sorted(m.to[0] for m in mails) == ["deputy@agency.example.cn", "head@agency.example.cn"]
    assert all(m.subject.startswith("【补发】【舆情超时·第1次催办】") for m in mails)

    hits = web.hits["/f.xml"]
    d = Daemon(config, db)
    d.wait_all("tick done", "delivery done")
    assert d.stop() == 0
    assert smtp.take() == []
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from posts").fetchone() == (1,)
    assert con.execute("select count(*) from notifications where status = 'sent'").fetchone() == (2,)
    assert web.hits["/f.xml"] == hits      # collected seconds ago, interval 1 h: a restart does not refetch


def test_a_second_daemon_on_the_same_database_refuses_naming_the_first_and_kill_9_leaves_no_lock(
        web, tmp_path, run):
    url = web.set("/f.xml", rss([]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h}}\n')
    db = tmp_path / "monitor.db"
    first = Daemon(config, db)
    first.wait_for("守护进程已启动")
    second = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "--db", str(db), "run"],
                            capture_output=True, text=True, timeout=WAIT_S)
    assert second.returncode == 2
    assert f"进程 {first.proc.pid}" in second.stderr and "启动于" in second.stderr and "Traceback" not in second.stderr
    first.proc.kill()                                   # kill -9: no chance to release anything
    first.proc.wait(timeout=WAIT_S)
    third = Daemon(config, db)
    third.wait_for("守护进程已启动")
    assert third.stop() == 0


def test_hanging_sources_neither_delay_the_tick_nor_stop_sigterm(web, tmp_path, run):
    from conftest import Route
    sources = ""
    for i in range(4):
        web.routes[f"/hang{i}.xml"] = Route(body=rss([]), delay_s=30)
        sources += f'  - {{id: h{i}, kind: rss, url: "{web.base_url}/hang{i}.xml", interval: 1m}}\n'
    config = write_config(tmp_path, sources)
    d = Daemon(config, tmp_path / "monitor.db", "--tick-every", "1")
    d.wait_for("守护进程已启动")
    for _ in range(5):                                  # five ticks while every source is still hanging
        d.wait_for("tick done")
    assert not any("source collected" in line or "source failed" in line for line in d.seen)
    started = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - started < 10
    assert "守护进程已停止" in "".join(d.seen)


def test_health_is_ok_while_the_daemon_beats_and_says_why_when_it_stopped(web, tmp_path, run):
    url = web.set("/f.xml", rss([("青禾县审计局通报", "http://a.example.cn/1", "", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h}}\n')
    db = tmp_path / "monitor.db"
    d = Daemon(config, db)
    d.wait_all("source collected source=a", "tick done")
    r = run("health", config=config)
    assert r.exit_code == 0 and r.output.startswith("正常"), r.output
    assert d.stop() == 0
    later = (datetime.now(timezone.utc) + timedelta(minutes=10)).isoformat()
    r = run("--now", later, "health", "--json", config=config)
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert report["ok"] is False and [p["kind"] for p in report["problems"]] == ["daemon_down"]
    assert "没有心跳" in report["problems"][0]["text"]


def test_after_an_outage_the_duty_officer_gets_one_message_with_the_clocks_that_fell_due(
        web, smtp, tmp_path, run):
    url = web.set("/f.xml", rss([("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "",
                                  "青禾县审计局审计组被举报")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h}}\n', smtp.port)
    db = tmp_path / "monitor.db"
    past = datetime.now(timezone.utc) - timedelta(hours=6)
    run("--now", past.isoformat(), "collect", config=config)
    run("--now", past.isoformat(), "declare", "1", "--level", "II", "--by", "李娜", config=config)
    con = sqlite3.connect(db)
    con.execute("insert into heartbeats (name, pid, host, started_at, beat_at) values ('daemon', 1, 'h', ?, ?)",
                [past.isoformat(timespec="seconds"), (past + timedelta(minutes=1)).isoformat(timespec="seconds")])
    con.commit()
    for _ in range(2):                                   # a second restart is not a second outage
        d = Daemon(config, db)
        d.wait_all("tick done", "delivery done")
        assert d.stop() == 0
    outage = [m for m in smtp.take() if m.subject.startswith("【系统恢复】")]
    assert len(outage) == 1 and outage[0].to == ("duty@agency.example.cn",)
    assert "停止运行了5小时" in outage[0].subject and "发布权威信息" in outage[0].body
    assert "审计组被举报接受宴请" in outage[0].body


def test_the_daemon_rechecks_the_posts_of_open_issues_and_marks_a_deleted_one(web, tmp_path, run):
    web.set("/a/1.html", "not found", "text/plain", status=404)
    url = web.set("/f.xml", rss([("青禾县审计局审计组被举报接受宴请", f"{web.base_url}/a/1.html", "",
                                  "青禾县审计局审计组被举报接受宴请, 网友要求严肃处理。" * 3)]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h, robots: false}}\n')
    d = Daemon(config, tmp_path / "monitor.db")
    d.wait_all("source collected source=a", "post gone post=1")
    assert d.stop() == 0
    con = sqlite3.connect(tmp_path / "monitor.db")
    assert con.execute("select state, reason from post_checks").fetchall() == [("gone", "HTTP 404")]
    assert con.execute("select count(*) from snapshots where post_id = 1").fetchone() == (1,)


def test_logs_can_be_json_lines_with_the_event_and_its_fields(web, tmp_path):
    url = web.set("/f.xml", rss([("青禾县审计局审计公告", "http://a.example.cn/1", "", "青禾县审计局审计公告")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h}}\n')
    p = subprocess.run([sys.executable, "-m", "monitor", "-vv", "--log-format", "json", "--config", str(config),
                        "--db", str(tmp_path / "monitor.db"), "collect"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = [json.loads(line) for line in p.stderr.splitlines()]
    collected = next(x for x in lines if x["event"] == "source collected" and x.get("source") == "a")
    assert collected["level"] == "debug" and collected["logger"] == "monitor.collect.pipeline"
    assert collected["new"] == "1" and collected["at"].endswith("+00:00")


def test_without_v_the_daemon_logs_what_an_operator_reads_not_the_scheduler(web, tmp_path):
    url = web.set("/f.xml", rss([("青禾县审计局通报", "http://a.example.cn/1", "", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h}}\n')
    d = Daemon(config, tmp_path / "monitor.db", "--tick-every", "1", verbosity=())
    d.wait_all("daemon started", "collect batch done sources=1 new_posts=1")
    assert d.stop() == 0
    lines = d.seen + [d.lines.get() for _ in range(d.lines.qsize())]
    chatter = [x for x in lines if " INFO apscheduler" in x or "source collected" in x or "notice queued" in x]
    assert not chatter and any("daemon stopping" in x for x in lines), lines


def test_a_changed_sources_yaml_is_used_without_a_restart_and_a_broken_one_is_refused_with_a_notice(
        web, smtp, tmp_path):
    """Keywords and sources edited while the daemon runs are in force within a minute; a version that
    fails `monitor check` is refused, the last good one keeps collecting, the duty officer is told once."""
    a = web.set("/a.xml", rss([("青禾县审计局发布审计公告", "http://a.example.cn/1", "", "青禾县审计局")]))
    b = web.set("/b.xml", rss([("白杨镇卫生院药品回扣问题被曝光", "http://b.example.cn/1", "", "白杨镇卫生院")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{a}", interval: 1h}}\n', smtp.port)
    db = tmp_path / "monitor.db"
    d = Daemon(config, db, "--tick-every", "1")
    d.wait_all("守护进程已启动", "source collected source=a")

    good = config.read_text(encoding="utf-8").replace("subject: [青禾县审计局]", "subject: [青禾县审计局, 白杨镇卫生院]")
    good = good.replace("sources:\n", f'sources:\n  - {{id: b, name: 白杨镇论坛, kind: rss, url: "{b}", interval: 1h}}\n')
    config.write_text(good, encoding="utf-8")
    saved = time.monotonic()
    d.wait_for("configuration reloaded")
    d.wait_for("source collected source=b")
    in_force_s = time.monotonic() - saved
    con = sqlite3.connect(db)
    assert con.execute("select title from posts where source_id = 'b'").fetchall() == [("白杨镇卫生院药品回扣问题被曝光",)]
    assert in_force_s < 60

    config.write_text(good.replace("interval: 1h}\n", "interval: 一小时}\n", 1), encoding="utf-8")
    d.wait_for("configuration refused")
    d.wait_for("delivery done delivered=1")
    mails = smtp.take()
    assert [m.subject for m in mails] == ["【配置错误】配置文件「sources.yaml」有误，继续使用上次的有效版本"]
    assert "sources.yaml:" in mails[0].body and "不是有效的时长" in mails[0].body
    for _ in range(3):
        d.wait_for("tick done")
    assert smtp.take() == []                                       # once per refused version
    assert d.proc.poll() is None
    assert d.stop() == 0


def test_the_clocks_are_evaluated_only_by_the_holder_of_the_tick_lease_and_a_dead_holder_delays_nothing(
        web, tmp_path, run):
    url = web.set("/f.xml", rss([]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h}}\n')
    db = tmp_path / "monitor.db"
    run("collect", config=config)                       # creates the database
    now = datetime.now(timezone.utc)
    con = sqlite3.connect(db)
    with con:                                           # another machine's worker holds it for an hour
        con.execute("insert into leases values ('tick', 'elsewhere:1', ?, ?)",
                    [now.isoformat(timespec="seconds"), (now + timedelta(hours=1)).isoformat(timespec="seconds")])
    d = Daemon(config, db)
    d.wait_for("tick skipped: another process evaluates the clocks")
    assert d.stop() == 0
    assert "tick done" not in "".join(d.seen)

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with con:                                           # a daemon of ours killed with -9 held it
        con.execute("update leases set holder = ?", [f"{socket.gethostname()}:{dead.pid}"])
    d = Daemon(config, db)
    d.wait_for("tick done")
    assert d.stop() == 0
    assert con.execute("select count(*) from leases").fetchone() == (0,)    # a clean stop gives it up
