"""Operations: check, collect, tick, run, sentiment, demo."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from functools import partial

import click
from tabulate import tabulate

from ..clock import local_str
from ..collect.pipeline import Collector
from ..config.schema import Config
from ..config.office import load_office
from ..daemon import ALL_JOBS, Job, Target, run_daemon, run_units
from ..ops.doctor import examine
from ..ops.maintenance import maintain
from ..store.db import backup as backup_db
from ..drill.run import run_drill
from ..errors import MonitorError
from ..config.schema import CHANNELS
from ..judge.sentiment import Model
from ..labels import DROP_NAMES, name, role_name
from ..notify.channels import EmailChannel, make_channel
from ..notify.robots import RobotChannel
from ..notify.render import Renderer
from ..notify.tick import tick as run_tick
from .app import App, echo, pass_app
from .processes import supervise


@click.command()
@pass_app
def check(app: App):
    """检查配置文件; 有问题时逐条列出 文件:行: 问题, 退出码 2。

    \b
    示例:
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
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="只采集这个来源 (可重复)。")
@pass_app
def collect(app: App, source_ids):
    """采集一次: 抓取、解析、筛选相关、去重、情感判断、归并成舆情。

    \b
    示例:
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
    """按当前时间检查时限, 发送到期的提醒和催办 (每条只发一次)。

    \b
    示例:
      monitor --now 2026-03-16T13:30+08:00 tick
    """
    config = app.config()
    report = run_tick(app.db, config, app.now(), _make_channel(config), Renderer.beside(config.path))
    for n in report.delivered:
        echo(f"已发送 [{role_name(n.role)}] {n.subject}")
    for n in report.failed:
        echo(f"发送失败 [{role_name(n.role)}] {n.subject}: {n.last_error}", err=True)
    for d in report.skipped:
        echo(f"未发送: 角色 {d.notice.role} 没有配置收件人 (people.{d.notice.role})", err=True)
    if report.postponed:
        echo(f"另有 {len(report.postponed)} 条通知因邮件服务器不可用, 留待下次发送", err=True)
    if not (report.delivered or report.failed):
        echo("没有需要发送的通知")
    if report.failed and not report.delivered:
        raise SystemExit(1)                     # every send failed: let cron or systemd see it


def _jobs(ctx, param, value) -> frozenset[Job]:
    if not value:
        return ALL_JOBS
    names = [v.strip() for part in value for v in part.split(",") if v.strip()]
    unknown = [n for n in names if n not in set(Job)]
    if unknown or not names:
        raise click.BadParameter(f"应为 collect、tick、deliver 中的一个或几个 (逗号分隔), 实际是 {', '.join(unknown) or '空'}")
    return frozenset(Job(n) for n in names)


@click.command()
@click.option("--tick-every", "tick_every_s", type=click.IntRange(1, 3600), default=60, show_default=True,
              metavar="SECONDS", help="检查时限的间隔秒数。")
@click.option("--only", "only", multiple=True, callback=_jobs, metavar="JOBS",
              help="只运行这些工作: collect (采集)、tick (检查时限)、deliver (发送通知), 逗号分隔; "
                   "默认全部。只运行部分工作时, 同一数据库可以同时运行多个进程。")
@click.option("--office", "office_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="多单位安装的目录 (含 office.yaml): 各单位的守护进程由本进程照看。")
@click.option("--processes", type=click.IntRange(1, 1000), metavar="N",
              help="与 --office 一起: 把各单位分给 N 个进程 (默认每个单位一个进程)。单位多时用它节省内存和数据库连接。")
@pass_app
def run(app: App, tick_every_s, only, office_dir, processes):
    """守护进程: 每个来源按各自频率采集, 每分钟检查时限; 收到 SIGTERM 后干净地停止。

    默认一个进程做全部工作 (同一数据库只能运行一个)。

    用 --only 拆成工作进程时可以同时运行任意多个: 每个到期的来源只由一个进程采集,
    时限只由一个进程检查, 每条通知只发送一次; 进程被杀死后, 租约到期即由其他进程接手。

    不加 -v 时只记录运维人员需要看的: 启动、停止、故障、每批采集和每次发送一行、配置问题。
    -v 增加调度和每个来源的采集记录; -vv 全部。

    \b
    示例:
      MONITOR_SMTP_PASSWORD=... monitor --config /etc/monitor/sources.yaml run
      monitor --config /etc/monitor/sources.yaml run --only collect
      monitor --config /etc/monitor/sources.yaml run --only tick,deliver
      monitor run --office /srv/monitor/office
      monitor run --office /srv/monitor/office --processes 4 --only collect
    """
    if logging.getLogger().level >= logging.WARNING:        # no -v: the operator's lines, not the scheduler's
        logging.getLogger("monitor").setLevel(logging.INFO)
    if processes and not office_dir:
        raise MonitorError("--processes 只能与 --office 一起使用")
    if office_dir:
        office = load_office(office_dir)
        n = min(processes or len(office.units), len(office.units))
        groups = [[Target(u.config, u.db_path) for u in office.units[i::n]] for i in range(n)]
        echo(f"{office.name}: {len(office.units)} 个单位, {n} 个守护进程", err=True)
        supervise([partial(run_units, group, app.clock, tick_every_s, only=only) for group in groups])
        return
    run_daemon(app.config(), app.db_path, app.clock, tick_every_s, only=only)


@click.command()
@click.argument("lines", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--json", "as_json", is_flag=True, help="每行输出一个 JSON 对象。")
@click.option("--channel", type=click.Choice(CHANNELS), default="news", show_default=True,
              help="按新闻 (标题) 还是网民言论判断。")
def sentiment(lines, as_json, channel):
    """判断标准输入中每行文本的情感: 标签 (positive 正面 | neutral 中性 | negative 负面)、
    分数 (0 负面 … 1 正面) 和负面概率 (校准后)。

    \b
    示例:
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
@click.option("--speed", type=float, default=0.0, help="每模拟 10 分钟用的真实秒数 (0: 最快)。")
@pass_app
def demo(app: App, speed):
    """演练: 在本机模拟一次完整的舆情事件, 用模拟时间走完整个流程。

    会 (重新) 创建演练数据库 (默认 ./monitor.db), 不会覆盖存有真实来源的数据库。

    \b
    示例:
      monitor demo && monitor issues --all
    """
    run_drill(app.db_path, app.now_text, speed)


@click.command("test-email")
@click.option("--to", "to", required=True, help="测试邮件的收件地址。")
@pass_app
def test_email(app: App, to):
    """用配置的 SMTP 发送一封测试邮件, 并显示邮件服务器的回答。

    \b
    示例:
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
    """向群机器人 NAME (sources.yaml 中 robots: 的名称) 发送一条测试消息。

    \b
    示例:
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
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="备份文件。")
@click.option("--dir", "out_dir", type=click.Path(file_okay=False), help="或一个目录: 在其中写 monitor-YYYYMMDD-HHMM.db。")
@click.option("--keep", type=click.IntRange(1, 3650), help="与 --dir 一起: 只保留最新的 N 份备份。")
@pass_app
def backup(app: App, out_path, out_dir, keep):
    """在守护进程和控制台运行时备份数据库 (一致的副本)。

    \b
    示例:
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
    """检查安装: 配置、数据库完整性与迁移、今明两年的节假日安排、邮件服务器和机器人能否连通、
    中文字体、磁盘空间。有问题时退出码 1。

    \b
    示例:
      monitor --config /srv/monitor/sources.yaml --db /srv/monitor/monitor.db doctor
    """
    findings = examine(app.existing_db, app.db_path, app.config(), app.now())
    marks = {"ok": "正常", "warn": "注意", "fail": "异常"}
    for f in findings:
        echo(f"[{marks[f.verdict]}] {f.check}: {f.text}")
    if any(f.verdict == "fail" for f in findings):
        raise SystemExit(1)


@click.command()
@click.option("--vacuum", is_flag=True, help="同时把释放的空间还给磁盘 (重写文件; 请在夜间执行)。")
@pass_app
def maintenance(app: App, vacuum):
    """按保留期限清理: 删除关闭超过 evidence.keep (默认 3 年) 的舆情的快照、同样期限内未归入舆情的
    信息正文, 以及旧的登录记录。舆情、时限、通知和操作记录永久保留。守护进程每天执行一次。

    \b
    示例:
      monitor maintenance --vacuum
    """
    r = maintain(app.existing_db, app.config(), app.now(), vacuum)
    echo(f"已清理: 快照 {r.snapshots_dropped} 份, 正文 {r.bodies_dropped} 条, 登录记录 {r.login_attempts_dropped} 条"
         f" (保留 {local_str(r.kept_since, app.config().tz)} 之后的)" + ("; 已压缩数据库文件" if vacuum else ""))
