"""The console's pages at scale: 值班台 and an issue page on a database of 1,000,000 posts and
10,000 issues (1,000 of them open, 2 clocks each on the declared ones, 50,000 notifications,
100,000 audit rows).

    .venv/bin/python bench/console.py [--posts 1000000] [--issues 10000] [--open 1000] [--requests 60] [--db PATH]
    .venv/bin/python bench/console.py --db 'postgresql://postgres@127.0.0.1/test?schema=bench_console'

The database is built once (synthetic rows written straight into the schema the migrations make,
the full-text index filled by its triggers, or on PostgreSQL by store.pairs_index) and kept at --db for
reruns (a PostgreSQL schema is built when it has no posts). Requests go through the
real app (Flask test client, in process: no network), logged in; p50/p95 wall time per page.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.clock import FixedClock, to_iso
from monitor.config.load import load_config
from monitor.desk import people
from monitor.store import pairs_index, pg
from monitor.store.db import is_pg, open_db, rows
from monitor.web import create_app

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
WORDS = "审计 整改 资金 扶贫 工程 招标 宴请 公车 违规 通报 举报 群众 社区 乡镇 项目 专项 检查 问责 财政 预算".split()
CONFIG = """\
agency:
  name: 青禾县审计局
  keywords: {subject: [青禾县审计局]}
sources:
""" + "".join(f'  - {{id: s{i}, name: 来源{i}, kind: rss, url: "http://127.0.0.1:9/{i}.xml"}}\n' for i in range(20)) + """
people:
  duty: [duty@example.cn]
"""


def build(path: str, n_posts: int, n_issues: int, n_open: int, n_notices: int = 50000, n_actions: int = 100000) -> None:
    rnd = random.Random(7)
    db = open_db(path)
    conn = db.conn
    if not is_pg(db):
        conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.executemany("insert into sources(id, kind, url, status) values (?, 'rss', ?, 'ok')",
                     [(f"s{i}", f"http://127.0.0.1:9/{i}.xml") for i in range(20)])
    issues = []
    for i in range(1, n_issues + 1):
        seen = T0 + timedelta(minutes=i * 30)
        is_open = i > n_issues - n_open
        level = rnd.choice(["I", "II", "III", "IV", None]) if is_open else rnd.choice(["III", "IV", None])
        title = "青禾县" + "".join(rnd.sample(WORDS, 4)) + f"事件{i}"
        issues.append((i, title, json.dumps(rnd.sample(WORDS, 5), ensure_ascii=False),
                       json.dumps({w: 1 for w in rnd.sample(WORDS, 8)}, ensure_ascii=False),
                       "open" if is_open else "closed", level, rnd.choice(["III", "IV"]), "热度 3, 负面占比 20%",
                       rnd.random() * 60, rnd.random(), n_posts // n_issues, 3, 5, to_iso(seen), "minute", to_iso(seen),
                       to_iso(seen + timedelta(hours=3)), "opinion"))
    conn.executemany("insert into issues(id, title, keywords, signature, status, level, suggested_level, "
                     "suggested_reason, heat, negative_share, post_count, source_count, repost_count, "
                     "first_published_at, first_published_precision, first_seen_at, last_post_at, kind) "
                     "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", issues)
    batch = []
    for p in range(1, n_posts + 1):
        issue = rnd.randint(1, n_issues)
        seen = T0 + timedelta(minutes=issue * 30 + rnd.randint(0, 2000))
        title = "青禾县审计局" + "".join(rnd.sample(WORDS, 3)) + f"第{p}号"
        body = "，".join(rnd.sample(WORDS, 10)) + "。网友表示关注。"
        batch.append((p, f"s{p % 20}", f"https://example.cn/{p}", f"https://example.cn/{p}", title, body,
                      to_iso(seen), "minute", to_iso(seen), rnd.choice(["negative", "neutral", "positive"]),
                      rnd.random(), issue))
        if len(batch) == 20000:
            conn.executemany("insert into posts(id, source_id, url, canonical_url, title, body, published_at, "
                             "published_precision, seen_at, sentiment_label, sentiment_negative, issue_id) "
                             "values (?,?,?,?,?,?,?,?,?,?,?,?)", batch)
            batch = []
    if batch:
        conn.executemany("insert into posts(id, source_id, url, canonical_url, title, body, published_at, "
                         "published_precision, seen_at, sentiment_label, sentiment_negative, issue_id) "
                         "values (?,?,?,?,?,?,?,?,?,?,?,?)", batch)
    deadlines, did = [], 0
    for i, *_rest in issues:
        if _rest[4] == "open" and _rest[5]:
            for kind, hours in (("release", 5), ("press_conference", 24)):
                did += 1
                start = T0 + timedelta(minutes=i * 30)
                deadlines.append((did, i, kind, "国办发〔2016〕80号", "first_seen", to_iso(start),
                                  to_iso(start + timedelta(hours=hours)), "open", to_iso(start)))
    conn.executemany("insert into deadlines(id, issue_id, kind, basis, start_basis, started_at, due_at, status, "
                     "created_at) values (?,?,?,?,?,?,?,?,?)", deadlines)
    conn.executemany("insert into notifications(key, issue_id, deadline_id, stage, role, recipients, subject, body, "
                     "fire_at, created_at, status, sent_at) values (?,?,?,?,?,?,?,?,?,?, 'sent', ?)",
                     [(f"n{k}", rnd.randint(1, n_issues), None, "remind", "duty", '["duty@example.cn"]',
                       f"【舆情时限提醒】{k}", "正文", to_iso(T0 + timedelta(minutes=k)), to_iso(T0),
                       to_iso(T0 + timedelta(minutes=k))) for k in range(n_notices)])
    conn.executemany("insert into actions(at, by, issue_id, action, detail) values (?,?,?,?,?)",
                     [(to_iso(T0 + timedelta(minutes=k)), rnd.choice(["张敏", "李娜", "system"]),
                       rnd.randint(1, n_issues), rnd.choice(["declare", "notify", "ack", "clock_start"]), "{}")
                      for k in range(n_actions)])
    conn.execute("COMMIT")
    pairs_index.rebuild(db)                             # PostgreSQL's index (SQLite's triggers filled FTS5)
    conn.execute("ANALYZE")
    people.add(db, "bench", "duty", "bench password", T0, "bench")
    conn.close()


def timed(client, path: str, n: int) -> tuple[float, float]:
    walls = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(path)
        walls.append(time.perf_counter() - t)
        assert r.status_code == 200, (path, r.status_code)
    walls.sort()
    return statistics.median(walls) * 1000, walls[int(0.95 * (len(walls) - 1))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--open", type=int, default=1_000)
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--db", default="build/bench-console.db")
    a = ap.parse_args()
    server = pg.is_url(a.db)
    if server:
        empty = not rows(open_db(a.db), "select 1 as x from posts limit 1")
    else:
        Path(a.db).parent.mkdir(parents=True, exist_ok=True)
        empty = not os.path.exists(a.db)
    if empty:
        t = time.perf_counter()
        build(a.db, a.posts, a.issues, a.open)
        print(f"built {pg.shown(a.db)} in {time.perf_counter() - t:.0f} s")
    cfg = Path("build/bench-console-pg.yaml" if server else Path(a.db).with_suffix(".yaml"))
    cfg.write_text(CONFIG, encoding="utf-8")
    now = T0 + timedelta(minutes=a.issues * 30 + 60)
    app = create_app(load_config(cfg), a.db, FixedClock(now))
    client = app.test_client()
    token = client.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"name": "bench", "password": "bench password", "csrf_token": token})
    hot = a.issues            # the newest issue, open
    print(f"{platform.node()} {platform.processor() or platform.machine()} {os.cpu_count()} cores, "
          f"{datetime.now():%Y-%m-%d}; {a.posts:,} posts, {a.issues:,} issues ({a.open:,} open)")
    for name, path in (("值班台 /", "/"), ("board refresh /?partial=board", "/?partial=board"),
                       (f"issue /issues/{hot}", f"/issues/{hot}"), ("search 3 chars", "/search?q=宴请公车"),
                       ("search 2 chars", "/search?q=宴请"), ("audit /audit", "/audit")):
        p50, p95 = timed(client, path, a.requests)
        print(f"{name:32s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
