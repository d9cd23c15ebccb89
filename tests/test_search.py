"""Full-text search as the duty officer uses it: every post that contains the words, exact copies
(转载 of the same text on other sites) included, while a copy's text is indexed only once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlite_utils

from conftest import write_config
from monitor.clock import SimClock
from monitor.collect.pipeline import Collector
from monitor.config.load import load_config
from monitor.judge.candidate import RawItem
from monitor.store import posts, search
from monitor.store.db import is_pg, open_db
from monitor.store.migrations import MIGRATIONS

pytestmark = pytest.mark.backends

NOW = datetime(2026, 3, 16, 2, tzinfo=timezone.utc)
TEXT = ("3月15日中午，有网友在东坪镇一家农家乐看到青禾县审计局审计组几名工作人员与镇里干部一起吃饭喝酒，"
        "门口停着公车。审计的人吃被审计单位的饭，审计结果还能信吗？")
TITLE = "青禾县审计局审计组被指接受宴请"


def collected(tmp_path, items, target: str | None = None) -> tuple[sqlite_utils.Database, Collector]:
    config = load_config(write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n"))
    db = open_db(target or str(tmp_path / "monitor.db"))
    collector = Collector(db, config, SimClock(NOW))
    for n, item in enumerate(items):
        collector.judge_items(config.source("a"), [item], NOW + timedelta(minutes=n))
    return db, collector


def indexed(db, table: str = "posts_pairs") -> int:
    if is_pg(db):
        return db.execute("select count(*) from posts_pairs").fetchone()[0]
    return db.execute(f"select count(*) from {table}_docsize").fetchone()[0]


def check_index(db) -> None:
    """The index holds exactly the posts it should: FTS5's own check, or the same rows on PostgreSQL."""
    if not is_pg(db):
        db.execute("insert into posts_pairs(posts_pairs, rank) values ('integrity-check', 0)")   # raises when corrupt
        return
    want = {r[0] for r in db.execute("select id from posts where duplicate_of is null or near_duplicate = 1")}
    assert {r[0] for r in db.execute("select rowid from posts_pairs")} == want


def urls(found) -> list[str]:
    return sorted(p["url"] for p in found)


def test_exact_copies_are_found_by_search_but_their_text_is_indexed_once(tmp_path, db_target):
    copies = [RawItem(TITLE, f"http://site{n}.example.cn/1", TEXT) for n in range(4)]
    other = RawItem("青禾县审计局开展审计进社区宣讲活动", "http://gov.example.cn/2", "宣讲活动在东坪镇举行。")
    db, _ = collected(tmp_path, [*copies, other], db_target)
    assert db.execute("select count(*) from posts where duplicate_of is not null and near_duplicate = 0"
                      ).fetchone()[0] == 3
    assert indexed(db) == 2
    assert urls(search.posts(db, ["农家乐"])) == [c.link for c in copies]
    assert urls(search.posts(db, ["东坪镇"])) == sorted([*(c.link for c in copies), other.link])
    assert urls(search.posts(db, ["农家乐", "公车"])) == [c.link for c in copies]     # a short word filters copies too
    assert [p["url"] for p in search.posts(db, ["东坪镇"], limit=2)] == [other.link, copies[3].link]  # newest first
    db.execute("update posts set issue_id = null")
    assert posts.drop_bodies(db, NOW + timedelta(days=1)) == 5                # retention empties every body
    check_index(db)
    assert search.posts(db, ["农家乐"]) == [] and len(search.posts(db, ["青禾县审计局"])) == 5


def test_an_exact_copy_edited_in_place_is_found_by_its_new_words_and_no_longer_by_its_old_ones(tmp_path, db_target):
    copies = [RawItem(TITLE, f"http://site{n}.example.cn/1", TEXT) for n in range(2)]
    edited = RawItem(TITLE, copies[1].link, TEXT.replace("农家乐", "山庄饭店"))
    db, _ = collected(tmp_path, [*copies, edited], db_target)
    assert urls(search.posts(db, ["山庄饭店"])) == [copies[1].link]
    assert urls(search.posts(db, ["农家乐"])) == [copies[0].link]
    check_index(db)


def test_migration_takes_exact_copies_out_of_an_index_that_held_them(tmp_path):
    path = str(tmp_path / "old.db")
    last = [n for n, _ in MIGRATIONS].index("0022_index_copies_once")
    db = sqlite_utils.Database(path)
    for name, fn in MIGRATIONS[:last]:
        fn(db)
    db["migrations"].insert_all([{"name": n, "applied_at": "2026-03-01T00:00:00+00:00"} for n, _ in MIGRATIONS[:last]])
    for n in range(3):
        db["posts"].insert({"url": f"http://site{n}.example.cn/1", "canonical_url": f"http://site{n}.example.cn/1",
                            "title": TITLE, "body": TEXT, "duplicate_of": 1 if n else None, "near_duplicate": 0,
                            "seen_at": "2026-03-01T00:00:00+00:00"})
    assert indexed(db, "posts_fts") == 3
    db.conn.commit()
    db.close()
    db = open_db(path)
    assert indexed(db) == 1
    assert len(search.posts(db, ["农家乐"])) == 3
    db.execute("insert into posts_pairs(posts_pairs, rank) values ('integrity-check', 0)")


def test_two_character_words_are_found_through_the_index_and_an_absent_one_reads_nothing(tmp_path, db_target):
    db, _ = collected(tmp_path, [RawItem(TITLE, "http://a.example.cn/1", TEXT),
                                 RawItem("青禾县审计局：PM2.5 监测数据公开", "http://b.example.cn/2", "空气质量监测")],
                      db_target)
    assert urls(search.posts(db, ["公车"])) == ["http://a.example.cn/1"]
    assert urls(search.posts(db, ["噪音"])) == []
    if not is_pg(db):           # PostgreSQL's plan: test_postgresql.py, on enough posts for the planner to care
        plan = " ".join(r[3] for r in db.execute(
            "explain query plan select rowid from posts_pairs where posts_pairs match ? order by rowid desc limit 5",
            [search.expression(["噪音"])]))
        assert "VIRTUAL TABLE INDEX" in plan and "SCAN posts " not in plan
    assert urls(search.posts(db, ["pm2.5"])) == urls(search.posts(db, ["PM 2.5"])) == ["http://b.example.cn/2"]
    assert urls(search.posts(db, ["饭"])) == ["http://a.example.cn/1"]                 # one character: a prefix
    assert urls(search.posts(db, ["审计局", "监测"])) == ["http://b.example.cn/2"]     # every word
    assert search.posts(db, ["，。"]) == []


def test_the_newest_hits_come_first_and_the_count_is_estimated_from_the_index(tmp_path, db_target):
    items = [RawItem(f"青禾县审计局工作动态第{n}期", f"http://a.example.cn/{n}", f"第{n}期内容，审计整改") for n in range(30)]
    db, _ = collected(tmp_path, items, db_target)
    found = search.posts(db, ["青禾县审计局"], limit=5)
    assert [p["url"] for p in found] == [f"http://a.example.cn/{n}" for n in range(29, 24, -1)]
    assert search.estimate(db, ["青禾县审计局"]) == 30 and search.count(db, ["青禾县审计局"]) == 30
    assert search.estimate(db, ["青禾县审计局"], sample=5) == 30          # the newest 5 of 30 ids: every one a hit
    assert search.estimate(db, ["第1期"]) == 1 == search.count(db, ["第1期"])        # fewer than sampled: exact
    assert search.estimate(db, ["噪音"]) == 0


def test_undelivered_notices_are_found_through_their_partial_index(tmp_path):
    """Nearly every notice is sent, for good: the few still to send are read without touching the rest."""
    from monitor.store import outbox
    db = open_db(str(tmp_path / "m.db"))
    db.conn.executemany("insert into notifications(key, stage, role, recipients, subject, body, fire_at, created_at, "
                        "status) values (?, 'remind', 'duty', '[]', 's', 'b', ?, ?, ?)",
                        [(f"n{k}", f"2026-01-01T{k % 24:02d}:00:00+00:00", "2026-01-01T00:00:00+00:00",
                          "sent" if k > 2 else "pending") for k in range(5000)])
    db.execute("analyze")
    for sql, args in (("select * from notifications where status in ('pending', 'sending') order by fire_at", []),
                      ("select n.id from notifications n where n.status in ('pending', 'sending') and (n.status = "
                       "'sending' or n.next_attempt_at is null or n.next_attempt_at <= ?) order by n.fire_at, n.id",
                       ["2026-01-02"])):
        plan = " ".join(r[3] for r in db.execute(f"explain query plan {sql}", args))
        assert "notifications_undelivered" in plan, plan
    assert len(outbox.undelivered(db)) == 3
