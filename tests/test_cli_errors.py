"""Bad operator input: a one-line error and exit 2, never a traceback."""
from __future__ import annotations

import pytest

from conftest import rss, write_config


@pytest.fixture
def config_with_issue(web, tmp_path, run):
    url = web.set("/f.xml", rss([("青禾县审计局被举报", "http://a.example.cn/1", "", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n')
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    return config


@pytest.mark.parametrize("args, fragment", [
    (["show", "99"], "没有编号为 99 的舆情"),
    (["declare", "99", "--level", "II", "--by", "李娜"], "没有编号为 99 的舆情"),
    (["declare", "1", "--level", "V", "--by", "李娜"], "级别应为 I / II / III / IV"),
    (["--now", "tomorrow", "issues"], "不是有效的时间"),
    (["respond", "1", "--kind", "release", "--url", "not-a-url", "--by", "李娜"], "需要一个 http(s) 网址"),
    (["respond", "1", "--kind", "release", "--url", "https://x.cn/1", "--at", "2099-01-01T00:00+08:00",
      "--by", "李娜"], "不能晚于当前时间"),
    (["ack", "1", "--by", " "], "--by 需要填写操作人姓名"),
    (["collect", "--source", "nope"], "未知的来源: nope"),
    (["show", "99999999999999999999999"], "没有编号为 99999999999999999999999 的舆情"),
    (["label", "99999999999999999999", "--as", "neutral", "--by", "李娜"], "没有编号为 99999999999999999999 的信息"),
    (["--now", "0001-01-01", "issues"], "时间超出范围"),
    (["--now", "0001-01-01", "tick"], "时间超出范围"),
    (["intake", "--kind", "message", "--title", "x", "--received", "9999-12-31T10:00"], "时间超出范围"),
    (["stats", "--from", "0001-01-01", "--to", "9999-12-31"], "超出范围"),
    (["report", "annual", "--year", "1", "--out", "a.xlsx"], "年份"),
    (["report", "annual", "--year", "9999", "--out", "a.xlsx"], "年份"),
    (["report", "daily", "--date", "0001-01-01", "--out", "d.html"], "超出范围"),
    (["report", "daily", "--date", "9999-12-31", "--out", "d.html"], "超出范围"),
    (["dismiss", "99", "--by", "李娜", "--reason", "误报"], "没有编号为 99 的舆情"),
])
def test_bad_input_is_a_one_line_error_with_exit_2(config_with_issue, run, args, fragment):
    r = run(*args, config=config_with_issue)
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and fragment in r.stderr, r.stderr


def test_binary_stdin_a_directory_as_config_and_a_huge_title_are_one_line_each(config_with_issue, tmp_path):
    from click.testing import CliRunner
    from monitor.cli import cli
    r = CliRunner().invoke(cli, ["sentiment"], input=b"\xff\xfe\x00binary\n")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "UTF-8" in r.stderr, r.output
    r = CliRunner().invoke(cli, ["--config", str(tmp_path), "check"])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "目录" in r.stderr, r.output
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "monitor.db"), "--config", str(config_with_issue), "intake",
                                 "--kind", "message", "--title", "长" * 100_000, "--received", "2026-03-16T10:00"])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "标题" in r.stderr, r.output


def test_every_command_help_has_an_example_and_speaks_chinese(run):
    import re
    from monitor.cli.app import COMMANDS
    assert len(COMMANDS) > 30
    for name in COMMANDS:
        r = run(name, "--help")
        assert r.exit_code == 0 and "示例:" in r.output and "用法:" in r.output and "选项:" in r.output, name
        described = r.output.split("示例:")[0].split("\n", 1)[1]          # the description, after the usage line
        assert not re.search(r"\b(?:the|and|with|of|to)\b", described), (name, described)
        assert "显示本帮助并退出" in r.output and "Show this message" not in r.output, name


def test_actions_are_audited_with_who_and_when(config_with_issue, run):
    import json
    run("--now", "2026-03-16T09:00+08:00", "ack", "1", "--by", "王强", config=config_with_issue)
    actions = json.loads(run("show", "1", "--json", config=config_with_issue).output)["actions"]
    assert actions[-1] | {"id": 0} == {"id": 0, "at": "2026-03-16T01:00:00+00:00", "by": "王强", "action": "ack",
                                       "detail": {"roles": ["duty", "deputy_leader", "head"]}}


def test_terminal_escapes_in_posts_never_reach_the_terminal(web, tmp_path, run):
    hostile = "青禾县审计局\x1b]0;owned\x07\x1b[2J审计组\x9b31m被举报"
    url = web.set("/f.xml", rss([(hostile.replace("\x1b", "&#27;").replace("\x07", "&#7;").replace("\x9b", "&#155;"),
                                  "http://a.example.cn/1", "", "青禾县审计局")]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n')
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    for args in (["issues"], ["show", "1"], ["alerts"], ["show", "1", "--json"], ["issues", "--json"]):
        out = run("--now", "2026-03-16T08:05+08:00", *args, config=config).output
        assert not any(ch in out for ch in "\x1b\x07\x9b"), args
    assert "审计组" in run("--now", "2026-03-16T08:05+08:00", "show", "1", config=config).output


def test_an_officer_action_while_another_process_holds_the_write_lock_says_try_later(config_with_issue, run,
                                                                                     tmp_path, monkeypatch):
    import sqlite3
    from monitor.store import db as store_db
    holder = sqlite3.connect(tmp_path / "monitor.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")            # a long pass in another process holds the write lock
    real_open = store_db.open_db

    def impatient(path, create=True):            # the real busy timeout is 30 s; the test waits 0.2 s
        db = real_open(path, create)
        db.execute("PRAGMA busy_timeout=200")
        return db
    monkeypatch.setattr(store_db, "open_db", impatient)
    monkeypatch.setattr("monitor.cli.app.open_db", impatient, raising=False)
    r = run("declare", "1", "--level", "II", "--by", "李娜", config=config_with_issue)
    holder.execute("ROLLBACK")
    assert r.exit_code == 2 and "数据库正忙" in r.output and "稍后重试" in r.output, r.output
    assert "Traceback" not in r.output


def test_a_read_only_database_is_one_line_and_exit_2_and_stays_intact(config_with_issue, tmp_path):
    # root writes through file permissions; an immutable file (chattr +i) it cannot write either
    import subprocess
    import sys
    db = tmp_path / "monitor.db"
    before = db.read_bytes()
    if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        r = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config_with_issue), "--db", str(db),
                            "declare", "1", "--level", "II", "--by", "李娜"], capture_output=True, text=True)
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)
    assert r.returncode == 2, r.stderr
    assert "只读" in r.stderr and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert db.read_bytes() == before
