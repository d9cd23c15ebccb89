"""`monitor migrate-db`: move an installation's SQLite file into PostgreSQL, and prove the copy."""
from __future__ import annotations

import click
from tabulate import tabulate

from ..errors import InvalidInput, MonitorError
from ..store import pg
from ..store.copy import copy
from ..store.db import open_db
from .app import App, echo, pass_app


@click.command("migrate-db")
@click.option("--to", "target", required=True, metavar="URL",
              help="目标 PostgreSQL 库, 如 postgresql://monitor@127.0.0.1/monitor?schema=shenjiju (须为空)。")
@pass_app
def migrate_db(app: App, target: str):
    """把当前的 SQLite 数据库 (--db) 整个复制到 PostgreSQL: 保留编号, 逐表核对行数和校验和 (SHA-256),
    并重建全文检索索引。复制期间请停止守护进程; 全部核对一致后, 把 --db 或 MONITOR_DB 改为新地址。

    \b
    示例:
      monitor --db /var/lib/monitor/monitor.db migrate-db --to 'postgresql://monitor@127.0.0.1/monitor?schema=shenjiju'
    """
    if not pg.is_url(target):
        raise InvalidInput(f"--to 须是 postgresql:// 地址, 收到 {target}")
    if pg.is_url(app.db_path):
        raise InvalidInput("--db 须是要迁出的 SQLite 文件")
    destination = open_db(target)
    try:
        checked = copy(app.existing_db, destination)
    finally:
        destination.conn.close()
    echo(tabulate([[c.table, c.source_rows, c.target_rows, "一致" if c.ok else "不一致"] for c in checked],
                  headers=["表", "原库行数", "新库行数", "校验和"]))
    wrong = [c.table for c in checked if not c.ok]
    if wrong:
        raise MonitorError(f"复制后核对不一致: {', '.join(wrong)}; 新库不可使用, 原库未改动")
    echo(f"已复制 {sum(c.target_rows for c in checked)} 行, {len(checked)} 张表的行数和校验和全部一致。"
         f"把 --db 或 MONITOR_DB 改为 {target} 即可使用新库。")
