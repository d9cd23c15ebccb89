"""The command group, its global options and the App every command gets: lazily opened config,
database and clock. Library errors become one-line CLI errors (exit 2) here and nowhere else."""
from __future__ import annotations

import importlib
import json
import logging
import re
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import sqlite_utils

from ..clock import FixedClock, SystemClock, parse_cli_time
from ..config.load import load_config
from ..config.schema import Config
from ..errors import ConfigError, MonitorError
from .. import logs
from . import zh
from ..store.db import open_db

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
zh.install()                      # click's Usage:, Options, Error: … in Chinese


class App:
    """Lazily opened config, database and clock for one command."""

    def __init__(self, config_path: str, db_path: str, now_text: str | None):
        self.config_path, self.db_path, self.now_text = config_path, db_path, now_text
        self._config: Config | None = None
        self._db: sqlite_utils.Database | None = None

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def optional_config(self) -> Config | None:
        return self.config() if Path(self.config_path).exists() else None

    @property
    def tz(self) -> ZoneInfo:
        c = self.optional_config()
        return c.tz if c else DEFAULT_TZ

    @property
    def clock(self):
        return FixedClock(parse_cli_time(self.now_text, self.tz)) if self.now_text else SystemClock()

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def db(self) -> sqlite_utils.Database:
        """The database, created if it does not exist yet (collect, tick, run, intake)."""
        if self._db is None:
            self._db = open_db(self.db_path)
        return self._db

    @property
    def existing_db(self) -> sqlite_utils.Database:
        """The database, which must exist: reading or acting on a file that is not there is an error,
        not an empty database that says all is well."""
        if self._db is None:
            self._db = open_db(self.db_path, create=False)
        return self._db

    def time(self, text: str | None) -> datetime:
        return parse_cli_time(text, self.tz) if text else self.now()


pass_app = click.make_pass_decorator(App)


# command name -> (module of monitor.cli, function): a command imports only what it needs, so a
# read command does not pay for the collector, the daemon or the drill (click's lazy-loading pattern)
COMMANDS = {
    **{name: ("ops", fn) for name, fn in (("check", "check"), ("collect", "collect"), ("tick", "tick"),
                                          ("run", "run"), ("demo", "demo"), ("sentiment", "sentiment"),
                                          ("test-email", "test_email"),
                                          ("test-webhook", "test_webhook"), ("backup", "backup"),
                                          ("doctor", "doctor"), ("maintenance", "maintenance"))},
    "train-sentiment": ("train", "train_sentiment"),
    "serve": ("web", "serve"), "user": ("web", "user"), "report": ("report", "report"),
    "recheck": ("evidence", "recheck"), "office": ("office", "office"), "migrate-db": ("database", "migrate_db"),
    **{name: ("views", fn) for name, fn in (("issues", "issues_cmd"), ("show", "show"), ("sources", "sources_cmd"),
                                            ("alerts", "alerts_cmd"), ("stats", "stats"),
                                            ("health", "health"))},
    **{name: ("actions", fn) for name, fn in (("declare", "declare"), ("ack", "ack"), ("respond", "respond"),
                                              ("confirm", "confirm"), ("close", "close"), ("reopen", "reopen"),
                                              ("intake", "intake_cmd"), ("extend", "extend"), ("label", "label"),
                                              ("merge", "merge_cmd"), ("split", "split_cmd"),
                                              ("dismiss", "dismiss"))},
}

# what `monitor --help` lists, without importing any command's module (each command's own --help has the rest)
SUMMARIES = {
    "check": "检查配置文件 (有错时列出 文件:行: 问题, 退出码 2)", "collect": "采集一次全部或指定来源",
    "tick": "检查时限并发送到期的提醒、预警和交接", "run": "守护进程: 定时采集、每分钟检查时限",
    "demo": "演练: 在本机模拟一次完整的舆情处置", "sentiment": "用情感模型判断输入的文本",
    "test-email": "发送一封测试邮件", "test-webhook": "向群机器人发送一条测试消息",
    "backup": "备份数据库 (可定时保留最近 N 份)", "doctor": "检查运行环境 (数据库、字体、日历、权限)",
    "maintenance": "按保留期限清理旧快照和正文", "train-sentiment": "重新训练情感模型 (需要 train 附加组件)",
    "serve": "启动网页控制台", "user": "管理控制台账号", "report": "生成日报、周报、月报、处置台账和年度统计",
    "recheck": "复查舆情信息是否已被删除 (证据固定)", "issues": "列出舆情 (按热度和负面排序)",
    "show": "查看一条舆情的详情、时限和记录", "sources": "各来源的采集状态", "alerts": "到期和超时的时限、盲区、未送达的通知",
    "stats": "按时回应统计", "health": "系统是否正常 (供 systemd、cron 或外部监控使用)",
    "declare": "定级并开始计时", "ack": "确认收到 (停止重复催办)", "respond": "登记发布或回应",
    "confirm": "确认检测到的本单位发布", "close": "关闭舆情", "reopen": "重新打开舆情",
    "intake": "登记网民留言或依申请公开", "extend": "依申请公开延期答复", "label": "人工修正一条信息的情感",
    "merge": "合并舆情", "split": "拆分舆情", "dismiss": "把预警标为误报",
    "office": "多单位安装: 检查配置、各单位概况、督促检查排名",
    "migrate-db": "把 SQLite 数据库复制到 PostgreSQL 并逐表核对",
}


def database_errors() -> tuple[type[Exception], ...]:
    """SQLite's errors, and PostgreSQL's once its driver was loaded (a postgresql:// database was opened)."""
    pg = sys.modules.get("psycopg")
    return (sqlite3.Error, pg.Error) if pg else (sqlite3.Error,)


def database_problem(e: Exception) -> str:
    """One line for a database error, saying what the person can do about it."""
    text = str(e)
    if "connection" in text and ("refused" in text or "failed" in text or "timeout" in text):
        return "无法连接 PostgreSQL 数据库 (检查 --db 或 MONITOR_DB 的地址、端口和服务是否在运行), 什么都没有改变"
    if "does not exist" in text and "database" in text:
        return "PostgreSQL 上没有这个数据库 (先用 createdb 建库), 什么都没有改变"
    if "lock timeout" in text:
        return "数据库正忙 (另一个进程正在长时间写入), 什么都没有改变, 请稍后重试"
    if "locked" in text or "busy" in text:
        return "数据库正忙 (另一个进程正在长时间写入), 什么都没有改变, 请稍后重试"
    if "readonly" in text or "read-only" in text:
        return "数据库是只读的 (检查文件和所在目录的写权限, 以及运行用户), 什么都没有改变"
    if "disk is full" in text or "disk I/O" in text:
        return "磁盘已满或读写出错, 什么都没有改变: 清理空间后重试 (monitor maintenance 可清理旧快照)"
    if "malformed" in text or "not a database" in text:
        return "数据库文件已损坏或不是本系统的数据库: 用 monitor doctor 检查, 必要时从备份恢复"
    return f"数据库出错 ({type(e).__name__}: {e})"


class MonitorGroup(click.Group):
    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx, formatter) -> None:
        """The command list from SUMMARIES: `monitor --help` loads no command (nor scikit-learn, Flask, …)."""
        with formatter.section("命令"):
            formatter.write_dl([(name, SUMMARIES.get(name, "")) for name in sorted(COMMANDS)])

    def get_command(self, ctx, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name]
        return getattr(importlib.import_module(f"monitor.cli.{module}"), attr)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConfigError as e:
            for p in e.problems:
                click.echo(p, err=True)
            ctx.exit(2)
        except MonitorError as e:
            click.echo(f"错误: {e}", err=True)
            ctx.exit(2)
        except database_errors() as e:
            click.echo(f"错误: {database_problem(e)}", err=True)
            ctx.exit(2)


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", envvar="MONITOR_CONFIG", default="sources.yaml", show_default=True,
              help="配置文件 (或环境变量 MONITOR_CONFIG)。")
@click.option("--db", "db_path", envvar="MONITOR_DB", default="monitor.db", show_default=True,
              help="数据库: SQLite 文件, 或 postgresql://用户@主机/库?schema=单位 (或环境变量 MONITOR_DB)。")
@click.option("--now", "now_text", metavar="TIME", help="把时钟固定在这个 ISO 8601 时间 (回放、演练)。")
@click.option("-v", "--verbose", count=True, help="记录更多日志 (-v 信息, -vv 调试)。")
@click.option("--log-format", type=click.Choice(["text", "json"]), envvar="MONITOR_LOG_FORMAT", default="text",
              show_default=True, help="日志格式: 文本或每行一个 JSON (或环境变量 MONITOR_LOG_FORMAT)。")
@click.pass_context
def cli(ctx, config_path, db_path, now_text, verbose, log_format):
    """舆情监测: 采集、研判, 并按法定时限提醒回应。

    \b
    示例:
      monitor --now 2026-03-16T14:00+08:00 issues --json
    """
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logs.configure(level, log_format)
    ctx.obj = App(config_path, db_path, now_text)


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def echo(text: str = "", err: bool = False) -> None:
    """Print for a person at a terminal: control characters from collected text (escape sequences
    that set the window title, write the clipboard or clear the screen) are removed."""
    click.echo(_CONTROLS.sub("", str(text)), err=err)


def echo_json(data) -> None:
    """JSON escapes C0 controls itself; C1 controls and line separators are escaped here too."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    click.echo(re.sub(r"[\x7f-\x9f\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", text))
