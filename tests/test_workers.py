"""`monitor run --only`: several worker processes on one database share the work through leases. Each
due source is fetched by one of them, the clocks are evaluated by one, and a worker killed with -9 hands
its sources over once its lease runs out. Real subprocesses against a real database: a SQLite file, and a
PostgreSQL schema."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import Reader, Route, rss, write_config
from test_daemon import WAIT_S, Daemon

pytestmark = pytest.mark.backends

SOURCES = 6


def feeds(web) -> str:
    """SOURCES feeds, two items about us in each."""
    out = ""
    for i in range(SOURCES):
        url = web.set(f"/f{i}.xml", rss([(f"青禾县审计局审计组被举报接受宴请 来源{i}-{n}", f"http://s{i}.example.cn/{n}", "",
                                          f"网友反映青禾县审计局审计组在农家乐吃请 来源{i} 第{n}条") for n in range(2)]))
        out += f'  - {{id: s{i}, kind: rss, url: "{url}", interval: 1h}}\n'
    return out


def count(db, sql: str) -> int:
    con = Reader(str(db))
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def wait_until(condition) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.2)


def test_two_collect_workers_and_a_tick_worker_share_the_work_each_source_fetched_once(web, tmp_path, db_target):
    config = write_config(tmp_path, feeds(web))
    db = db_target
    workers = [Daemon(config, db, "--only", "collect"), Daemon(config, db, "--only", "collect"),
               Daemon(config, db, "--only", "tick,deliver", "--tick-every", "1")]
    for w in workers:
        w.wait_for("守护进程已启动")
    wait_until(lambda: count(db, "select count(*) from sources where last_attempt_at is not null") == SOURCES)
    workers[2].wait_for("tick done")
    health = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "--db", str(db), "health",
                             "--json"], capture_output=True, text=True, timeout=WAIT_S)
    for w in workers:
        assert w.stop() == 0
    assert all(web.hits[f"/f{i}.xml"] == 1 for i in range(SOURCES)), web.hits
    assert count(db, "select count(*) from posts") == 2 * SOURCES
    collected = [sum("source collected" in line for line in w.seen) for w in workers]
    assert sum(collected) == SOURCES and collected[2] == 0
    assert not any("tick done" in line for w in workers[:2] for line in w.seen)
    report = json.loads(health.stdout)
    assert sorted(tuple(w["jobs"]) for w in report["workers"]) == [("collect",), ("collect",), ("deliver", "tick")]
    assert all(w["alive"] for w in report["workers"])
    assert count(db, "select count(*) from heartbeats where name like 'worker:%'") == 0     # each stopped cleanly
    assert count(db, "select count(*) from leases") == 0


def test_a_collect_worker_killed_mid_pass_hands_its_source_to_the_next_worker_on_the_host(web, tmp_path, db_target):
    body = rss([("青禾县审计局审计组被举报接受宴请", "http://slow.example.cn/1", "", "网友反映青禾县审计局审计组吃请")])
    web.routes["/slow.xml"] = Route(body=body, delay_s=30, then=Route(body=body))      # hangs once, then answers
    config = write_config(tmp_path, f'  - {{id: slow, kind: rss, url: "{web.base_url}/slow.xml", interval: 1h}}\n')
    db = db_target
    first = Daemon(config, db, "--only", "collect")
    first.wait_for("守护进程已启动")
    wait_until(lambda: web.hits.get("/slow.xml") == 1)         # it holds the source's lease, mid-fetch
    first.proc.kill()                                          # kill -9: nothing released
    first.proc.wait(timeout=WAIT_S)
    assert count(db, "select count(*) from leases where name = 'source:slow'") == 1
    second = Daemon(config, db, "--only", "collect")           # its holder is gone: no need to wait it out
    second.wait_for("source collected source=slow")
    assert second.stop() == 0
    assert web.hits["/slow.xml"] == 2 and count(db, "select count(*) from posts") == 1


def test_a_source_leased_by_a_worker_on_another_machine_waits_until_that_lease_runs_out(web, tmp_path, db_target):
    url = web.set("/f.xml", rss([("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "", "网友反映青禾县审计局审计组吃请")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h}}\n')
    db = db_target
    creates = Daemon(config, db, "--only", "tick")
    creates.wait_for("守护进程已启动")
    assert creates.stop() == 0
    now = datetime.now(timezone.utc)
    con = Reader(db)                                           # killed over there, mid-pass, a minute ago
    con.execute("insert into leases values ('source:a', 'elsewhere:1', ?, ?)",
                [(now - timedelta(minutes=1)).isoformat(timespec="seconds"),
                 (now + timedelta(minutes=9)).isoformat(timespec="seconds")])
    con.close()
    here = Daemon(config, db, "--only", "collect")
    here.wait_for("collect batch done")
    assert here.stop() == 0
    assert web.hits.get("/f.xml") is None and count(db, "select count(*) from posts") == 0
    later = Daemon(config, db, "--only", "collect", verbosity=("-vv", "--now", (now + timedelta(minutes=10)).isoformat()))
    later.wait_for("source collected source=a")
    assert later.stop() == 0
    assert web.hits["/f.xml"] == 1 and count(db, "select count(*) from posts") == 1
