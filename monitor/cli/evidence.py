"""`monitor recheck`: 证据固定 — re-check the posts of open issues and mark those deleted."""
from __future__ import annotations

from datetime import timedelta

import click

from ..collect.evidence import recheck as run_recheck
from ..collect.fetch import Fetcher
from .app import App, echo, pass_app


@click.command("recheck")
@click.option("--limit", type=click.IntRange(1, 10_000), help="最多复查这么多条 (默认: evidence.recheck_batch)。")
@click.option("--all", "everything", is_flag=True, help="包括最近已复查过的信息。")
@pass_app
def recheck(app: App, limit, everything):
    """复查正在处置的舆情的信息: 页面已不存在 (404/410、已删除页面、跳转到首页) 的标为已删除并记下发现时间;
    快照保留。守护进程每隔 evidence.recheck_every 自动执行。

    \b
    示例:
      monitor recheck --limit 50
    """
    config = app.config()
    fetcher = Fetcher(policy=config.fetch)
    try:
        every = timedelta(0) if everything else timedelta(seconds=config.evidence.recheck_every_s)
        report = run_recheck(app.db, config, fetcher, app.clock, every, limit or config.evidence.recheck_batch)
    finally:
        fetcher.close()
    echo(f"检查 {report.checked} 条信息: 新发现已删除 {len(report.gone)} 条"
         + (f" (编号 {', '.join(map(str, report.gone))})" if report.gone else "")
         + (f", 无法访问 {report.unknown} 条 (网站不可达, 不算删除)" if report.unknown else ""))
