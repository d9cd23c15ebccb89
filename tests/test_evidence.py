"""证据固定: every post kept in an issue has its snapshots (the item, and the article page where fetched)
with a sha256; a re-check over a local HTTP server marks a deleted post 已删除 and keeps its snapshot
viewable; a site that is down is not a deletion."""
from __future__ import annotations

import hashlib
import json

from conftest import Reader, rss, write_config

import pytest

pytestmark = pytest.mark.backends

ARTICLE = ("<html><head><meta charset='utf-8'><title>青禾县审计局审计组被举报</title></head><body><article>"
           "<h1>青禾县审计局审计组被举报接受宴请</h1>" + "<p>网友反映青禾县审计局审计组在审计期间接受被审计单位宴请，"
           "要求严肃处理。</p>" * 8 + "</article></body></html>")


def _setup(web, tmp_path, run):
    web.set("/a/1.html", ARTICLE, "text/html; charset=utf-8")
    web.set("/a/2.html", ARTICLE.replace("宴请", "宴请（续）"), "text/html; charset=utf-8")
    feed = web.set("/f.xml", rss([
        ("青禾县审计局审计组被举报接受宴请", f"{web.base_url}/a/1.html", "Mon, 16 Mar 2026 00:10:00 GMT", ""),
        ("青禾县审计局审计组接受宴请 网友要求严肃处理", f"{web.base_url}/a/2.html", "Mon, 16 Mar 2026 00:20:00 GMT", ""),
    ]))
    config = write_config(tmp_path, f'  - {{id: forum, name: 青禾论坛, kind: rss, url: "{feed}", article: true, '
                                    f'robots: false}}\n')
    r = run("--now", "2026-03-16T09:30+08:00", "collect", config=config)
    assert r.exit_code == 0, r.output
    return config


def _db(target):
    return Reader(target)


def test_each_post_in_an_issue_keeps_its_item_and_article_page_with_sha256(web, tmp_path, run, db_target):
    _setup(web, tmp_path, run)
    db = _db(db_target)
    snaps = db.execute("select s.*, p.url as post_url from snapshots s join posts p on p.id = s.post_id "
                       "where p.issue_id is not null order by s.post_id, s.kind").fetchall()
    kinds = {(r["post_url"].rsplit("/", 1)[1], r["kind"]) for r in snaps}
    assert kinds == {("1.html", "item"), ("1.html", "page"), ("2.html", "item"), ("2.html", "page")}
    import zlib
    for r in snaps:
        body = zlib.decompress(r["body"])
        assert hashlib.sha256(body).hexdigest() == r["sha256"] and r["size"] == len(body)
        assert len(r["body"]) < len(body) or r["kind"] == "item"       # stored compressed
    page = next(r for r in snaps if r["kind"] == "page" and r["post_url"].endswith("/1.html"))
    assert zlib.decompress(page["body"]).decode("utf-8") == ARTICLE
    item = next(r for r in snaps if r["kind"] == "item" and r["post_url"].endswith("/1.html"))
    assert json.loads(zlib.decompress(item["body"]))["title"] == "青禾县审计局审计组被举报接受宴请"


def test_a_post_that_returns_404_is_marked_deleted_when_noticed_and_its_snapshot_stays(web, tmp_path, run, db_target):
    config = _setup(web, tmp_path, run)
    r = run("--now", "2026-03-16T12:00+08:00", "recheck", config=config)
    assert r.exit_code == 0 and "新发现已删除 0 条" in r.output, r.output
    web.set("/a/1.html", "not found", "text/plain", status=404)
    web.set("/a/2.html", "<html><body><p>抱歉，该帖子已被删除</p></body></html>", "text/html; charset=utf-8")
    r = run("--now", "2026-03-16T19:00+08:00", "recheck", config=config)
    assert r.exit_code == 0 and "新发现已删除 2 条" in r.output, r.output
    db = _db(db_target)
    checks = {row["post_id"]: dict(row) for row in db.execute("select * from post_checks")}
    assert {c["gone_at"] for c in checks.values()} == {"2026-03-16T11:00:00+00:00"}
    assert sorted(c["reason"] for c in checks.values()) == ["HTTP 404", "页面显示「已被删除」"]
    assert db.execute("select count(*) from snapshots where kind = 'page'").fetchone()[0] == 2
    # a later check does not move the time it was first noticed, nor record it twice in the trail
    r = run("--now", "2026-03-17T09:00+08:00", "recheck", "--all", config=config)
    assert "检查 0 条信息" in r.output          # gone posts are not checked again
    assert db.execute("select count(*) from actions where action = 'post_gone'").fetchone()[0] == 2
    out = tmp_path / "d.html"
    r = run("--now", "2026-03-17T09:00+08:00", "report", "issue", "1", "--out", str(out), config=config)
    html = out.read_text(encoding="utf-8")
    assert "其中 2 条信息已被删除" in html and "已删除（2026-03-16 19:00 发现，HTTP 404）" in html


def test_a_site_that_is_down_is_not_a_deletion(web, tmp_path, run, db_target):
    config = _setup(web, tmp_path, run)
    web.set("/a/1.html", "busy", "text/plain", status=503)
    web.set("/a/2.html", ARTICLE, "text/html; charset=utf-8", misbehave="reset")
    r = run("--now", "2026-03-16T19:00+08:00", "recheck", config=config)
    assert "新发现已删除 0 条" in r.output and "无法访问 2 条" in r.output, r.output
    assert _db(db_target).execute("select count(*) from post_checks where gone_at is not null").fetchone()[0] == 0


def test_snapshots_of_long_closed_issues_are_dropped_by_retention_and_the_record_stays(web, tmp_path, run, db_target):
    config = _setup(web, tmp_path, run)
    r = run("--now", "2026-03-17T09:00+08:00", "close", "1", "--reason", "已处置", "--by", "李娜", config=config)
    assert r.exit_code == 0, r.output
    from monitor.store import evidence
    from monitor.store.db import open_db
    import datetime as dt
    db = open_db(db_target)
    assert evidence.prune(db, dt.datetime(2026, 3, 17, tzinfo=dt.timezone.utc)) == 0     # closed after that
    assert evidence.prune(db, dt.datetime(2027, 3, 17, tzinfo=dt.timezone.utc)) == 4
    assert db.execute("select count(*) from posts").fetchone()[0] == 2


def test_maintenance_keeps_the_record_and_drops_old_snapshots_and_unkept_text(web, tmp_path, run, db_target):
    config = _setup(web, tmp_path, run)
    run("--now", "2026-03-17T09:00+08:00", "close", "1", "--reason", "已处置", "--by", "李娜", config=config)
    r = run("--now", "2026-06-01T09:00+08:00", "maintenance", config=config)
    assert r.exit_code == 0 and "快照 0 份" in r.output, r.output             # within evidence.keep (3 years)
    r = run("--now", "2029-06-01T09:00+08:00", "maintenance", "--vacuum", config=config)
    assert r.exit_code == 0 and "快照 4 份" in r.output and "已压缩" in r.output, r.output
    db = _db(db_target)
    assert db.execute("select count(*) from snapshots").fetchone()[0] == 0
    assert db.execute("select count(*) from posts").fetchone()[0] == 2
    assert db.execute("select count(*) from actions where action = 'close'").fetchone()[0] == 1
    assert db.execute("select status from issues where id = 1").fetchone()[0] == "closed"
