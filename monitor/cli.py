"""Command line: a thin shell over the library. Library errors become one-line CLI errors here."""
from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from tabulate import tabulate

from . import service, views
from .clock import FixedClock, SystemClock, local_str, parse_cli_time
from .config import Config, load_config
from .errors import ConfigError, MonitorError
from .policy_defaults import ACTION_NAMES, NOTICE_STATUS_NAMES, ROLE_NAMES, SENTIMENT_NAMES

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


class App:
    """Lazily opened config, database and clock for one command."""

    def __init__(self, config_path: str, db_path: str, now_text: str | None):
        self.config_path, self.db_path, self.now_text = config_path, db_path, now_text
        self._config: Config | None = None
        self._db = None

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

    def agency_names(self) -> tuple[str, ...]:
        """Words that name the agency: left out of issue keywords."""
        c = self.optional_config()
        return (c.agency.name, *c.agency.keywords.subject, *c.agency.keywords.region) if c else ()

    @property
    def db(self):
        if self._db is None:
            from .db import open_db
            self._db = open_db(self.db_path)
        return self._db

    def time(self, text: str | None) -> datetime:
        return parse_cli_time(text, self.tz) if text else self.now()


pass_app = click.make_pass_decorator(App)


class MonitorGroup(click.Group):
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


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", envvar="MONITOR_CONFIG", default="sources.yaml", show_default=True,
              help="Config file (or MONITOR_CONFIG).")
@click.option("--db", "db_path", envvar="MONITOR_DB", default="monitor.db", show_default=True,
              help="SQLite file (or MONITOR_DB).")
@click.option("--now", "now_text", metavar="TIME", help="Freeze the clock at this ISO 8601 time (replays, drills).")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug).")
@click.pass_context
def cli(ctx, config_path, db_path, now_text, verbose):
    """舆情 monitor: collect, judge, and keep the legal response clocks.

    \b
    Example:
      monitor --now 2026-03-16T14:00+08:00 issues --json
    """
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    ctx.obj = App(config_path, db_path, now_text)


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@cli.command()
@pass_app
def check(app: App):
    """Validate the config; exit 2 listing `file:line: problem`.

    \b
    Example:
      monitor --config sources.yaml check
    """
    c = app.config()
    click.echo(f"{c.path}: 配置有效 ({len(c.sources)} 个来源, 时区 {c.timezone})")


@cli.command()
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="Only this source (repeatable).")
@pass_app
def collect(app: App, source_ids):
    """One collection pass: fetch, parse, keep relevant, dedupe, score, cluster.

    \b
    Example:
      monitor collect --source chinanews
    """
    from .pipeline import Collector
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
             ", ".join(f"{k}={v}" for k, v in r.dropped.items()) or "-",
             ", ".join(map(str, r.new_issue_ids)) or "-", r.error or ""] for r in reports]
    click.echo(tabulate(rows, headers=["来源", "状态", "条目", "新增", "丢弃", "新舆情", "错误"]))


def _make_channel(config: Config):
    from .channels import EmailChannel
    if config.smtp is None:
        raise MonitorError("sources.yaml 没有配置 smtp, 无法发送通知")
    return EmailChannel(config.smtp)


@cli.command()
@pass_app
def tick(app: App):
    """Evaluate open deadlines at now; send due reminders and escalations, each exactly once.

    \b
    Example:
      monitor --now 2026-03-16T13:30+08:00 tick
    """
    from .outbox import Renderer, templates_dir, tick as run_tick
    config = app.config()
    report = run_tick(app.db, config, app.now(), _make_channel(config), Renderer(templates_dir(config)))
    for n in report.delivered:
        click.echo(f"已发送 [{ROLE_NAMES[n['role']]}] {n['subject']}")
    for n in report.failed:
        click.echo(f"发送失败 [{ROLE_NAMES[n['role']]}] {n['subject']}: {n['last_error']}", err=True)
    for d in report.skipped:
        click.echo(f"未发送: 角色 {d.notice.role} 没有配置收件人 (people.{d.notice.role})", err=True)
    if not (report.delivered or report.failed):
        click.echo("没有需要发送的通知")


@cli.command()
@pass_app
def run(app: App):
    """The daemon: collect each source on its interval, tick every minute; stops cleanly on SIGTERM.

    \b
    Example:
      MONITOR_SMTP_PASSWORD=... monitor --config /etc/monitor/sources.yaml run
    """
    from .daemon import run_daemon
    run_daemon(app.config(), app.db_path, app.clock)


def _deadline_brief(d: dict, tz) -> str:
    label = d["label"]
    if d["status"] in ("met", "met_late"):
        return f"{label}: 已完成{'(超时)' if d['status'] == 'met_late' else ''}"
    if d["status"] == "cancelled":
        return f"{label}: 已取消"
    r = d["remaining_s"]
    h, m = divmod(abs(r) // 60, 60)
    span = f"{h // 24}天{h % 24}小时" if h >= 48 else f"{h}小时{m}分"
    return f"{label}: {'剩' if r >= 0 else '已超时'}{span} (截止 {local_str(_dt(d['due_at']), tz)})"


def _dt(text):
    from .clock import from_iso
    return from_iso(text)


@cli.command("issues")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (stable field names).")
@click.option("--all", "include_closed", is_flag=True, help="Include closed issues.")
@pass_app
def issues_cmd(app: App, as_json, include_closed):
    """Ranked issues (open by default), with their deadlines.

    \b
    Example:
      monitor issues --json --all
    """
    items = views.list_issues(app.db, app.now(), include_closed, app.agency_names())
    if as_json:
        return _echo_json(items)
    if not items:
        return click.echo("目前没有舆情")
    tz = app.tz
    rows = [[i["id"], i["level"] or f"({i['suggested_level']})", i["heat"], f"{i['negative_share']:.0%}",
             i["post_count"], local_str(_dt(i["first_seen_at"]), tz), "开" if i["status"] == "open" else "关",
             "\n".join(_deadline_brief(d, tz) for d in i["deadlines"]) or "-", i["title"][:30]]
            for i in items]
    click.echo(tabulate(rows, headers=["编号", "级别", "热度", "负面", "条数", "首次发现", "状态", "时限", "标题"]))


@cli.command()
@click.argument("issue_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def show(app: App, issue_id, as_json):
    """One issue with its posts, deadlines, notifications and audit trail.

    \b
    Example:
      monitor show 3
    """
    i = views.show_issue(app.db, issue_id, app.now(), app.agency_names())
    if as_json:
        return _echo_json(i)
    tz = app.tz
    click.echo(f"舆情 {i['id']}: {i['title']}")
    if i["keywords"]:
        click.echo(f"  关键词: {' '.join(i['keywords'])}")
    click.echo(f"  状态 {'处置中' if i['status'] == 'open' else '已关闭'}  级别 {i['level'] or '未定级'}"
               f"  建议级别 {i['suggested_level']} ({i['suggested_reason']})")
    click.echo(f"  热度 {i['heat']}  负面占比 {i['negative_share']:.0%}  {i['post_count']} 条 / {i['source_count']} 个来源"
               f"  首次发现 {local_str(_dt(i['first_seen_at']), tz)}"
               + (f"  爆发于 {local_str(_dt(i['burst_at']), tz)}" if i["burst_at"] else ""))
    names = {"volume": "声量", "negativity": "负面", "spread": "扩散", "growth": "增长", "engagement": "互动"}
    click.echo("  热度构成: " + ", ".join(f"{names[k]} {v:g}" for k, v in i["heat_components"].items()))
    for d in i["release_detected"]:
        click.echo(f"  检测到本单位发布 (待确认): {d['title']} {d['url']}")
    click.echo("\n时限:")
    for d in i["deadlines"]:
        click.echo(f"  {_deadline_brief(d, tz)}  依据 {d['basis']}{'  证据 ' + d['evidence_url'] if d['evidence_url'] else ''}")
    click.echo("\n信息:")
    click.echo(tabulate([[p["id"], p["source_id"],
                          SENTIMENT_NAMES.get(p["sentiment_override"] or p["sentiment_label"], "-")
                          + ("(人工)" if p["sentiment_override"] else ""),
                          local_str(_dt(p["seen_at"]), tz),
                          p["matched_rule"], p["title"][:40]] for p in i["posts"]],
                        headers=["编号", "来源", "情感", "发现时间", "命中规则", "标题"]))
    click.echo("\n通知:")
    for n in i["notifications"]:
        click.echo(f"  {local_str(_dt(n['fire_at']), tz)} [{ROLE_NAMES[n['role']]}] {NOTICE_STATUS_NAMES.get(n['status'], n['status'])} {n['subject']}")
    click.echo("\n操作记录:")
    for a in i["actions"]:
        detail = " ".join(f"{k}={v}" for k, v in a["detail"].items())
        click.echo(f"  {local_str(_dt(a['at']), tz)} {a['by']} {ACTION_NAMES.get(a['action'], a['action'])} {detail}")


STATE_NAMES = {"ok": "正常", "quiet": "沉寂", "failing": "失败", "broken": "盲区", "unknown": "未采集"}


@cli.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def sources_cmd(app: App, as_json):
    """Every source with its health: ok, quiet (nothing new for long), failing, broken (a blind spot).

    \b
    Example:
      monitor sources --json
    """
    rows = views.sources(app.db, app.config(), app.now())
    if as_json:
        return _echo_json(rows)
    tz = app.tz
    click.echo(tabulate([[r["id"], STATE_NAMES[r["state"]], local_str(_dt(r["last_success_at"]), tz),
                          local_str(_dt(r["last_new_at"]), tz), r["items_last_pass"] or 0, r["bytes_last_pass"] or 0,
                          (r["last_error"] or "")[:40]] for r in rows],
                        headers=["来源", "状态", "最后成功", "最后有新信息", "条目", "字节", "最近错误"]))


@cli.command("alerts")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def alerts_cmd(app: App, as_json):
    """The duty officer's view: deadlines due within 2 h or overdue, broken sources, undelivered notices.

    \b
    Example:
      monitor alerts --json
    """
    a = views.alerts(app.db, app.now())
    config = app.optional_config()
    a["quiet_sources"] = [s["id"] for s in views.sources(app.db, config, app.now()) if s["state"] == "quiet"] \
        if config else []
    if as_json:
        return _echo_json(a)
    tz = app.tz
    click.echo("即将到期或已超时的时限:" if a["deadlines"] else "没有即将到期的时限")
    for d in a["deadlines"]:
        click.echo(f"  [{d['issue_id']}] {d['issue_title'][:30]} — {_deadline_brief(d, tz)}")
    click.echo("异常来源 (监测盲区):" if a["sources"] else "所有来源采集正常")
    if a["quiet_sources"]:
        click.echo(f"长时间没有新信息的来源: {', '.join(a['quiet_sources'])}")
    for s in a["sources"]:
        click.echo(f"  {s['id']}: 连续失败 {s['consecutive_failures']} 次, {s['last_error']}")
    for d in a["release_detected"]:
        click.echo(f"检测到本单位发布, 待确认: [{d['issue_id']}] {d['title'][:30]} {d['url']}"
                   f"  → monitor confirm {d['issue_id']} --post {d['post_id']} --by 姓名")
    if a["provisional"]:
        click.echo("暂定的时限 (节假日安排未覆盖该年份, 仅按周末计算; 更新日历后将重新计算):")
        for d in a["provisional"]:
            click.echo(f"  [{d['issue_id']}] {d['issue_title'][:30]} — {_deadline_brief(d, tz)}")
    if a["undelivered"]:
        click.echo("未送达的通知:")
        for n in a["undelivered"]:
            click.echo(f"  [{n['issue_id']}] {n['subject']} (尝试 {n['attempts']} 次: {n['last_error'] or '等待发送'})")


@cli.command()
@click.argument("issue_id", type=int)
@click.option("--level", required=True, help="I | II | III | IV")
@click.option("--by", "by", required=True, help="Who confirms the level.")
@click.option("--start", "start_text", metavar="TIME", help="Start the clocks at this time instead of the policy's.")
@click.option("--start-reason", help="Why (required with --start; kept in the audit trail).")
@pass_app
def declare(app: App, issue_id, level, by, start_text, start_reason):
    """Confirm an issue's severity; starts the clocks the policy defines for that level.

    \b
    Example:
      monitor declare 3 --level II --by 张敏
      monitor declare 3 --level II --by 张敏 --start 2026-03-16T07:30 --start-reason 群众来电早于网络发帖
    """
    config = app.config()
    start_at = app.time(start_text) if start_text else None
    r = service.declare(app.db, config, issue_id, level.upper(), by, app.now(), start_at, start_reason)
    click.echo(f"舆情 {issue_id} 定为 {r.level} 级")
    for s in r.started:
        click.echo(f"  开始计时: {config.policies[s.kind].label} 截止 {local_str(s.due_at, config.tz)} (起点 {s.start_basis})")


@cli.command("train-sentiment")
@click.option("--data", "data_path", default=None, metavar="CSV",
              help="BDCI 2019 news CSV (id,title,content,label); default ../shared/data/sentiment/…")
@click.option("--out", "out_path", default=None, metavar="PATH", help="Where to write the model.")
def train_sentiment(data_path, out_path):
    """Rebuild the news sentiment model from labelled data (writes the model and its provenance JSON).

    \b
    Example:
      monitor train-sentiment --data ../shared/data/sentiment/bdci2019_news_dev/bdci2019_news_dev.csv
    """
    from .sentiment_model import MODEL_PATH
    from .sentiment_train import DEFAULT_DATA, build
    meta = build(Path(data_path) if data_path else DEFAULT_DATA, Path(out_path) if out_path else MODEL_PATH)
    click.echo(f"已训练: {meta['rows']} 条 ({meta['rows_per_label']}), 词表 {meta['vocabulary']} → "
               f"{out_path or MODEL_PATH}")


@cli.command()
@click.argument("lines", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def sentiment(lines, as_json):
    """Score lines of text from stdin: label (positive|neutral|negative) and score (0 negative … 1 positive).

    \b
    Example:
      echo "网传某县审计局工作人员接受宴请" | monitor sentiment --json
    """
    from .sentiment_model import NewsSentiment
    model = NewsSentiment.load()
    for line in lines:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        j = model.judge(text)
        click.echo(json.dumps({"label": j.label, "score": j.score, "text": text}, ensure_ascii=False)
                   if as_json else f"{j.label}\t{j.score:.4f}\t{text}")


@cli.command()
@click.option("--from", "from_date", required=True, metavar="DATE", help="First day (local), e.g. 2026-01-01.")
@click.option("--to", "to_date", required=True, metavar="DATE", help="Last day (local), inclusive.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def stats(app: App, from_date, to_date, as_json):
    """Timeliness figures for the annual report: issues by level, answers on time and late per kind.

    Counts issues declared, and clocks started, between the two local dates (inclusive).

    \b
    Example:
      monitor stats --from 2026-01-01 --to 2026-12-31
    """
    from datetime import date, datetime, time, timedelta
    from .stats import compute
    tz = app.tz
    try:
        start, end = date.fromisoformat(from_date), date.fromisoformat(to_date)
    except ValueError:
        raise MonitorError(f"日期应为 YYYY-MM-DD: {from_date!r} / {to_date!r}") from None
    if end < start:
        raise MonitorError("--to 不能早于 --from")
    start_at = datetime.combine(start, time(0), tzinfo=tz)
    end_at = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz)
    s = compute(list(app.db.query("select * from issues")), list(app.db.query("select * from deadlines")),
                start_at, end_at, app.now())
    if as_json:
        return _echo_json(s)
    click.echo(f"{from_date} 至 {to_date}: 定级舆情 {s['issues_declared']} 件 ("
               + ", ".join(f"{k} 级 {v}" for k, v in s["issues_by_level"].items()) + ")")
    rows = [[k["label"], k["total"], k["on_time"], k["late"], k["overdue"], k["pending"], k["cancelled"],
             "-" if k["on_time_rate"] is None else f"{k['on_time_rate']:.0%}",
             "-" if k["median_hours_to_answer"] is None else k["median_hours_to_answer"], k["extended"]]
            for k in s["kinds"]]
    click.echo(tabulate(rows, headers=["时限", "总数", "按时", "超时完成", "超时未完成", "计时中", "已取消",
                                       "按时率", "中位用时(小时)", "延期"]))


@cli.command()
@click.option("--speed", type=float, default=0.0, help="Seconds of real time per simulated 10 minutes (0: fast).")
@pass_app
def demo(app: App, speed):
    """The drill: a scripted crisis served locally, run through the whole pipeline in simulated time.

    It (re)creates its database (default ./monitor.db) and refuses one that holds real sources.

    \b
    Example:
      monitor demo && monitor issues --all
    """
    from .drill.run import run_drill
    run_drill(app.db_path, app.now_text, speed)


from . import cli_actions  # noqa: E402,F401  (registers the officer commands on `cli`)


def main() -> None:
    cli(prog_name="monitor")

