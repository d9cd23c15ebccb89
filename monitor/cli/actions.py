"""Officer commands: declare, ack, reopen, respond, intake, extend, confirm, close, label, merge, split.
Each is a thin shell over desk/, audited there."""
from __future__ import annotations

import click

from ..clock import local_str
from ..clocks.rules import RESPONSE_KINDS, ROLES
from ..errors import InvalidInput
from ..judge.candidate import SENTIMENTS as SENTIMENT_LABELS
from ..labels import CLOCK_KIND_NAMES, ROLE_NAMES, START_BASIS_NAMES, name
from .app import App, echo, pass_app


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True, help="Who acknowledges.")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in ROLES]),
              help="Stop repeats to this role only (repeatable; default: every role).")
@pass_app
def ack(app: App, issue_id, by, roles):
    """Acknowledge an issue: stops the repeated overdue notices (not the clocks).

    \b
    Example:
      monitor ack 3 --by 王局长 --role head
    """
    app.desk().ack(issue_id, by=by, **({'roles': tuple(roles)} if roles else {}))
    who = "、".join(ROLE_NAMES[r] for r in roles) if roles else "所有角色"
    echo(f"舆情 {issue_id} 已确认收到, 停止向{who}重复催办 (时限继续计算)")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True)
@click.option("--reason", required=True)
@pass_app
def reopen(app: App, issue_id, by, reason):
    """Re-open a closed issue; the clocks its close cancelled run again (nothing already sent is resent).

    \b
    Example:
      monitor reopen 3 --by 张敏 --reason 出现新的爆料
    """
    n = app.desk().reopen(issue_id, reason, by=by)
    echo(f"舆情 {issue_id} 已重新打开 (恢复 {n} 个计时)")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--kind", required=True, type=click.Choice(RESPONSE_KINDS))
@click.option("--url", required=True, help="Where it was published (evidence).")
@click.option("--at", "at_text", metavar="TIME", help="When it was published (default: now).")
@click.option("--by", "by", required=True, help="Who records it.")
@pass_app
def respond(app: App, issue_id, kind, url, at_text, by):
    """Record a release / press conference / response with its evidence; stops that clock.

    \b
    Example:
      monitor respond 3 --kind release --url https://www.example.gov.cn/tzgg/1.html --at 2026-03-16T14:10 --by 张敏
    """
    # the config is required: a release starts the 24 h update clock by the agency's policies
    r = app.desk().respond(issue_id, kind, url, at=app.time(at_text), by=by)
    label = name(CLOCK_KIND_NAMES, kind)
    if r.deadline_id is None:
        echo(f"已记录「{label}」; 舆情 {issue_id} 没有正在计时的「{label}」时限")
    else:
        echo(f"已记录「{label}」, 时限已停止 ({'按时' if r.on_time else '超时'})")


@click.command("intake")
@click.option("--kind", required=True,
              help="message (网民留言: reply) | disclosure (信息公开申请) | repost (上级政务新媒体重要信息)")
@click.option("--title", required=True)
@click.option("--received", "received_text", required=True, metavar="TIME", help="When it was received.")
@click.option("--url", help="Where it can be seen.")
@click.option("--from", "from_name", help="Who sent it.")
@click.option("--by", "by", default="值班员", show_default=True, help="Who records it.")
@pass_app
def intake_cmd(app: App, kind, title, received_text, url, from_name, by):
    """Track an item that is not crawled; its clock counts working days on China's official calendar.

    \b
    Example:
      monitor intake --kind disclosure --title "申请公开2025年度审计报告" --received 2026-12-28T10:00 --from 张三
    """
    config = app.config()
    r = app.desk(create=True).intake(kind, title, received_at=app.time(received_text), by=by, url=url,
                                     from_name=from_name)
    echo(f"已登记为 #{r.issue_id}: {config.policies[r.kind].label} 截止 {local_str(r.due_at, config.tz)}"
               + (" (暂定: 该年份的节假日安排尚未公布, 仅按周末计算)" if r.provisional else ""))


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True)
@click.option("--approver", required=True, help="Who approved the extension.")
@click.option("--days", type=int, required=True, help="Working days to add (once, at most 20).")
@pass_app
def extend(app: App, issue_id, by, approver, days):
    """Extend an information-disclosure deadline once, with the approver recorded.

    \b
    Example:
      monitor extend 7 --by 李娜 --approver 王局长 --days 20
    """
    config = app.config()
    due, provisional = app.desk().extend(issue_id, approver, days, by=by)
    echo(f"已延期 {days} 个工作日, 新的截止时间 {local_str(due, config.tz)}" + (" (暂定)" if provisional else ""))


@click.command()
@click.argument("issue_id", type=int)
@click.option("--post", "post_id", type=int, help="The detected post (default: the latest detected).")
@click.option("--by", "by", required=True)
@pass_app
def confirm(app: App, issue_id, post_id, by):
    """Confirm a detected own-channel post as the release/response; stops that clock with it as evidence.

    \b
    Example:
      monitor confirm 2 --post 14 --by 李娜
    """
    r = app.desk().confirm(issue_id, post_id, by=by)
    label = name(CLOCK_KIND_NAMES, r.kind)
    echo(f"已确认, 「{label}」时限停止 ({'按时' if r.on_time else '超时'})" if r.deadline_id
         else f"已记录为本单位的「{label}」(尚未定级, 定级时计入)")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True)
@click.option("--reason", required=True)
@pass_app
def close(app: App, issue_id, by, reason):
    """Close an issue; its open clocks are cancelled.

    \b
    Example:
      monitor close 3 --by 张敏 --reason 已处置完毕
    """
    n = app.desk().close(issue_id, reason, by=by)
    echo(f"舆情 {issue_id} 已关闭 (取消 {n} 个计时)")


@click.command()
@click.argument("issue_id", type=int)
@click.option("--by", "by", required=True, help="Who judged it (recorded in the audit trail).")
@click.option("--reason", required=True, help="Why the warning is false.")
@pass_app
def dismiss(app: App, issue_id, by, reason):
    """Mark an issue's early warning (预警) as false (误报): no warning of it is sent again.

    \b
    Example:
      monitor dismiss 7 --by 李娜 --reason 与本单位无关
    """
    app.desk().dismiss(issue_id, reason, by=by)
    echo(f"舆情 {issue_id} 的预警已标为误报, 不再发送预警")


@click.command()
@click.argument("post_id", type=int)
@click.option("--as", "label", required=True, type=click.Choice(SENTIMENT_LABELS))
@click.option("--by", "by", required=True)
@pass_app
def label(app: App, post_id, label, by):
    """Correct a post's sentiment; kept in the audit trail and used for heat and ranking from then on.

    \b
    Example:
      monitor label 14 --as neutral --by 李娜
    """
    issue_id = app.desk().label(post_id, label, by=by)
    echo(f"信息 {post_id} 的情感已修正为 {label}" + (f" (舆情 {issue_id} 已重新计算)" if issue_id else ""))


@click.command("merge")
@click.argument("target_id", type=int)
@click.argument("source_ids", type=int, nargs=-1, required=True)
@click.option("--by", "by", required=True)
@pass_app
def merge_cmd(app: App, target_id, source_ids, by):
    """Merge issues into TARGET: their posts move there, they close (their open clocks are cancelled).

    \b
    Example:
      monitor merge 2 5 7 --by 李娜
    """
    n = app.desk().merge(target_id, list(source_ids), by=by)
    echo(f"已合并入舆情 {target_id}: 移入 {n} 条信息")


@click.command("split")
@click.argument("issue_id", type=int)
@click.option("--posts", "post_ids", required=True, help="Comma-separated post ids to move out, e.g. 8,9.")
@click.option("--by", "by", required=True)
@pass_app
def split_cmd(app: App, issue_id, post_ids, by):
    """Split posts (and their reposts) off ISSUE into a new issue.

    \b
    Example:
      monitor split 2 --posts 8,9 --by 李娜
    """
    try:
        ids = [int(x) for x in post_ids.split(",") if x.strip()]
    except ValueError:
        raise InvalidInput(f"--posts 应为逗号分隔的信息编号, 实际是 {post_ids!r}") from None
    new_id = app.desk().split(issue_id, ids, by=by)
    echo(f"已拆分: 新舆情 {new_id}")


@click.command()
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
    r = app.desk().declare(issue_id, level.upper(), by=by, start_at=start_at, start_reason=start_reason)
    echo(f"舆情 {issue_id} 定为 {r.level} 级")
    for s in r.started:
        echo(f"  开始计时: {config.policies[s.kind].label} 截止 {local_str(s.due_at, config.tz)}"
             f" (起点: {name(START_BASIS_NAMES, s.start_basis)})")
