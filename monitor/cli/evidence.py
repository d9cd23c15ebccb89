"""`monitor recheck`: 证据固定 — re-check the posts of open issues and mark those deleted."""
from __future__ import annotations

from datetime import timedelta

import click

from ..collect.evidence import recheck as run_recheck
from ..collect.fetch import Fetcher
from .app import App, echo, pass_app


@click.command("recheck")
@click.option("--limit", type=click.IntRange(1, 10_000), help="At most this many posts (default: evidence.recheck_batch).")
@click.option("--all", "everything", is_flag=True, help="Also posts checked recently.")
@pass_app
def recheck(app: App, limit, everything):
    """Re-check the posts of open issues: a post whose page is gone (404/410, a 已删除 page, a redirect to
    the front page) is marked 已删除 with the time it was noticed; its snapshot stays. The daemon does
    this by itself every `evidence.recheck_every`.

    \b
    Example:
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
