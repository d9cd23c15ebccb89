"""Operations: check, collect, tick, run, sentiment, demo."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import click
from tabulate import tabulate

from ..clock import local_str
from ..collect.pipeline import Collector
from ..config.schema import Config
from ..daemon import run_daemon
from ..ops.doctor import examine
from ..ops.maintenance import maintain
from ..store.db import backup as backup_db
from ..drill.run import run_drill
from ..errors import MonitorError
from ..config.schema import CHANNELS
from ..judge.sentiment import Model
from ..labels import DROP_NAMES, ROLE_NAMES, name
from ..notify.channels import EmailChannel, make_channel
from ..notify.robots import RobotChannel
from ..notify.render import Renderer
from ..notify.tick import tick as run_tick
from .app import App, echo, pass_app


@click.command()
@pass_app
def check(app: App):
    """Validate the config; exit 2 listing `file:line: problem`.

    \b
    Example:
      monitor --config sources.yaml check
    """
    c = app.config()
    echo(f"{c.path}: 配置有效 ({len(c.sources)} 个来源, 时区 {c.timezone})")
    for s in c.sources:
        kind = "网民语体" if s.channel == "social" else "新闻语体"
        echo(f"  {s.display_name}: 情感按{kind}评分 ({s.channel_why})")
    if c.smtp and c.smtp.password_env and not os.environ.get(c.smtp.password_env):
        echo(f"警告: 环境变量 {c.smtp.password_env} 未设置, 发送邮件时将无法登录 SMTP 服务器", err=True)


@click.command()
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="Only this source (repeatable).")
@pass_app
def collect(app: App, source_ids):
    """One collection pass: fetch, parse, keep relevant, dedupe, score, cluster.

    \b
    Example:
      monitor collect --source chinanews
    """
    config = app.config()
    unknown = [s for s in source_ids if config.source(s) is None]
    if unknown:
        raise MonitorError(f"未知的来源: {', '.join(unknown)}")
    collector = Collector(app.db, config, app.clock)
    try:
        reports = collector.collect(list(source_ids) or None)
    finally:
        collector.close()
    rows = [[r.source_id, "正常" if r.ok else "失败", r.fetched, r.new_posts,
             ", ".join(f"{name(DROP_NAMES, k)} {v}" for k, v in r.dropped.items()) or "-",
             ", ".join(map(str, r.new_issue_ids)) or "-", r.error or ""] for r in reports]
    echo(tabulate(rows, headers=["来源", "状态", "条目", "新增", "丢弃", "新舆情", "错误"]))


def _email(config: Config) -> EmailChannel:
    if config.smtp is None:
        raise MonitorError("sources.yaml 没有配置 smtp, 无法发送邮件")
    return EmailChannel(config.smtp)


def _make_channel(config: Config):
    channel = make_channel(config)
    if channel is None:
        raise MonitorError("sources.yaml 没有配置 smtp 或 robots, 无法发送通知")
    return channel


@click.command()
@pass_app
def tick(app: App):
    """Evaluate open deadlines at now; send due reminders and escalations, each exactly once.

    \b
    Example:
      monitor --now 2026-03-16T13:30+08:00 tick
    """
    config = app.config()
    report = run_tick(app.db, config, app.now(), _make_channel(config), Renderer.beside(config.path))
    for n in report.delivered:
        echo(f"已发送 [{ROLE_NAMES[n['role']]}] {n['subject']}")
    for n in report.failed:
        echo(f"发送失败 [{ROLE_NAMES[n['role']]}] {n['subject']}: {n['last_error']}", err=True)
    for d in report.skipped:
        echo(f"未发送: 角色 {d.notice.role} 没有配置收件人 (people.{d.notice.role})", err=True)
    if report.postponed:
        echo(f"另有 {len(report.postponed)} 条通知因邮件服务器不可用, 留待下次发送", err=True)
    if not (report.delivered or report.failed):
        echo("没有需要发送的通知")
    if report.failed and not report.delivered:
        raise SystemExit(1)                     # every send failed: let cron or systemd see it


@click.command()
@click.option("--tick-every", "tick_every_s", type=click.IntRange(1, 3600), default=60, show_default=True,
              metavar="SECONDS", help="How often the clocks are evaluated.")
@pass_app
def run(app: App, tick_every_s):
    """The daemon: collect each source on its interval, tick every minute; stops cleanly on SIGTERM.

    Without -v it logs what an operator reads: starts, stops, failures, one line per collect batch and per
    delivery, config problems. -v adds the scheduler and every source's pass; -vv everything.

    \b
    Example:
      MONITOR_SMTP_PASSWORD=... monitor --config /etc/monitor/sources.yaml run
    """
    if logging.getLogger().level >= logging.WARNING:        # no -v: the operator's lines, not the scheduler's
        logging.getLogger("monitor").setLevel(logging.INFO)
    run_daemon(app.config(), app.db_path, app.clock, tick_every_s)


@click.command()
@click.argument("lines", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--channel", type=click.Choice(CHANNELS), default="news", show_default=True,
              help="Score as a news text (a headline) or a social post.")
def sentiment(lines, as_json, channel):
    """Score lines of text from stdin: label (positive|neutral|negative), score (0 negative … 1 positive)
    and negative (the calibrated probability that the text is negative).

    \b
    Example:
      echo "审计组下乡吃拿卡要，太垃圾了！！！[怒]" | monitor sentiment --channel social --json
    """
    model = Model.load()
    try:
        lines = list(lines)
    except UnicodeDecodeError:
        raise MonitorError("标准输入不是 UTF-8 文本 (每行一条中文文本)") from None
    for line in lines:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        j = model.judge(text, "", channel)
        echo(json.dumps({"label": j.label, "score": j.score, "negative": j.negative, "text": text},
                              ensure_ascii=False)
                   if as_json else f"{j.label}\t{j.score:.4f}\t{j.negative:.4f}\t{text}")


@click.command()
@click.option("--speed", type=float, default=0.0, help="Seconds of real time per simulated 10 minutes (0: fast).")
@pass_app
def demo(app: App, speed):
    """The drill: a scripted crisis served locally, run through the whole pipeline in simulated time.

    It (re)creates its database (default ./monitor.db) and refuses one that holds real sources.

    \b
    Example:
      monitor demo && monitor issues --all
    """
    run_drill(app.db_path, app.now_text, speed)


@click.command("test-email")
@click.option("--to", "to", required=True, help="Address to send the test message to.")
@pass_app
def test_email(app: App, to):
    """Send one test email with the configured SMTP settings and print the server's answer.

    \b
    Example:
      monitor test-email --to zhiban@example.gov.cn
    """
    config = app.config()
    channel = _email(config)
    if config.smtp.password_env and not config.smtp.password():
        echo(f"警告: 环境变量 {config.smtp.password_env} 未设置, 将不登录直接发送", err=True)
    answer = channel.probe(to, f"【测试】{config.agency.name} 舆情监测系统邮件测试",
                           f"这是一封测试邮件，发送时间 {local_str(app.now(), config.tz)}。\n"
                           "收到即说明舆情通知可以送达此邮箱。\n", app.now())
    echo(f"服务器已接受: {answer}")


@click.command("test-webhook")
@click.argument("name")
@pass_app
def test_webhook(app: App, name):
    """Send one test message to the group robot NAME (from `robots:` in sources.yaml).

    \b
    Example:
      monitor test-webhook 值班群
    """
    config = app.config()
    robot = next((r for r in config.robots if r.name == name), None)
    if robot is None:
        raise MonitorError(f"sources.yaml 的 robots 中没有 {name!r} (现有: {', '.join(r.name for r in config.robots) or '无'})")
    if robot.secret_env and not robot.secret():
        echo(f"警告: 环境变量 {robot.secret_env} 未设置, 将不加签发送", err=True)
    RobotChannel(robot).send(f"【测试】{config.agency.name} 舆情监测系统",
                             f"这是一条测试消息，发送时间 {local_str(app.now(), config.tz)}。收到即说明舆情通知可以送达此群。",
                             "test", app.now().timestamp())
    echo(f"机器人「{name}」已接受测试消息")


@click.command()
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="The backup file to write.")
@click.option("--dir", "out_dir", type=click.Path(file_okay=False), help="Or a folder: monitor-YYYYMMDD-HHMM.db in it.")
@click.option("--keep", type=click.IntRange(1, 3650), help="With --dir: keep only the newest N backups there.")
@pass_app
def backup(app: App, out_path, out_dir, keep):
    """A consistent copy of the database while the daemon and the console keep running.

    \b
    Example:
      monitor backup --out /var/backups/monitor/monitor-$(date +%F).db
      monitor backup --dir /var/backups/monitor --keep 14      # the daily timer (deploy/monitor-backup.timer)
    """
    if bool(out_path) == bool(out_dir):
        raise MonitorError("请指定 --out 文件 或 --dir 目录 (二选一)")
    if keep and not out_dir:
        raise MonitorError("--keep 只能与 --dir 一起使用")
    if out_dir:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        stamp = app.now().astimezone(app.tz).strftime("%Y%m%d-%H%M")
        out_path = str(Path(out_dir) / f"monitor-{stamp}.db")
    size = backup_db(app.existing_db, out_path)
    echo(f"已备份到 {out_path} ({size / 2**20:.1f} MiB, 完整性检查通过)")
    if out_dir and keep:
        old = sorted(Path(out_dir).glob("monitor-????????-????.db"))[:-keep]
        for f in old:
            f.unlink()
        if old:
            echo(f"已删除较早的备份 {len(old)} 个, 保留最新 {keep} 个")


@click.command()
@pass_app
def doctor(app: App):
    """Check the installation: config, database integrity and migrations, calendar coverage this and
    next year, mail server and robot reachability, disk space. Exit 1 when something fails.

    \b
    Example:
      monitor --config /srv/monitor/sources.yaml --db /srv/monitor/monitor.db doctor
    """
    findings = examine(app.existing_db, app.db_path, app.config(), app.now())
    marks = {"ok": "正常", "warn": "注意", "fail": "异常"}
    for f in findings:
        echo(f"[{marks[f.verdict]}] {f.check}: {f.text}")
    if any(f.verdict == "fail" for f in findings):
        raise SystemExit(1)


@click.command()
@click.option("--vacuum", is_flag=True, help="Also give freed space back to the disk (rewrites the file; run it at night).")
@pass_app
def maintenance(app: App, vacuum):
    """Retention: drop the snapshots of issues closed longer ago than `evidence.keep` (default 3 years),
    the text of posts that never joined an issue after the same time, and old login attempts. Issues,
    clocks, notices and the audit trail are kept. The daemon runs this once a day.

    \b
    Example:
      monitor maintenance --vacuum
    """
    r = maintain(app.existing_db, app.config(), app.now(), vacuum)
    echo(f"已清理: 快照 {r.snapshots_dropped} 份, 正文 {r.bodies_dropped} 条, 登录记录 {r.login_attempts_dropped} 条"
         f" (保留 {local_str(r.kept_since, app.config().tz)} 之后的)" + ("; 已压缩数据库文件" if vacuum else ""))
