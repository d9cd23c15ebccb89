"""The tick: decide which notices are due (policy.decide_notices), queue them once, deliver the queue.

Exactly once: a notice's key is unique in the outbox, so deciding twice queues once;
a queued notice is claimed before sending and marked sent only after the server
accepted it. A claim left by a crashed process is taken again after CLAIM_STALE.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import store
from .clock import from_iso, local_str, to_iso
from .config import Config
from .errors import DeliveryError, MonitorError
from .policy import Decision, DeadlineState, Reason, decide_notices
from .policy_defaults import LEVEL_NAMES, ROLE_NAMES
from .db import transaction

log = logging.getLogger(__name__)

CLAIM_STALE = timedelta(minutes=10)
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(minutes=30)


def templates_dir(config: Config) -> Path:
    """`alerts/` beside the config file, else the one shipped with the project."""
    for d in (Path(config.path).resolve().parent / "alerts", Path(__file__).resolve().parent.parent / "alerts"):
        if (d / "remind.txt").exists():
            return d
    raise MonitorError("找不到通知模板目录 alerts/ (需要 remind.txt, breach.txt, overdue.txt)")


class Renderer:
    def __init__(self, directory: Path):
        self.env = Environment(loader=FileSystemLoader(str(directory)), undefined=StrictUndefined,
                               keep_trailing_newline=True, autoescape=False)

    def render(self, stage: str, **values) -> tuple[str, str]:
        text = self.env.get_template(f"{stage}.txt").render(**values)
        first, _, body = text.partition("\n")
        if not first.startswith("Subject:"):
            raise MonitorError(f"模板 {stage}.txt 的第一行应为 'Subject: ...'")
        return first[len("Subject:"):].strip(), body.lstrip("\n")


@dataclass
class TickReport:
    queued: list[dict] = field(default_factory=list)
    delivered: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    skipped: list[Decision] = field(default_factory=list)   # due but not sendable (no recipients)


def tick(db: sqlite_utils.Database, config: Config, now: datetime, channel, renderer: Renderer) -> TickReport:
    from .intake import calendar_for, recompute_provisional
    report = TickReport()
    recompute_provisional(db, config, calendar_for(config), now)
    queue_due(db, config, now, renderer, report)
    queue_detected(db, config, now, renderer, report)
    queue_provisional(db, config, now, renderer, report)
    queue_source_health(db, config, now, renderer, report)
    deliver(db, now, channel, report)
    return report


def _humanize(seconds: float) -> str:
    seconds = abs(int(seconds))
    h, m = divmod(seconds // 60, 60)
    return f"{h}小时{m}分钟" if h else f"{m}分钟"


def acked_roles(db, issue_id: int) -> frozenset[str]:
    roles: set[str] = set()
    for a in db.query("select detail from actions where issue_id = ? and action = 'ack'", [issue_id]):
        roles.update(json.loads(a["detail"] or "{}").get("roles", []))
    return frozenset(roles)


def queue_due(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    rows = list(db.query(
        "select d.*, i.status as issue_status, i.acked_at, i.title, i.level, i.heat, i.negative_share, "
        "i.post_count from deadlines d join issues i on i.id = d.issue_id "
        "where d.status = 'open' and i.status = 'open' order by d.due_at"))
    for d in rows:
        rule = config.policies.get(d["kind"])
        if rule is None:
            continue
        state = DeadlineState(d["id"], d["issue_id"], d["kind"], from_iso(d["due_at"]), True, True,
                              acked_roles(db, d["issue_id"]))
        sent = frozenset(r["key"] for r in db.query("select key from notifications where deadline_id = ?", [d["id"]]))
        for decision in decide_notices(state, rule, sent, config.people, now):
            if decision.reason == Reason.NO_RECIPIENTS:
                report.skipped.append(decision)
            if not decision.send:
                continue
            n = decision.notice
            late = decision.reason == Reason.SEND_LATE
            subject, body = renderer.render(
                n.stage, agency=config.agency.name, issue=d, issue_id=d["issue_id"],
                level=d["level"], level_name=LEVEL_NAMES.get(d["level"], ""),
                deadline_label=rule.label, basis=rule.basis, role=n.role, role_name=ROLE_NAMES[n.role],
                due_local=local_str(state.due_at, config.tz), started_local=local_str(from_iso(d["started_at"]), config.tz),
                remaining=_humanize((state.due_at - now).total_seconds()),
                overdue_by=_humanize((now - state.due_at).total_seconds()),
                repeat=n.repeat, late=late, fire_local=local_str(n.fire_at, config.tz),
                now_local=local_str(now, config.tz),
            )
            if late:
                subject = f"【补发】{subject}"
            _insert_notice(db, _notice(n.key, d["issue_id"], d["id"], n.stage, n.role, config.people[n.role],
                                       subject, body, to_iso(n.fire_at), now, late), report)


def _notice(key: str, issue_id: int, deadline_id: int | None, stage: str, role: str, recipients, subject: str,
            body: str, fire_at: str, now: datetime, late: bool = False) -> dict:
    return {"key": key, "issue_id": issue_id, "deadline_id": deadline_id, "stage": stage, "role": role,
            "recipients": json.dumps(list(recipients)), "subject": subject, "body": body, "fire_at": fire_at,
            "created_at": to_iso(now), "status": "pending", "late": int(late),
            "message_id": f"<{hashlib.sha1(key.encode()).hexdigest()[:20]}.monitor@localhost>"}


def _insert_notice(db, row: dict, report: TickReport) -> None:
    cur = db.execute(
        f"insert or ignore into notifications ({', '.join(row)}) values ({', '.join('?' * len(row))})",
        list(row.values()))
    if cur.rowcount:
        report.queued.append(row)
        log.info("notice queued key=%s role=%s late=%s", row["key"], row["role"], bool(row["late"]))


def queue_detected(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Ask the duty officer, once per detected post, to confirm an own-channel post as the answer."""
    rows = db.query(
        "select a.id as action_id, a.detail, a.at, i.* from actions a join issues i on i.id = a.issue_id "
        "where a.action = 'release_detected' and i.status = 'open'")
    for r in rows:
        detail = json.loads(r["detail"])
        key = f"i{r['id']}:detected:{detail['post_id']}"
        if not config.people.get("duty") or list(db.query("select 1 from notifications where key = ?", [key])):
            continue
        post = next(iter(db.query("select * from posts where id = ?", [detail["post_id"]])))
        rule = config.policies.get(detail["kind"])
        subject, body = renderer.render(
            "detected", agency=config.agency.name, issue=r, issue_id=r["id"], role_name=ROLE_NAMES["duty"],
            source_id=post["source_id"], post_id=post["id"], post_title=post["title"], post_url=post["url"],
            published_local=local_str(from_iso(post["published_at"] or post["seen_at"]), config.tz),
            deadline_label=rule.label if rule else detail["kind"])
        _insert_notice(db, _notice(key, r["id"], detail["deadline_id"], "detected", "duty", config.people["duty"],
                                   subject, body, r["at"], now), report)


def queue_provisional(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Tell the duty officer once that a deadline was counted over a year the calendar lacks."""
    if not config.people.get("duty"):
        return
    rows = db.query("select d.*, i.title from deadlines d join issues i on i.id = d.issue_id "
                    "where d.provisional = 1 and d.status = 'open' and i.status = 'open'")
    for d in rows:
        key = f"d{d['id']}:provisional"
        rule = config.policies.get(d["kind"])
        subject, body = renderer.render(
            "provisional", agency=config.agency.name, issue=d, issue_id=d["issue_id"], role_name=ROLE_NAMES["duty"],
            deadline_label=rule.label if rule else d["kind"], due_local=local_str(from_iso(d["due_at"]), config.tz))
        _insert_notice(db, _notice(key, d["issue_id"], d["id"], "provisional", "duty", config.people["duty"],
                                   subject, body, to_iso(now), now), report)


def queue_source_health(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Tell the duty officer once when a source becomes broken or quiet, and once when it recovers."""
    from .health import should_notify, state
    if not config.people.get("duty"):
        return
    for source in config.sources:
        row = store.source_row(db, source.id) or {}
        current = state(row, source.interval_s, now)
        if current in ("failing", "unknown") or not should_notify(current, row.get("notified_state")):
            continue
        n = (row.get("state_changes") or 0) + 1
        subject, body = renderer.render(
            "source", agency=config.agency.name, role_name=ROLE_NAMES["duty"], source_id=source.id, url=source.url,
            state=current, previous=row.get("notified_state") or "ok", last_error=row.get("last_error") or "",
            last_success_local=local_str(from_iso(row.get("last_success_at")), config.tz),
            last_new_local=local_str(from_iso(row.get("last_new_at")), config.tz))
        with transaction(db):
            _insert_notice(db, _notice(f"s:{source.id}:{n}:{current}", None, None, "source", "duty",
                                       config.people["duty"], subject, body, to_iso(now), now), report)
            db.execute("update sources set notified_state = ?, state_changes = ? where id = ?", [current, n, source.id])


def deliver(db, now: datetime, channel, report: TickReport) -> None:
    stale = to_iso(now - CLAIM_STALE)
    rows = list(db.query(
        "select n.*, d.status as deadline_status, i.status as issue_status from notifications n "
        "left join deadlines d on d.id = n.deadline_id left join issues i on i.id = n.issue_id "
        "where (n.status = 'pending' and (n.next_attempt_at is null or n.next_attempt_at <= ?)) "
        "or (n.status = 'sending' and n.next_attempt_at <= ?) order by n.fire_at, n.id", [to_iso(now), stale]))
    for n in rows:
        if n["deadline_id"] is not None and (n["deadline_status"] != "open" or n["issue_status"] != "open"):
            db.execute("update notifications set status = 'cancelled' where id = ? and status in ('pending','sending')",
                       [n["id"]])
            continue
        claimed = db.execute(
            "update notifications set status = 'sending', next_attempt_at = ? where id = ? and status = ?",
            [to_iso(now), n["id"], n["status"]]).rowcount
        if not claimed:
            continue                    # another process has it
        attempts = (n["attempts"] or 0) + 1
        try:
            channel.send(json.loads(n["recipients"]), n["subject"], n["body"], n["message_id"], now)
        except DeliveryError as e:
            wait = min(RETRY_BASE * 2 ** (attempts - 1), RETRY_MAX)
            db.execute("update notifications set status = 'pending', attempts = ?, last_error = ?, "
                       "next_attempt_at = ? where id = ?", [attempts, str(e), to_iso(now + wait), n["id"]])
            if n["last_error"] != str(e):
                log.warning("notice failed key=%s error=%s", n["key"], e)
            report.failed.append({**n, "last_error": str(e)})
            continue
        with transaction(db):
            db.execute("update notifications set status = 'sent', sent_at = ?, attempts = ?, last_error = null "
                       "where id = ?", [to_iso(now), attempts, n["id"]])
            store.record_action(db, now, "system", n["issue_id"], "notify", key=n["key"], stage=n["stage"],
                                role=n["role"], recipients=json.loads(n["recipients"]), subject=n["subject"],
                                late=bool(n["late"]))
        report.delivered.append({**n, "sent_at": to_iso(now)})
