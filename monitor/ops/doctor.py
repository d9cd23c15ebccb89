"""`monitor doctor`: everything an IT person checks after installing, upgrading or moving the system,
each with a verdict and what to do: config, database integrity and migrations, calendar coverage this
and next year, mail and robot reachability, disk space."""
from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils

from ..config.load import calendar_for
from ..errors import MonitorError
from ..fonts import cjk_font
from ..config.schema import Config
from ..store.db import integrity, pending_migrations

MIN_FREE_BYTES = 1 << 30          # below 1 GiB free, SQLite's writes (and backups) are at risk


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    check: str
    verdict: Verdict
    text: str


def _reachable(host: str, port: int, timeout_s: float = 5.0) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except OSError as e:
        return f"{type(e).__name__}: {e}"


def examine(db: sqlite_utils.Database, db_path: str, config: Config, now: datetime) -> list[Finding]:
    out = [Finding("配置", Verdict.OK, f"{config.path}: {len(config.sources)} 个来源")]
    verdict = integrity(db)
    out.append(Finding("数据库完整性", Verdict.OK if verdict == "ok" else Verdict.FAIL,
                       "完整性检查通过" if verdict == "ok" else f"损坏: {verdict} (从备份恢复, 见 README)"))
    pending = pending_migrations(db)
    out.append(Finding("数据库版本", Verdict.FAIL if pending else Verdict.OK,
                       f"有未执行的迁移: {', '.join(pending)}" if pending else "所有迁移已执行"))
    cal = calendar_for(config)
    year = now.astimezone(config.tz).year
    for y, when in ((year, "今年"), (year + 1, "明年")):
        covered = cal.covers(y)
        out.append(Finding(f"{y} 年节假日", Verdict.OK if covered else (Verdict.FAIL if y == year else Verdict.WARN),
                           f"{when}的节假日安排已覆盖" if covered else
                           f"{when}的节假日安排未覆盖: 工作日时限只按周末计算, 更新 chinesecalendar 或填写 calendar 文件"))
    if config.smtp:
        s = config.smtp
        problem = _reachable(s.host, s.port, min(s.timeout_s, 10))
        out.append(Finding("邮件服务器", Verdict.FAIL if problem else Verdict.OK,
                           f"{s.host}:{s.port} 无法连接 ({problem}); 用 monitor test-email 查看原因" if problem
                           else f"{s.host}:{s.port} 可以连接 (发送测试: monitor test-email --to 地址)"))
        if s.password_env and not s.password():
            out.append(Finding("邮件密码", Verdict.WARN, f"环境变量 {s.password_env} 未设置"))
    else:
        out.append(Finding("邮件服务器", Verdict.WARN, "没有配置 smtp: 提醒只能通过机器人发送"))
    for r in config.robots:
        parts = urlsplit(r.url)
        problem = _reachable(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        out.append(Finding(f"机器人「{r.name}」", Verdict.FAIL if problem else Verdict.OK,
                           f"{parts.hostname} 无法连接 ({problem})" if problem else
                           f"{parts.hostname} 可以连接 (发送测试: monitor test-webhook {r.name})"))
    try:
        out.append(Finding("中文字体", Verdict.OK, f"报告图表使用 {cjk_font()}"))
    except MonitorError as e:
        out.append(Finding("中文字体", Verdict.FAIL, str(e)))
    free = shutil.disk_usage(Path(db_path).resolve().parent).free
    out.append(Finding("磁盘空间", Verdict.OK if free >= MIN_FREE_BYTES else Verdict.FAIL,
                       f"数据库所在磁盘剩余 {free / 2**30:.1f} GiB" + ("" if free >= MIN_FREE_BYTES else ", 不足 1 GiB")))
    return out
