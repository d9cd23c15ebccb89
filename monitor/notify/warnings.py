"""预警 in the tick: what judge.warning decides for every open 舆情 issue, queued once per issue, reason and
repeat, one message per role and tick (several issues grouped), with the issue's figures, top posts and the
time the law counts."""
from __future__ import annotations

import hashlib
from datetime import datetime

from ..clock import local_str
from ..clocks.policy import Stage
from ..clocks.rules import ClockKind
from ..config.schema import Config
from ..judge.warning import Sent, WarnReason, decide_warnings
from ..labels import LEVEL_NAMES, ROLE_NAMES, WARN_REASON_NAMES, duration, name
from ..store import issues
from ..store import warnings as store_warnings
from ..store.db import transaction
from .queue import TickReport, _posts, _queue, _row, _text, reachable, thread_of
from .render import Renderer, issue_values


def queue_warnings(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    """预警: what judge.warning decides for every open 舆情 issue, one message per role and tick (several
    issues grouped), each (issue, reason, repeat) once: recorded with its notice in one transaction."""
    already = store_warnings.sent(db)
    decided = [w for s in store_warnings.signals(db)
               for w in decide_warnings(s, config.warning, already.get(s.issue_id, Sent()), now)]
    by_role: dict[str, list] = {}
    for w in decided:
        for role in w.roles:
            by_role.setdefault(role, []).append(w)
    for role, ws in by_role.items():
        if not reachable(config, role, Stage.WARNING):
            continue
        recipients = config.recipients(role, Stage.WARNING)
        items = [_warning_values(db, config, w, now) for w in ws]
        text = _text(renderer, Stage.WARNING, agency=config.agency.name, role_name=ROLE_NAMES.get(role, role),
                     warnings=items, escalation=all(w.reason == WarnReason.ESCALATE for w in ws),
                     escalate_after=duration(config.warning.escalate_after_s),
                     **({"issue": items[0]["issue"]} if len({w.issue_id for w in ws}) == 1 else {}))
        key = f"w:{role}:" + ",".join(f"{w.issue_id}.{w.reason}.{w.n}" for w in ws)
        if len(key) > 200:
            key = f"w:{role}:{hashlib.sha1(key.encode()).hexdigest()}"
        only = ws[0].issue_id if len({w.issue_id for w in ws}) == 1 else None
        with transaction(db):
            _queue(db, _row(key, only, None, Stage.WARNING, role, recipients, text, now, now,
                            thread_id=thread_of(config, only, "warning")), report)
            for w in ws:
                store_warnings.record(db, w, now)


def _warning_values(db, config: Config, w, now: datetime) -> dict:
    issue = issues.get(db, w.issue_id)
    first_seen = issue.first_seen_at
    elapsed = (now - first_seen).total_seconds()
    law = ""
    if w.reason in (WarnReason.HIGH, WarnReason.ESCALATE) and (rule := config.policies.get(ClockKind.RELEASE)):
        passed = f"已过去 {duration(elapsed)}" if elapsed < rule.within_s else f"已超过 {duration(elapsed - rule.within_s)}"
        law = f"按{rule.basis}，{rule.label}时限自首次发现起 {duration(rule.within_s)}，{passed}。"
    why = {
        WarnReason.NEGATIVE: f"新出现的负面舆情，{issue.post_count} 条信息中负面占 "
                             f"{round(issue.negative_share * 100)}%，点名本单位。",
        WarnReason.RISING: (f"建议定级升至 {w.level} 级（{LEVEL_NAMES.get(w.level, '')}）。" if w.n
                            else "声量短时间内明显增长（爆发）。"),
        WarnReason.HIGH: f"建议定级 {w.level} 级（{LEVEL_NAMES.get(w.level, '')}），尚未确认定级"
                         + (f"；第 {w.n + 1} 次提醒。" if w.n else "。"),
        WarnReason.ESCALATE: f"建议定级 {w.level} 级，首次预警后 {duration(config.warning.escalate_after_s)} "
                             "仍未确认定级，也未标为误报。",
    }[w.reason]
    return {"issue": issue_values(issue, config), "reason_name": name(WARN_REASON_NAMES, w.reason), "why": why,
            "law": law, "suggested_name": f"{w.level} 级（{LEVEL_NAMES.get(w.level, '')}）" if w.level else "",
            "first_seen_local": local_str(first_seen, config.tz), "posts": _posts(db, config, w.issue_id)}
