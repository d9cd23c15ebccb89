"""Officer commands: declare, ack, reopen, respond, intake, extend, confirm, close, label, merge, split.
Each is a thin shell over desk/, audited there."""
from __future__ import annotations

import click

from ..clock import local_str
from ..clocks.rules import RESPONSE_KINDS, ROLES
from ..desk.door import Desk
from ..errors import InvalidInput
from ..judge.candidate import SENTIMENTS as SENTIMENT_LABELS
from ..labels import CLOCK_KIND_NAMES, ROLE_NAMES, START_BASIS_NAMES, name
from .app import App, echo, pass_app


def desk(app: App, create: bool = False) -> Desk:
    """The one door for audited writes, on this command's database, configuration and clock (only the officer
    commands load it: read commands start without the write side)."""
    return Desk(app.db if create else app.existing_db, app.config(), app.clock)


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True, help="确认人。")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in ROLES]),
              help="只停止发给这个角色的催办 (可重复; 默认: 所有角色)。")
@pass_app
def ack(app: App, issue_id, by, roles):
    """确认收到: 停止超时后的重复催办 (时限照常计算)。

    \b
    示例:
      monitor ack 3 --by 王局长 --role head
    """
    desk(app).ack(issue_id, by=by, **({'roles': tuple(roles)} if roles else {}))
    who = "、".join(ROLE_NAMES[r] for r in roles) if roles else "所有角色"
    echo(f"舆情 {issue_id} 已确认收到, 停止向{who}重复催办 (时限继续计算)")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True)
@click.option("--reason", required=True)
@pass_app
def reopen(app: App, issue_id, by, reason):
    """重新打开已关闭的舆情; 关闭时取消的计时恢复 (已发送的通知不再重发)。

    \b
    示例:
      monitor reopen 3 --by 张敏 --reason 出现新的爆料
    """
    n = desk(app).reopen(issue_id, reason, by=by)
    echo(f"舆情 {issue_id} 已重新打开 (恢复 {n} 个计时)")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--kind", required=True, type=click.Choice(RESPONSE_KINDS))
@click.option("--url", required=True, help="发布地址 (证据)。")
@click.option("--at", "at_text", metavar="TIME", help="发布时间 (默认: 现在)。")
@click.option("--by", "by", required=True, help="登记人。")
@pass_app
def respond(app: App, issue_id, kind, url, at_text, by):
    """登记发布 / 新闻发布会 / 回应及其证据地址; 对应的时限随之停止。

    \b
    示例:
      monitor respond 3 --kind release --url https://www.example.gov.cn/tzgg/1.html --at 2026-03-16T14:10 --by 张敏
    """
    # the config is required: a release starts the 24 h update clock by the agency's policies
    r = desk(app).respond(issue_id, kind, url, at=app.time(at_text), by=by)
    label = name(CLOCK_KIND_NAMES, kind)
    if r.deadline_id is None:
        echo(f"已记录「{label}」; 舆情 {issue_id} 没有正在计时的「{label}」时限")
    else:
        echo(f"已记录「{label}」, 时限已停止 ({'按时' if r.on_time else '超时'})")


@click.command("intake")
@click.option("--kind", required=True,
              help="message (网民留言) | disclosure (依申请公开) | repost (上级政务新媒体重要信息)")
@click.option("--title", required=True)
@click.option("--received", "received_text", required=True, metavar="TIME", help="收到时间。")
@click.option("--url", help="原文地址。")
@click.option("--from", "from_name", help="来信人或申请人。")
@click.option("--by", "by", default="值班员", show_default=True, help="登记人。")
@pass_app
def intake_cmd(app: App, kind, title, received_text, url, from_name, by):
    """登记不是采集来的事项 (网民留言、依申请公开、上级重要信息); 按国家法定节假日安排计算工作日时限。

    \b
    示例:
      monitor intake --kind disclosure --title "申请公开2025年度审计报告" --received 2026-12-28T10:00 --from 张三
    """
    config = app.config()
    r = desk(app, create=True).intake(kind, title, received_at=app.time(received_text), by=by, url=url,
                                     from_name=from_name)
    echo(f"已登记为 #{r.issue_id}: {config.policies[r.kind].label} 截止 {local_str(r.due_at, config.tz)}"
               + (" (暂定: 该年份的节假日安排尚未公布, 仅按周末计算)" if r.provisional else ""))


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True)
@click.option("--approver", required=True, help="批准延期的人。")
@click.option("--days", type=int, required=True, help="延长的工作日数 (只能一次, 最多 20)。")
@pass_app
def extend(app: App, issue_id, by, approver, days):
    """依申请公开答复延期一次, 记录批准人。

    \b
    示例:
      monitor extend 7 --by 李娜 --approver 王局长 --days 20
    """
    config = app.config()
    due, provisional = desk(app).extend(issue_id, approver, days, by=by)
    echo(f"已延期 {days} 个工作日, 新的截止时间 {local_str(due, config.tz)}" + (" (暂定)" if provisional else ""))


@click.command()
@click.argument("issue_id", type=int)
@click.option("--post", "post_id", type=int, help="检测到的信息编号 (默认: 最近检测到的)。")
@click.option("--by", "by", required=True)
@pass_app
def confirm(app: App, issue_id, post_id, by):
    """确认检测到的本单位发布为回应; 对应时限以它为证据停止。

    \b
    示例:
      monitor confirm 2 --post 14 --by 李娜
    """
    r = desk(app).confirm(issue_id, post_id, by=by)
    label = name(CLOCK_KIND_NAMES, r.kind)
    echo(f"已确认, 「{label}」时限停止 ({'按时' if r.on_time else '超时'})" if r.deadline_id
         else f"已记录为本单位的「{label}」(尚未定级, 定级时计入)")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True)
@click.option("--reason", required=True)
@pass_app
def close(app: App, issue_id, by, reason):
    """关闭舆情; 正在计时的时限全部取消。

    \b
    示例:
      monitor close 3 --by 张敏 --reason 已处置完毕
    """
    n = desk(app).close(issue_id, reason, by=by)
    echo(f"舆情 {issue_id} 已关闭 (取消 {n} 个计时)")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True, help="判断人 (记入操作记录)。")
@click.option("--reason", required=True, help="误报原因。")
@pass_app
def dismiss(app: App, issue_id, by, reason):
    """把一条舆情的预警标为误报: 不再为它发送预警。

    \b
    示例:
      monitor dismiss 7 --by 李娜 --reason 与本单位无关
    """
    desk(app).dismiss(issue_id, reason, by=by)
    echo(f"舆情 {issue_id} 的预警已标为误报, 不再发送预警")


@click.command()
@click.argument("post_id", type=int)
@click.option("--as", "label", required=True, type=click.Choice(SENTIMENT_LABELS))
@click.option("--by", "by", required=True)
@pass_app
def label(app: App, post_id, label, by):
    """人工修正一条信息的情感; 记入操作记录, 此后的热度和排序按修正后的计算。

    \b
    示例:
      monitor label 14 --as neutral --by 李娜
    """
    issue_id = desk(app).label(post_id, label, by=by)
    echo(f"信息 {post_id} 的情感已修正为 {label}" + (f" (舆情 {issue_id} 已重新计算)" if issue_id else ""))


@click.command("merge")
@click.argument("target_id", type=int)
@click.argument("source_ids", type=int, nargs=-1, required=True)
@click.option("--by", "by", required=True)
@pass_app
def merge_cmd(app: App, target_id, source_ids, by):
    """把其他舆情并入 TARGET: 信息移入, 被并入的舆情关闭 (其计时取消)。

    \b
    示例:
      monitor merge 2 5 7 --by 李娜
    """
    n = desk(app).merge(target_id, list(source_ids), by=by)
    echo(f"已合并入舆情 {target_id}: 移入 {n} 条信息")


@click.command("split")
@click.argument("issue_id", type=int)
@click.option("--posts", "post_ids", required=True, help="要拆出的信息编号, 用逗号分隔, 例如 8,9。")
@click.option("--by", "by", required=True)
@pass_app
def split_cmd(app: App, issue_id, post_ids, by):
    """把 ISSUE 中的部分信息 (连同转载) 拆成一个新舆情。

    \b
    示例:
      monitor split 2 --posts 8,9 --by 李娜
    """
    try:
        ids = [int(x) for x in post_ids.split(",") if x.strip()]
    except ValueError:
        raise InvalidInput(f"--posts 应为逗号分隔的信息编号, 实际是 {post_ids!r}") from None
    new_id = desk(app).split(issue_id, ids, by=by)
    echo(f"已拆分: 新舆情 {new_id}")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--level", required=True, help="I | II | III | IV")
@click.option("--by", "by", required=True, help="定级人。")
@click.option("--start", "start_text", metavar="TIME", help="从这个时间开始计时, 而不是按规定的起点。")
@click.option("--start-reason", help="原因 (使用 --start 时必填; 记入操作记录)。")
@pass_app
def declare(app: App, issue_id, level, by, start_text, start_reason):
    """定级; 按该级别的规定开始计时。

    \b
    示例:
      monitor declare 3 --level II --by 张敏
      monitor declare 3 --level II --by 张敏 --start 2026-03-16T07:30 --start-reason 群众来电早于网络发帖
    """
    config = app.config()
    start_at = app.time(start_text) if start_text else None
    r = desk(app).declare(issue_id, level.upper(), by=by, start_at=start_at, start_reason=start_reason)
    echo(f"舆情 {issue_id} 定为 {r.level} 级")
    for s in r.started:
        echo(f"  开始计时: {config.policies[s.kind].label} 截止 {local_str(s.due_at, config.tz)}"
             f" (起点: {name(START_BASIS_NAMES, s.start_basis)})")
