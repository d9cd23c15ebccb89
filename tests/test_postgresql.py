"""PostgreSQL as the server backend: the same schema as SQLite, `--db postgresql://` and MONITOR_DB, a unit
per schema, the character-pair index served by GIN, and `migrate-db` copying a SQLite installation with
every table's count and checksum proved. (The store, clock, outbox, search and console tests run on both
engines: the modules marked `backends`.)"""
from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import write_config
from monitor.store import pairs, pairs_index, pg, pg_schema, search
from monitor.store.copy import TABLES
from monitor.store.db import open_db, rows
from monitor.store.migrations import MIGRATIONS

NOW = datetime(2026, 3, 16, 2, tzinfo=timezone.utc)


def columns_sqlite(db) -> dict[str, list[tuple[str, str]]]:
    kinds = {"INTEGER": "int", "TEXT": "text", "REAL": "float", "BLOB": "bytes"}
    tables = [r["name"] for r in rows(db, "select name from sqlite_master where type = 'table' and name not like "
                                          "'posts_pairs%' and name not like 'sqlite_%'")]
    return {t: sorted((r["name"], kinds.get(r["type"].upper(), "text"))
                      for r in rows(db, f"select name, type from pragma_table_info('{t}')")) for t in tables}


def columns_pg(db) -> dict[str, list[tuple[str, str]]]:
    kinds = {"bigint": "int", "text": "text", "double precision": "float", "bytea": "bytes"}
    out: dict[str, list] = {}
    for r in rows(db, "select table_name, column_name, data_type from information_schema.columns "
                      "where table_schema = current_schema() and table_name != 'posts_pairs'"):
        if (r["table_name"], r["column_name"]) != ("issue_warnings", "rowid"):
            out.setdefault(r["table_name"], []).append((r["column_name"], kinds[r["data_type"]]))
    return {t: sorted(c) for t, c in out.items()}


def test_both_engines_end_their_migrations_with_the_same_tables_columns_and_types(tmp_path, pg_session):
    lite, server = open_db(str(tmp_path / "m.db")), open_db(pg_session.schema_url())
    assert columns_pg(server) == columns_sqlite(lite)
    applied = {r["name"] for r in rows(server, "select name from migrations")}
    assert applied == {name for name, _ in MIGRATIONS}


def test_every_migration_after_the_baseline_has_its_postgresql_form():
    later = [name for name, _ in MIGRATIONS if name > pg_schema.BASELINE_UPTO]
    assert sorted(pg_schema.LATER) == later


def test_the_same_indexes_exist_on_both_engines(tmp_path, pg_session):
    lite, server = open_db(str(tmp_path / "m.db")), open_db(pg_session.schema_url())
    want = {r["name"] for r in rows(lite, "select name from sqlite_master where type = 'index' and sql is not null")}
    have = {r["indexname"] for r in rows(server, "select indexname from pg_indexes where schemaname = current_schema()")}
    assert want <= have


def test_units_in_two_schemas_of_one_database_see_nothing_of_each_other(pg_session, tmp_path, run):
    a, b = pg_session.schema_url(), pg_session.schema_url()
    config = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n")
    from click.testing import CliRunner
    from monitor.cli import cli
    r = CliRunner().invoke(cli, ["--db", a, "--config", str(config), "--now", "2026-03-16T10:00+08:00", "intake",
                                 "--kind", "message", "--title", "甲单位的留言", "--received", "2026-03-16T09:00+08:00"])
    assert r.exit_code == 0, r.output
    shown_b = CliRunner().invoke(cli, ["--db", b, "--config", str(config), "issues", "--all"])
    shown_a = CliRunner().invoke(cli, ["--db", a, "--config", str(config), "issues", "--all"])
    assert "甲单位的留言" in shown_a.output and "甲单位的留言" not in shown_b.output


def test_monitor_db_in_the_environment_selects_postgresql_for_every_command(pg_session, tmp_path):
    url = pg_session.schema_url()
    config = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n")
    env = {"MONITOR_DB": url, "MONITOR_CONFIG": str(config), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "monitor", "--now", "2026-03-16T10:00+08:00", "intake", "--kind",
                           "message", "--title", "环境变量里的库", "--received", "2026-03-16T09:00+08:00"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "monitor.db").exists()                 # nothing went to a SQLite file
    assert [i["title"] for i in rows(open_db(url), "select title from issues")] == ["环境变量里的库"]


def test_an_unreachable_server_or_a_bad_schema_name_is_one_chinese_line_and_exit_2(tmp_path):
    for url, said in (("postgresql://postgres@127.0.0.1:9/none", "无法连接 PostgreSQL"),
                      ("postgresql://postgres@127.0.0.1/test?schema=Bad-Name", "schema=Bad-Name 无效")):
        done = subprocess.run([sys.executable, "-m", "monitor", "--db", url, "issues"], capture_output=True,
                              text=True, cwd=tmp_path, timeout=60)
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_statement_with_quotes_percent_signs_and_named_parameters_reaches_the_server_as_written():
    assert pg.translate("select ? where a like '%?%' and b = :now and c::text = :r") == \
        "select %s where a like '%%?%%' and b = %(now)s and c::text = %(r)s"


def test_the_pair_index_answers_a_two_character_word_from_gin_among_many_posts(pg_session):
    db = open_db(pg_session.schema_url())
    db.conn.executemany("insert into posts (canonical_url, title, body, seen_at, near_duplicate) values (?, ?, ?, ?, 0)",
                        [(f"http://a.example.cn/{n}", f"青禾县审计局工作动态第{n}期", "噪音扰民" if n % 500 == 7 else
                          "审计整改情况通报", "2026-03-16T00:00:00+00:00") for n in range(5000)])
    pairs_index.rebuild(db)
    db.execute("analyze posts_pairs")
    db.execute("set enable_seqscan = off")     # at 5,000 short posts a scan is cheaper; can the index serve it?
    plan = " ".join(r[0] for r in db.execute("explain select count(*) from posts_pairs where tokens @@ ?::tsquery",
                                             [pairs_index.query(["噪音"])]))
    assert "posts_pairs_tokens" in plan, plan                 # a trigram index could not: 噪音 is two characters
    db.execute("set enable_seqscan = on")
    assert len(search.posts(db, ["噪音"])) == 10 == search.count(db, ["噪音"])
    assert search.posts(db, ["音噪"]) == []                     # the pairs in order: a phrase, not a bag


def test_pair_tokens_keep_their_order_across_title_and_body_as_fts5_does():
    assert pairs_index.vector("审计组", "被举报") == "'审计':1 '计组':2 '组':3 '被举':4 '举报':5 '报':6"
    assert pairs_index.query(["噪音", "公 车", "饭"]) == "('噪音') & ('公车') & '饭':*"
    assert pairs.pairs("审计组", "被举报").split() == [t.split("'")[1] for t in pairs_index.vector("审计组", "被举报").split()]


def test_migrate_db_copies_a_sqlite_installation_with_counts_and_checksums_and_carries_on_there(
        tmp_path, pg_session, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lite = str(tmp_path / "demo.db")
    done = subprocess.run([sys.executable, "-m", "monitor", "--db", lite, "demo"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    url = pg_session.schema_url()
    done = subprocess.run([sys.executable, "-m", "monitor", "--db", lite, "migrate-db", "--to", url],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "不一致" not in done.stdout and "全部一致" in done.stdout
    counted = {m[1]: (int(m[2]), int(m[3])) for m in re.finditer(r"^(\w+)\s+(\d+)\s+(\d+)\s+一致$", done.stdout, re.M)}
    assert set(counted) == set(TABLES) and counted["posts"][0] > 10 and all(a == b for a, b in counted.values())
    server = open_db(url)
    source = sqlite3.connect(lite)
    assert [r["title"] for r in rows(server, "select title from issues order by id")] == \
        [r[0] for r in source.execute("select title from issues order by id")]
    assert search.count(server, ["宴请"]) == search.count(open_db(lite), ["宴请"]) > 0
    # ids continue after the copied ones: the next audit record is numbered as SQLite would have
    top = source.execute("select max(id) from actions").fetchone()[0]
    from monitor.store import audit
    assert audit.record(server, NOW, "测试", None, "note") == top + 1
    again = subprocess.run([sys.executable, "-m", "monitor", "--db", lite, "migrate-db", "--to", url],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "不是空的" in again.stderr, again.stderr


def test_migrate_db_reports_a_table_whose_copy_differs(tmp_path, pg_session):
    """A checksum that cannot fail proves nothing: change one copied value and the check names the table."""
    from monitor.store import copy as copying
    lite = open_db(str(tmp_path / "m.db"))
    lite.execute("insert into sources (id, kind, url, own) values ('a', 'rss', 'http://x/', 0)")
    server = open_db(pg_session.schema_url())
    copying.copy(lite, server)
    server.execute("update sources set url = 'http://y/'")
    checked = {c.table: c for c in [copying._compare(lite, server, t) for t in ("sources", "posts")]}
    assert not checked["sources"].ok and checked["sources"].source_rows == checked["sources"].target_rows == 1
    assert checked["posts"].ok


def test_two_writers_of_one_unit_queue_for_its_lock_and_both_commit(pg_session):
    """A write transaction holds the unit's advisory lock, as SQLite's BEGIN IMMEDIATE holds the file's."""
    import threading
    from monitor.store.db import transaction
    url = pg_session.schema_url()
    a, b = open_db(url), open_db(url)
    order: list[str] = []
    started = threading.Event()

    def second():
        started.set()
        with transaction(b):
            order.append("b")
    with transaction(a):
        t = threading.Thread(target=second)
        t.start()
        started.wait()
        for _ in range(600):                                     # until b is seen waiting (at most a minute)
            waiting = rows(a, "select count(*) as n from pg_locks where locktype = 'advisory' and not granted and "
                              "database = (select oid from pg_database where datname = current_database())")[0]["n"]
            if waiting:
                break
            time.sleep(0.1)
        assert t.is_alive() and waiting == 1 and order == []     # b waits for a's lock
        order.append("a")
    t.join(timeout=30)
    assert order == ["a", "b"]


def test_a_second_whole_daemon_on_a_unit_refuses_and_kill_9_leaves_no_lock_behind(web, tmp_path, pg_session):
    from conftest import rss
    from test_daemon import WAIT_S, Daemon
    url = web.set("/f.xml", rss([]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}", interval: 1h}}\n')
    db = pg_session.schema_url()
    first = Daemon(config, db)
    first.wait_for("守护进程已启动")
    second = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "--db", db, "run"],
                            capture_output=True, text=True, timeout=WAIT_S)
    assert second.returncode == 2 and "另一个 monitor run 正在使用数据库" in second.stderr, second.stderr
    assert "Traceback" not in second.stderr
    first.proc.kill()                                   # kill -9: the server drops its session and its lock
    first.proc.wait(timeout=WAIT_S)
    third = Daemon(config, db)
    third.wait_for("守护进程已启动")
    assert third.stop() == 0


def test_an_office_database_that_is_not_postgresql_is_named_with_its_line(tmp_path):
    from monitor.config.office import load_office
    from monitor.errors import ConfigError
    root = tmp_path / "office"
    (root / "agencies" / "shenji").mkdir(parents=True)
    (root / "office.yaml").write_text("office: 青禾县政务公开办\ndatabase: mysql://root@127.0.0.1/monitor\n",
                                      encoding="utf-8")
    (root / "agencies" / "shenji" / "sources.yaml").write_text(
        "agency:\n  name: 青禾县审计局\n  keywords: {subject: [青禾县审计局]}\nsources: []\npeople: {duty: [a@b.cn]}\n",
        encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_office(root)
    assert any("office.yaml:2:" in p and "PostgreSQL" in p for p in e.value.problems), e.value.problems


def test_units_opened_shared_in_one_thread_use_one_session_and_each_sees_only_its_own_rows(pg_session):
    from monitor.store.db import transaction
    units = [open_db(pg_session.schema_url(), shared=True) for _ in range(20)]
    backends = {rows(db, "select pg_backend_pid() as pid")[0]["pid"] for db in units}
    assert len(backends) == 1                                    # 20 units, one server session
    other = threading.Thread(target=lambda: backends.add(rows(open_db(pg_session.schema_url(), shared=True),
                                                              "select pg_backend_pid() as pid")[0]["pid"]))
    other.start()
    other.join(timeout=60)
    assert len(backends) == 2                                    # another thread: a session of its own
    for n, db in enumerate(units):
        with transaction(db):
            db.execute("insert into sources (id, kind, url, own) values (?, 'rss', 'http://x/', 0)", [f"s{n}"])
    assert [[r["id"] for r in rows(db, "select id from sources")] for db in units] == [[f"s{n}"] for n in range(20)]
    # a failed transaction in one unit leaves the next unit's statements outside it
    try:
        with transaction(units[0]):
            units[0].execute("insert into sources (id, kind, url, own) values ('x', 'rss', 'http://x/', 0)")
            raise ValueError
    except ValueError:
        pass
    assert not units[1].conn.in_transaction and [r["id"] for r in rows(units[0], "select id from sources")] == ["s0"]
