"""`monitor run` as a real subprocess: it collects and ticks on its own, stops cleanly on SIGTERM,
and after a restart neither loses nor repeats anything."""
from __future__ import annotations

import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import rss, write_config

WAIT_S = 60   # upper bound for a condition to become true; never a wait for a deadline


class Daemon:
    def __init__(self, config, db):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "-vv", "--config", str(config), "--db", str(db), "run"],
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
    d.wait_for("守护进程已启动")
    d.wait_for("source collected source=a")
    d.wait_for("tick done")
    assert d.stop() == 0
    assert "守护进程已停止" in "".join(d.seen)
    mails = smtp.take()
    assert sorted(m.to[0] for m in mails) == ["deputy@agency.example.cn", "head@agency.example.cn"]
    assert all(m.subject.startswith("【补发】【舆情超时·第1次催办】") for m in mails)

    d = Daemon(config, db)
    d.wait_for("source collected source=a")
    d.wait_for("tick done")
    assert d.stop() == 0
    assert smtp.take() == []
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from posts").fetchone() == (1,)
    assert con.execute("select count(*) from notifications where status = 'sent'").fetchone() == (2,)
    assert web.hits["/f.xml"] >= 3
