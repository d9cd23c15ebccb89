"""Storage as operators meet it: processes starting together on a new file, a missing or broken
database, and a database from before state moved out of the audit trail (migration 0009)."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone

import pytest
import sqlite_utils

from conftest import write_config
from monitor.clock import to_iso
from monitor.desk import actions
from monitor.views.read import list_issues
from monitor.store import answers, deadlines, issues
from monitor.store.db import open_db, transaction
from monitor.store.migrations import MIGRATIONS

NOW = datetime(2026, 3, 16, 4, tzinfo=timezone.utc)


def monitor(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "monitor", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.backends
def test_six_processes_starting_together_on_a_new_database_all_succeed(tmp_path, backend, request):
    config = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n")
    for trial in range(2):
        db = (request.getfixturevalue("pg_session").schema_url() if backend == "postgresql"
              else tmp_path / f"new{trial}.db")
        procs = [monitor("--config", str(config), "--db", str(db), "--now", "2026-03-16T10:00+08:00", "intake",
                         "--kind", "message", "--title", f"留言 {n}", "--received", "2026-03-16T09:00+08:00")
                 for n in range(6)]
        errors = [p.stderr.read() for p in procs if p.wait(timeout=120) != 0]
        assert errors == []
        got = open_db(str(db))
        assert sorted(i.title for i in issues.listed(got)) == [f"留言 {n}" for n in range(6)]
        assert len({name for name, _ in MIGRATIONS}) == got.execute("select count(*) from migrations").fetchone()[0]


def test_read_commands_refuse_a_missing_database_and_do_not_create_it(tmp_path, run):
    missing = tmp_path / "elsewhere.db"
    for command in (["issues"], ["alerts"], ["show", "1"], ["stats", "--from", "2026-01-01", "--to", "2026-12-31"]):
        p = monitor("--db", str(missing), "--config", str(tmp_path / "none.yaml"), *command)
        out, err = p.communicate(timeout=60)
        assert p.returncode == 2 and err.count("\n") == 1 and "数据库" in err and "不存在" in err, (command, err)
        assert "所有来源采集正常" not in out
    assert not missing.exists()


def test_a_file_that_is_not_a_database_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "monitor.db"
    bad.write_bytes(b"this is not a sqlite file at all" * 100)
    p = monitor("--db", str(bad), "issues")
    out, err = p.communicate(timeout=60)
    assert p.returncode == 2 and err.count("\n") == 1 and err.startswith("错误: 数据库文件已损坏或不是本系统的数据库"), err
    assert "Traceback" not in err


def _database_before_0009(path: str):
    """A database as the previous release left it: migrations up to 0008, state in the audit trail."""
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    db.execute("create table migrations (name text primary key, applied_at text)")
    for name, fn in MIGRATIONS:
        if name.startswith("0009"):
            break
        with transaction(db):
            fn(db)
            db.execute("insert into migrations values (?, ?)", [name, to_iso(NOW)])
    return db


def test_migration_0009_moves_acks_detections_responses_and_what_a_close_cancelled(tmp_path):
    path = str(tmp_path / "old.db")
    db = _database_before_0009(path)
    at = to_iso(NOW)
    db.execute("insert into sources (id, kind, url, own) values ('own', 'html', 'http://x/', 1)")
    db.execute("insert into issues (id, title, status, kind, level, first_seen_at) values "
               "(1, '旧舆情', 'closed', 'opinion', 'II', ?), (2, '另一件', 'open', 'opinion', 'II', ?)", [at, at])
    db.execute("insert into posts (id, source_id, canonical_url, title, url, own, issue_id, seen_at) values "
               "(5, 'own', 'http://x/5', '情况通报', 'http://x/5', 1, 2, ?)", [at])
    for d_id, issue_id, kind, status in ((10, 1, "release", "cancelled"), (11, 1, "press_conference", "met"),
                                         (12, 2, "release", "open")):
        db.execute("insert into deadlines (id, issue_id, kind, seq, started_at, due_at, status, basis, start_basis) "
                   "values (?, ?, ?, 0, ?, ?, ?, 'b', 'first_seen')", [d_id, issue_id, kind, at, at, status])
    legacy = [(1, "ack", {"roles": ["head"]}), (1, "respond", {"kind": "press_conference", "url": "http://x/9",
                                                               "published_at": at}),
              (1, "close", {"reason": "处置完毕", "cancelled_deadlines": [10]}),
              (2, "release_detected", {"post_id": 5, "deadline_id": 12, "kind": "release"})]
    for issue_id, action, detail in legacy:
        db.execute("insert into actions (at, by, issue_id, action, detail) values (?, '李娜', ?, ?, ?)",
                   [at, issue_id, action, json.dumps(detail, ensure_ascii=False)])
    db.conn.close()

    db = open_db(path)                                          # applies 0009
    assert issues.acked_roles(db, 1) == {"head"}
    assert answers.earliest_response(db, 1, "press_conference")["url"] == "http://x/9"
    assert [(d["issue_id"], d["post_id"], d["kind"]) for d in answers.awaiting(db)] == [(2, 5, "release")]
    assert deadlines.get(db, 10).cancelled_by == "close"
    assert actions.reopen(db, 1, "李娜", "出现新情况", NOW) == 1     # the close's clock runs again
    assert deadlines.get(db, 10).status == "open"
    listed = {i["id"]: i for i in list_issues(db, NOW)}
    assert listed[2]["release_detected"][0]["url"] == "http://x/5"


def test_backup_is_a_consistent_copy_taken_while_another_process_writes(tmp_path, run):
    db = tmp_path / "monitor.db"          # the `run` fixture's database
    open_db(str(db)).conn.close()
    con = sqlite3.connect(db)
    con.execute("insert into issues (title, kind, status, first_seen_at) values ('一', 'opinion', 'open', '2026-03-16')")
    con.commit()
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("begin immediate")                 # a concurrent writer holds the write lock
    writer.execute("insert into issues (title, kind, status, first_seen_at) values ('二', 'opinion', 'open', '2026-03-16')")
    out = tmp_path / "backup.db"
    r = run("backup", "--out", str(out))
    writer.execute("commit")
    assert r.exit_code == 0 and "完整性检查通过" in r.output, r.output
    copy = sqlite3.connect(out)
    assert copy.execute("pragma integrity_check").fetchone() == ("ok",)
    assert [t for (t,) in copy.execute("select title from issues")] == ["一"]      # committed data only
    r = run("backup", "--out", str(out))
    assert r.exit_code == 2 and "不会覆盖" in r.output


def test_doctor_checks_database_calendar_mail_and_disk_and_fails_on_an_unreachable_mail_server(
        smtp, tmp_path, run):
    import socket
    config = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n", smtp.port)
    run("--now", "2026-03-16T08:00+08:00", "intake", "--kind", "message", "--title", "留言", "--received",
        "2026-03-16T08:00", config=config)
    r = run("--now", "2026-03-16T08:00+08:00", "doctor", config=config)
    assert r.exit_code == 0, r.output
    assert "[正常] 数据库完整性" in r.output and "[正常] 数据库版本" in r.output
    assert "[正常] 2026 年节假日" in r.output and "[正常] 邮件服务器" in r.output and "磁盘空间" in r.output
    assert "[正常] 中文字体: 报告图表使用 Noto Sans CJK" in r.output, r.output
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
    config.write_text(config.read_text(encoding="utf-8").replace(f"port: {smtp.port}", f"port: {closed}"),
                      encoding="utf-8")
    r = run("--now", "2026-03-16T08:00+08:00", "doctor", config=config)
    assert r.exit_code == 1 and "[异常] 邮件服务器" in r.output and "monitor test-email" in r.output


def test_judging_reads_issues_and_windows_through_indexes_even_when_most_posts_have_no_issue(tmp_path):
    # most posts never join an issue; once SQLite has statistics (ANALYZE, PRAGMA optimize) an index on
    # issue_id looks useless to the planner, and each touched issue's refresh scanned every post
    from monitor.store import posts
    db = open_db(str(tmp_path / "monitor.db"))
    db.execute("insert into sources(id, kind, url, status) values ('a', 'rss', 'http://127.0.0.1:9/f', 'ok')")
    issue = issues.create(db, "青禾县审计局审计组被举报", "opinion", to_iso(NOW))
    rows = [(f"https://a.example/{i}", f"https://a.example/{i}", str(i), f"第{i}条", to_iso(NOW), to_iso(NOW))
            for i in range(4020)]
    add = ("insert into posts(source_id, url, canonical_url, content_hash, title, body, published_at, "
           "published_precision, seen_at, sentiment_label, issue_id, own) values ('a', ?, ?, ?, ?, '', ?, 'minute', ?, "
           "'neutral', ?, 0)")
    db.conn.executemany(add, [(*r, None) for r in rows[:4000]])
    db.execute("ANALYZE")                   # statistics from a day when no post had joined an issue yet
    db.conn.executemany(add, [(*r, issue) for r in rows[4000:]])
    statements = []
    db.conn.set_trace_callback(statements.append)
    issues.refresh(db, issue, ("青禾县审计局",))
    posts.first_id_since(db, to_iso(NOW))
    db.conn.set_trace_callback(None)
    scans = {sql: plan for sql in statements if sql.lstrip().lower().startswith("select")
             for plan in [[r[-1] for r in db.conn.execute(f"explain query plan {sql}")]]
             if any(step.startswith("SCAN posts") for step in plan)}
    assert not scans, scans


@pytest.mark.backends
def test_a_failed_inner_transaction_undoes_only_its_own_writes_at_every_depth(db_target):
    db = open_db(db_target)
    db.execute("create table t (n integer primary key, v text)")

    written = []

    def write(v, fail=False):
        written.append(v)
        db.execute("insert into t (n, v) values (?, ?)", [len(written), v])
        if fail:
            raise ValueError(v)

    with transaction(db):
        write("outer")
        with transaction(db):
            write("middle")
            try:
                with transaction(db):
                    write("inner, failed", fail=True)
            except ValueError:
                pass
            with transaction(db):
                write("inner, kept")
        try:
            with transaction(db):
                write("second middle")
                with transaction(db):
                    write("under a failed one")
                raise ValueError("second middle fails after its inner one succeeded")
        except ValueError:
            pass
    assert [r[0] for r in db.execute("select v from t order by n").fetchall()] == [
        "outer", "middle", "inner, kept"]
    assert not db.conn.in_transaction


def test_a_daily_backup_into_a_folder_keeps_the_newest_n(tmp_path, run):
    from conftest import write_config
    config = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n")
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    folder = tmp_path / "backups"
    for day in ("14", "15", "16", "17"):
        r = run("--now", f"2026-03-{day}T03:00+08:00", "backup", "--dir", str(folder), "--keep", "2", config=config)
        assert r.exit_code == 0, r.output
    assert sorted(p.name for p in folder.iterdir()) == ["monitor-20260316-0300.db", "monitor-20260317-0300.db"]
    r = run("backup", "--keep", "2", config=config)
    assert r.exit_code == 2 and "--out" in r.stderr
