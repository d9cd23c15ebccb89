"""The tick: decide which notices are due (clocks.policy.decide_notices), queue them once, deliver the queue.

Exactly once: a notice's key is unique in the outbox, so deciding twice queues once;
a queued notice is claimed before sending and marked sent only after the server
accepted it. A claim left by a crashed process is taken again after CLAIM_STALE.

The queues, in order (`QUEUES`): the clocks' own notices, detected releases to confirm,
provisional working-day deadlines, source health. Then `deliver`.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from ..clock import from_iso, local_str, to_iso
from ..clocks.policy import Decision, DeadlineState, Reason, Stage, decide_notices
from ..clocks.rules import DeadlineStatus, IssueStatus, Role
from ..clocks.workdays import office_time
from ..config.load import calendar_for
from ..config.schema import Config
from ..desk.intake import recompute_provisional
from ..errors import DeliveryError, ServerUnavailable
from ..judge.health import SourceState, should_notify, state
from ..labels import ROLE_NAMES, duration
from ..store import answers, deadlines, issues, outbox, posts
from ..store import sources as source_rows
from ..store.db import transaction
from .render import Renderer, body_text, deadline_values, header_text, issue_values, when_values

log = logging.getLogger(__name__)

CLAIM_STALE = timedelta(minutes=10)
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(minutes=30)
MOOT = "时限已过, 提醒不再发送"
SUPERSEDED = "同一时限已有更新的通知, 只发送最新的"


def retry_wait(attempts: int) -> timedelta:
    """1 min doubling to 30 min, however many attempts there were."""
    return min(RETRY_BASE * 2 ** min(max(attempts - 1, 0), 10), RETRY_MAX)
DUTY = Role.DUTY


@dataclass
class TickReport:
    queued: list[dict] = field(default_factory=list)
    delivered: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    skipped: list[Decision] = field(default_factory=list)   # due but not sendable (no recipients)
    postponed: list[dict] = field(default_factory=list)     # not tried: the server was unavailable this tick


def tick(db: sqlite_utils.Database, config: Config, now: datetime, channel, renderer: Renderer) -> TickReport:
    report = TickReport()
    recompute_provisional(db, config, calendar_for(config), now)
    for queue in QUEUES:
        queue(db, config, now, renderer, report)
    deliver(db, now, channel, report)
    return report


def _row(key: str, issue_id: int | None, deadline_id: int | None, stage: Stage, role: str, recipients,
         text: tuple[str, str, str], fire_at: datetime, now: datetime, late: bool = False,
         thread_id: str | None = None) -> dict:
    subject, body, html = text
    return {"key": key, "issue_id": issue_id, "deadline_id": deadline_id, "stage": str(stage), "role": str(role),
            "recipients": json.dumps(list(recipients)), "subject": header_text(subject), "body": body_text(body),
            "html": body_text(html), "thread_id": thread_id, "fire_at": to_iso(fire_at),
            "created_at": to_iso(now), "status": "pending", "late": int(late),
            "message_id": f"<{hashlib.sha1(key.encode()).hexdigest()[:20]}.monitor@localhost>"}


def thread_of(config: Config, issue_id: int | None, other: str = "") -> str | None:
    """The root every notice about one issue refers to (In-Reply-To / References)."""
    tag = hashlib.sha1(config.agency.name.encode()).hexdigest()[:8]
    if issue_id is not None:
        return f"<issue-{issue_id}.{tag}.monitor@localhost>"
    return f"<{other}.{tag}.monitor@localhost>" if other else None


def _text(renderer: Renderer, stage: str, **values) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one notice."""
    subject, body = renderer.render(stage, **values)
    if values.get("late"):
        subject = f"【补发】{subject}"
    return subject, body, renderer.html(header_text(subject), body_text(body), **values)


def _posts(db, config: Config, issue_id: int) -> list[dict]:
    """The issue's top posts as notices show them: title, source name, time, link."""
    return [{"title": header_text(p["title"] or ""), "url": p["url"], "source_name": config.source_name(p["source_id"]),
             "time_local": local_str(p["published_at"] or p["seen_at"], config.tz)}
            for p in posts.top_of_issue(db, issue_id)]


def _queue(db: sqlite_utils.Database, row: dict, report: TickReport) -> None:
    if outbox.queue(db, row):
        report.queued.append(row)
        log.info("notice queued key=%s role=%s late=%s", row["key"], row["role"], bool(row["late"]))


def queue_due(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Reminders, breaches and overdue repeats of every running clock, as policy decides."""
    cal = calendar_for(config)

    def office(at: datetime) -> datetime:
        return office_time(at, config.tz, cal, config.office_start)

    for d in deadlines.running(db):
        rule = config.policies.get(d["kind"])
        if rule is None:
            continue
        due_at = from_iso(d["due_at"])
        state_ = DeadlineState(d["id"], d["issue_id"], d["kind"], due_at, True, True,
                               issues.acked_roles(db, d["issue_id"]), from_iso(d["created_at"]))
        for decision in decide_notices(state_, rule, outbox.keys_of(db, d["id"]), config.people, now, office):
            if decision.reason == Reason.NO_RECIPIENTS:
                report.skipped.append(decision)
            if not decision.send:
                continue
            n = decision.notice
            late = decision.reason == Reason.SEND_LATE
            text = _text(
                renderer, n.stage, agency=config.agency.name, issue=issue_values(d, config),
                deadline=deadline_values(d, rule, config.tz), posts=_posts(db, config, d["issue_id"]),
                role=n.role, role_name=ROLE_NAMES[n.role], remaining=duration((due_at - now).total_seconds()),
                overdue_by=duration((now - due_at).total_seconds()), repeat=n.repeat, late=late,
                **when_values(now, n.fire_at, config.tz))
            _queue(db, _row(n.key, d["issue_id"], d["id"], n.stage, n.role, config.people[n.role], text,
                            n.fire_at, now, late, thread_of(config, d["issue_id"])), report)


def queue_detected(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Ask the duty officer, once per detected post, to confirm an own-channel post as the answer."""
    if not config.people.get(DUTY):
        return
    for r in answers.to_notify(db):
        key = f"i{r['issue_id']}:detected:{r['post_id']}"
        if outbox.has(db, key):
            continue
        issue = issues.get(db, r["issue_id"])
        d = deadlines.get(db, r["deadline_id"])
        text = _text(
            renderer, Stage.DETECTED, agency=config.agency.name, issue=issue_values(issue, config),
            deadline=deadline_values(d, config.policies.get(d["kind"]), config.tz), role_name=ROLE_NAMES[DUTY],
            source_id=r["source_id"], source_name=config.source_name(r["source_id"]), post_id=r["post_id"], post_title=header_text(r["post_title"]), post_url=r["post_url"],
            published_local=local_str(r["published_at"] or r["seen_at"], config.tz))
        _queue(db, _row(key, r["issue_id"], r["deadline_id"], Stage.DETECTED, DUTY, config.people[DUTY],
                        text, from_iso(r["detected_at"]), now, thread_id=thread_of(config, r["issue_id"])), report)


def queue_provisional(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Tell the duty officer once that a deadline was counted over a year the calendar lacks."""
    if not config.people.get(DUTY):
        return
    for d in deadlines.provisional(db, open_issues_only=True):
        text = _text(
            renderer, Stage.PROVISIONAL, agency=config.agency.name, issue=issue_values(d, config),
            deadline=deadline_values(d, config.policies.get(d["kind"]), config.tz), role_name=ROLE_NAMES[DUTY])
        _queue(db, _row(f"d{d['id']}:provisional", d["issue_id"], d["id"], Stage.PROVISIONAL, DUTY,
                        config.people[DUTY], text, now, now, thread_id=thread_of(config, d["issue_id"])), report)


def queue_source_health(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Tell the duty officer once when a source becomes broken or quiet, and once when it recovers."""
    if not config.people.get(DUTY):
        return
    for source in config.sources:
        row = source_rows.get(db, source.id) or {}
        current = state(row, source.interval_s, now)
        if current in (SourceState.FAILING, SourceState.UNKNOWN) or not should_notify(current, row.get("notified_state")):
            continue
        n = (row.get("state_changes") or 0) + 1
        text = _text(
            renderer, Stage.SOURCE, agency=config.agency.name, role_name=ROLE_NAMES[DUTY], source_id=source.id,
            source_name=source.display_name, url=source.url,
            sources_url=f"{config.console_url}/sources" if config.console_url else None,
            state=str(current), previous=row.get("notified_state") or SourceState.OK,
            last_error=row.get("last_error") or "",
            last_success_local=local_str(row.get("last_success_at"), config.tz),
            last_new_local=local_str(row.get("last_new_at"), config.tz))
        with transaction(db):
            _queue(db, _row(f"s:{source.id}:{n}:{current}", None, None, Stage.SOURCE, DUTY, config.people[DUTY],
                            text, now, now, thread_id=thread_of(config, None, f"source-{source.id}")), report)
            source_rows.set_notified(db, source.id, str(current), n)


QUEUES = [queue_due, queue_detected, queue_provisional, queue_source_health]


def deliver(db, now: datetime, channel, report: TickReport) -> None:
    """Send what is due. A clock's notice waiting since an outage goes only if it is still the latest
    step for its role, and a reminder never after its deadline."""
    latest: dict[tuple, str] = {}
    unavailable: ServerUnavailable | None = None
    for w in outbox.undelivered(db):
        if w["deadline_id"] is not None:
            key = (w["deadline_id"], w["role"])
            latest[key] = max(latest.get(key, ""), w["fire_at"])
    for n in outbox.deliverable(db, now, now - CLAIM_STALE):
        if n["deadline_id"] is not None and (n["deadline_status"] != DeadlineStatus.OPEN
                                        or n["issue_status"] != IssueStatus.OPEN):
            outbox.cancel(db, n["id"])
            continue
        if n["deadline_id"] is not None and n["stage"] == Stage.REMIND and from_iso(n["due_at"]) <= now:
            outbox.cancel(db, n["id"], MOOT)
            continue
        if n["deadline_id"] is not None and n["fire_at"] < latest[(n["deadline_id"], n["role"])]:
            outbox.cancel(db, n["id"], SUPERSEDED)
            continue
        if unavailable is not None:
            report.postponed.append(n)  # the server is down: the rest wait for the next tick, attempts unchanged
            continue
        if not outbox.claim(db, n["id"], n["status"], now):
            continue                    # another process has it
        attempts = (n["attempts"] or 0) + 1
        delivered = json.loads(n["delivered_to"] or "[]")
        left = [r for r in json.loads(n["recipients"]) if r not in delivered]
        try:
            refused = channel.send(left, n["subject"], n["body"], n["message_id"], now, html=n.get("html"),
                                   thread_id=n.get("thread_id")) or {}
        except Exception as e:                       # one notice that cannot be sent never stops the others
            if isinstance(e, ServerUnavailable):
                unavailable = e
            if not isinstance(e, DeliveryError):
                log.exception("notice could not be sent key=%s", n["key"])
                e = DeliveryError(f"{type(e).__name__}: {e}")
            outbox.failed(db, n["id"], attempts, str(e), now + retry_wait(attempts))
            if n["last_error"] != str(e):
                log.warning("notice failed key=%s error=%s", n["key"], e)
            report.failed.append({**n, "last_error": str(e)})
            continue
        outbox.sent(db, n, attempts, now, [r for r in left if r not in refused], refused,
                    now + retry_wait(attempts))
        if refused:
            report.failed.append({**n, "last_error": "收件人被拒绝: " + ", ".join(refused)})
            log.warning("notice refused for some recipients key=%s refused=%s", n["key"], ",".join(refused))
        report.delivered.append({**n, "sent_at": to_iso(now)})
