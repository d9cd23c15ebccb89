"""Full-text search as the duty officer uses it: every post that contains the words, exact copies
(转载 of the same text on other sites) included, while a copy's text is indexed only once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlite_utils

from conftest import write_config
from monitor.clock import SimClock
from monitor.collect.pipeline import Collector
from monitor.config.load import load_config
from monitor.judge.candidate import RawItem
from monitor.store import posts, search
from monitor.store.db import open_db
from monitor.store.migrations import MIGRATIONS

NOW = datetime(2026, 3, 16, 2, tzinfo=timezone.utc)
TEXT = ("3月15日中午，有网友在东坪镇一家农家乐看到青禾县审计局审计组几名工作人员与镇里干部一起吃饭喝酒，"
        "门口停着公车。审计的人吃被审计单位的饭，审计结果还能信吗？")
TITLE = "青禾县审计局审计组被指接受宴请"


def collected(tmp_path, items) -> tuple[sqlite_utils.Database, Collector]:
    config = load_config(write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n"))
    db = open_db(str(tmp_path / "monitor.db"))
    collector = Collector(db, config, SimClock(NOW))
    for n, item in enumerate(items):
        collector.judge_items(config.source("a"), [item], NOW + timedelta(minutes=n))
    return db, collector


def indexed(db) -> int:
    return db.execute("select count(*) from posts_fts_docsize").fetchone()[0]


def urls(found) -> list[str]:
    return sorted(p["url"] for p in found)


def test_exact_copies_are_found_by_search_but_their_text_is_indexed_once(tmp_path):
    copies = [RawItem(TITLE, f"http://site{n}.example.cn/1", TEXT) for n in range(4)]
    other = RawItem("青禾县审计局开展审计进社区宣讲活动", "http://gov.example.cn/2", "宣讲活动在东坪镇举行。")
    db, _ = collected(tmp_path, [*copies, other])
    assert db.execute("select count(*) from posts where duplicate_of is not null and near_duplicate = 0"
                      ).fetchone()[0] == 3
    assert indexed(db) == 2
    assert urls(search.posts(db, ["农家乐"])) == [c.link for c in copies]
    assert urls(search.posts(db, ["东坪镇"])) == sorted([*(c.link for c in copies), other.link])
    assert urls(search.posts(db, ["农家乐", "公车"])) == [c.link for c in copies]     # a short word filters copies too
    assert [p["url"] for p in search.posts(db, ["东坪镇"], limit=2)] == [other.link, copies[3].link]  # newest first
    db.execute("update posts set issue_id = null")
    assert posts.drop_bodies(db, NOW + timedelta(days=1)) == 5                # retention empties every body
    db.execute("insert into posts_fts(posts_fts, rank) values ('integrity-check', 0)")
    assert search.posts(db, ["农家乐"]) == [] and len(search.posts(db, ["青禾县审计局"])) == 5


def test_an_exact_copy_edited_in_place_is_found_by_its_new_words_and_no_longer_by_its_old_ones(tmp_path):
    copies = [RawItem(TITLE, f"http://site{n}.example.cn/1", TEXT) for n in range(2)]
    edited = RawItem(TITLE, copies[1].link, TEXT.replace("农家乐", "山庄饭店"))
    db, _ = collected(tmp_path, [*copies, edited])
    assert urls(search.posts(db, ["山庄饭店"])) == [copies[1].link]
    assert urls(search.posts(db, ["农家乐"])) == [copies[0].link]
    db.execute("insert into posts_fts(posts_fts, rank) values ('integrity-check', 0)")   # raises when corrupt


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
    assert indexed(db) == 3
    db.conn.commit()
    db.close()
    db = open_db(path)
    assert indexed(db) == 1
    assert len(search.posts(db, ["农家乐"])) == 3
    db.execute("insert into posts_fts(posts_fts, rank) values ('integrity-check', 0)")
