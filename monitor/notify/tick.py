"""The tick: decide which notices are due (clocks.policy.decide_notices), queue them once, deliver the queue.

Exactly once: a notice's key is unique in the outbox, so deciding twice queues once;
a queued notice is claimed before sending and marked sent only after the server
accepted it. A claim left by a crashed process is taken again after CLAIM_STALE.

The queues, in order (`QUEUES`): the clocks' own notices, detected releases to confirm,
provisional working-day deadlines, source health. Then `deliver`.
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from ..clock import from_iso, local_str, post_time_str, to_iso
from ..clocks.inspection import SUPERVISOR
from ..clocks.policy import DeadlineState, Queued, Reason, Stage, decide_delivery, decide_notices
from ..clocks.rules import Role
from ..clocks.workdays import office_time
from ..config.live import problems as config_problems
from ..config.load import calendar_for
from ..config.schema import Config
from ..desk.intake import recompute_provisional
from ..errors import DeliveryError, ServerUnavailable
from ..judge.health import SourceRecord, SourceState, should_notify, state
from ..labels import CLOCK_KIND_NAMES, DELIVERY_REASON_NAMES, ROLE_NAMES, duration, fetch_error, name, role_name
from ..store import answers, deadlines, heartbeats, issues, outbox
from ..store import sources as source_rows
from ..store.db import transaction
from .digest import queue_digest
from .inspection import queue_inspection
from .queue import TickReport, _posts, _queue, _row, _text, reachable, thread_of
from .render import Renderer, brief_values, deadline_values, header_text, issue_values, when_values
from .warnings import queue_warnings

log = logging.getLogger(__name__)

CLAIM_STALE = timedelta(minutes=10)
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(minutes=30)


HOLDER = f"{socket.gethostname()}:{os.getpid()}"
TICK = "tick"


def holder_gone(claimed_by: str | None) -> bool:
    """Whether the process that claimed a notice has ended (only knowable on this host)."""
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def retry_wait(attempts: int) -> timedelta:
    """1 min doubling to 30 min, however many attempts there were."""
    return min(RETRY_BASE * 2 ** min(max(attempts - 1, 0), 10), RETRY_MAX)
DUTY = Role.DUTY




def tick(db: sqlite_utils.Database, config: Config, now: datetime, channel, renderer: Renderer) -> TickReport:
    report = queue_notices(db, config, now, renderer)
    deliver(db, now, channel, report)
    return report


def queue_notices(db: sqlite_utils.Database, config: Config, now: datetime, renderer: Renderer,
                  report: TickReport | None = None) -> TickReport:
    """The clock's part of a tick: decide and queue what is due (no network)."""
    report = report or TickReport()
    recompute_provisional(db, config, calendar_for(config), now)
    for queue in QUEUES:
        queue(db, config, now, renderer, report)
    # the tick heartbeat: when the clocks were last evaluated (by the daemon or a `monitor tick`)
    heartbeats.beat(db, TICK, os.getpid(), socket.gethostname(), now, now)
    return report


def queue_due(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Reminders, breaches and overdue repeats of every running clock, as policy decides."""
    cal = calendar_for(config)

    def office(at: datetime) -> datetime:
        return office_time(at, config.tz, cal, config.office_start)

    # who can be reached per role, by email or by a robot routed to a clock's notices
    reach = {role: config.recipients(role, Stage.BREACH) + config.recipients(role, Stage.REMIND)
                 + config.recipients(role, Stage.OVERDUE) for role in config.people}
    reach[SUPERVISOR] = config.supervisors          # an office's, by email only (its units' robots are theirs)
    beat = heartbeats.get(db, TICK)
    last_tick_at = from_iso(beat["beat_at"]) if beat else None
    keys = outbox.keys_of_running(db)                 # one query per tick, not one per clock
    acks = issues.acks_of_open(db)
    for c in deadlines.running(db):
        d = c.deadline
        rule = config.policies.get(d.kind)
        if rule is None:
            continue
        due_at = d.due_at
        # an ack answers the clocks open at that moment, not one that starts later
        acked = frozenset(role for role, at in acks.get(d.issue_id, ())
                          if d.created_at is None or from_iso(at) >= d.created_at)
        state_ = DeadlineState(d.id, d.issue_id, d.kind, due_at, True, True, acked, d.created_at)
        for decision in decide_notices(state_, rule, keys.get(d.id, frozenset()), reach, now, office,
                                       last_tick_at, due_only=True):
            if decision.reason == Reason.NO_RECIPIENTS and decision.notice.role != SUPERVISOR:
                report.skipped.append(decision)     # (an agency in no office has no supervisors: nothing missing)
            if not decision.send:
                continue
            n = decision.notice
            late = decision.reason == Reason.SEND_LATE
            text = _text(
                renderer, n.stage, agency=config.agency.name, issue=brief_values(c, config),
                deadline=deadline_values(d, rule, config.tz), posts=_posts(db, config, d.issue_id),
                role=n.role, role_name=role_name(n.role), remaining=duration((due_at - now).total_seconds()),
                overdue_by=duration((now - due_at).total_seconds()), repeat=n.repeat, late=late,
                **when_values(now, n.fire_at, config.tz))
            to = config.supervisors if n.role == SUPERVISOR else config.recipients(n.role, n.stage)
            _queue(db, _row(n.key, d.issue_id, d.id, n.stage, n.role, to, text,
                            n.fire_at, now, late, thread_of(config, d.issue_id)), report)


def queue_detected(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Ask the duty officer, once per detected post, to confirm an own-channel post as the answer."""
    if not reachable(config, DUTY, Stage.DETECTED):
        return
    for r in answers.to_notify(db):
        key = f"i{r['issue_id']}:detected:{r['post_id']}"
        if outbox.has(db, key):
            continue
        issue = issues.get(db, r["issue_id"])
        d = deadlines.get(db, r["deadline_id"]) if r["deadline_id"] is not None else None
        if d is None:                       # before any level: the answer a declare will count
            deadline = {"label": "本单位对该舆情的回应（尚未定级，确认后定级时计入）"}
        else:
            deadline = deadline_values(d, config.policies.get(d.kind), config.tz)
        text = _text(
            renderer, Stage.DETECTED, agency=config.agency.name, issue=issue_values(issue, config),
            deadline=deadline, role_name=ROLE_NAMES[DUTY], rivals=[int(x) for x in (r.get("rivals") or "").split(",") if x],
            source_id=r["source_id"], source_name=config.source_name(r["source_id"]), post_id=r["post_id"], post_title=header_text(r["post_title"]), post_url=r["post_url"],
            published_local=post_time_str(r["published_at"], r.get("published_precision"), r["seen_at"], config.tz))
        _queue(db, _row(key, r["issue_id"], r["deadline_id"], Stage.DETECTED, DUTY, config.recipients(DUTY, Stage.DETECTED),
                        text, from_iso(r["detected_at"]), now, thread_id=thread_of(config, r["issue_id"])), report)


def queue_provisional(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Tell the duty officer once that a deadline was counted over a year the calendar lacks."""
    if not reachable(config, DUTY, Stage.PROVISIONAL):
        return
    for c in deadlines.provisional(db, open_issues_only=True):
        d = c.deadline
        text = _text(
            renderer, Stage.PROVISIONAL, agency=config.agency.name, issue=brief_values(c, config),
            deadline=deadline_values(d, config.policies.get(d.kind), config.tz), role_name=ROLE_NAMES[DUTY])
        _queue(db, _row(f"d{d.id}:provisional", d.issue_id, d.id, Stage.PROVISIONAL, DUTY,
                        config.recipients(DUTY, Stage.PROVISIONAL), text, now, now,
                        thread_id=thread_of(config, d.issue_id)), report)


def queue_source_health(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Tell the duty officer once when sources become broken or quiet, and once when they recover: every
    change seen in one tick in one message (the digest carries the standing blind spots)."""
    if not reachable(config, DUTY, Stage.SOURCE):
        return
    changes = []
    stored = source_rows.by_id(db)
    for source in config.sources:
        rec = stored.get(source.id) or SourceRecord.unseen(source.id)
        current = state(rec, source.interval_s, now, source.expect_new_s)
        if current in (SourceState.FAILING, SourceState.UNKNOWN) or not should_notify(current, rec.notified_state):
            continue
        changes.append({"id": source.id, "name": source.display_name, "url": source.url, "state": str(current),
                        "n": rec.state_changes + 1, "last_error": fetch_error(rec.last_error),
                        "last_success_local": local_str(rec.last_success_at, config.tz),
                        "last_new_local": local_str(rec.last_new_at, config.tz)})
    if not changes:
        return
    text = _text(renderer, Stage.SOURCE, agency=config.agency.name, role_name=ROLE_NAMES[DUTY], changes=changes,
                 sources_url=f"{config.console_url}/sources" if config.console_url else None)
    key = "s:" + ",".join(f"{c['id']}:{c['n']}:{c['state']}" for c in changes)
    if len(key) > 200:
        key = f"s:{hashlib.sha1(key.encode()).hexdigest()}"
    with transaction(db):
        _queue(db, _row(key, None, None, Stage.SOURCE, DUTY, config.recipients(DUTY, Stage.SOURCE), text, now, now,
                        thread_id=thread_of(config, None, "sources")), report)
        for c in changes:
            source_rows.set_notified(db, c["id"], c["state"], c["n"])


def queue_config_problem(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """Tell the duty officer once per refused version of sources.yaml or the holidays file: the last good
    configuration runs."""
    if not reachable(config, DUTY, Stage.CONFIG):
        return
    for refusal in config_problems(config):
        key = f"config:{hashlib.sha1(refusal.key.encode()).hexdigest()[:16]}"
        text = _text(renderer, Stage.CONFIG, agency=config.agency.name, role_name=ROLE_NAMES[DUTY],
                     file=refusal.file, problem=refusal.problem, count=refusal.count,
                     calendar=refusal.file == Path(config.calendar_path or "").name,
                     console=f"{config.console_url}/plan" if config.console_url else None)
        _queue(db, _row(key, None, None, Stage.CONFIG, DUTY, config.recipients(DUTY, Stage.CONFIG), text, now, now,
                        thread_id=thread_of(config, None, "config")), report)


QUEUES = [queue_due, queue_config_problem, queue_warnings, queue_detected, queue_provisional, queue_source_health,
          queue_inspection, queue_digest]


def queue_outage(db, config: Config, down_from: datetime, now: datetime, renderer: Renderer) -> bool:
    """Tell the duty officer once that the daemon was down from `down_from` to `now`, with the clocks
    that fell due meanwhile. False when already told (the key is the outage's start)."""
    if not reachable(config, DUTY, Stage.OUTAGE):
        return False
    passed = [{"label": name(CLOCK_KIND_NAMES, c.deadline.kind), "title": header_text(c.issue.title),
               "issue_id": c.deadline.issue_id, "due_local": local_str(c.deadline.due_at, config.tz),
               "url": config.issue_url(c.deadline.issue_id)}
              for c in deadlines.running(db) if down_from < c.deadline.due_at <= now]
    text = _text(renderer, Stage.OUTAGE, agency=config.agency.name, role_name=ROLE_NAMES[DUTY], passed=passed,
                 down_for=duration((now - down_from).total_seconds()), from_local=local_str(down_from, config.tz),
                 to_local=local_str(now, config.tz))
    report = TickReport()
    _queue(db, _row(f"outage:{to_iso(down_from)}", None, None, Stage.OUTAGE, DUTY, config.recipients(DUTY, Stage.OUTAGE), text,
                    now, now, thread_id=thread_of(config, None, "outage")), report)
    return bool(report.queued)


def deliver(db, now: datetime, channel, report: TickReport) -> None:
    """Send what is due. A clock's notice waiting since an outage goes only if it is still the latest
    step for its role, and a reminder never after its deadline."""
    latest: dict[tuple, datetime] = {}
    unavailable: ServerUnavailable | None = None
    for w in outbox.undelivered(db):
        if w.deadline_id is not None:
            key = (w.deadline_id, w.role)
            latest[key] = max(latest.get(key, w.fire_at), w.fire_at)
    for item in outbox.deliverable(db, now):
        n = item.notice
        in_flight = n.status == "sending" and n.next_attempt_at > now - CLAIM_STALE \
            and not holder_gone(n.claimed_by)
        queued = Queued(n.stage, n.fire_at, n.deadline_id, item.due_at, item.clock_open, item.issue_open, in_flight)
        latest_at = latest[(n.deadline_id, n.role)] if n.deadline_id is not None else None
        reason = decide_delivery(queued, latest_at, now)
        if reason == Reason.IN_FLIGHT:
            continue                    # being sent right now by a live process
        if reason != Reason.SEND:
            outbox.cancel(db, n.id, name(DELIVERY_REASON_NAMES, reason))
            continue
        if unavailable is not None:
            report.postponed.append(n)  # the server is down: the rest wait for the next tick, attempts unchanged
            continue
        if not outbox.claim(db, n.id, n.status, now, HOLDER, n.claimed_by if n.status == "sending" else None):
            continue                    # another process has it
        attempts = n.attempts + 1
        left = [r for r in n.recipients if r not in n.delivered_to]
        try:
            refused = channel.send(left, n.subject, n.body, n.message_id, now, html=n.html,
                                   thread_id=n.thread_id) or {}
        except Exception as e:                       # one notice that cannot be sent never stops the others
            if isinstance(e, ServerUnavailable):
                unavailable = e
            if not isinstance(e, DeliveryError):
                log.exception("notice could not be sent key=%s", n.key)
                e = DeliveryError(f"{type(e).__name__}: {e}")
            outbox.failed(db, n.id, attempts, str(e), now + retry_wait(attempts))
            if n.last_error != str(e):
                log.warning("notice failed key=%s error=%s", n.key, e)
            report.failed.append(replace(n, last_error=str(e)))
            continue
        outbox.sent(db, n, attempts, now, [r for r in left if r not in refused], refused,
                    now + retry_wait(attempts))
        if refused:
            why = "; ".join(f"{a} ({reason})" for a, reason in refused.items())
            report.failed.append(replace(n, last_error=f"收件人被拒绝: {why}"))
            log.warning("notice refused for some recipients key=%s refused=%s", n.key, ",".join(refused))
        report.delivered.append(replace(n, sent_at=now))
