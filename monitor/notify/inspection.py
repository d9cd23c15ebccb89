"""The 国办秘函〔2019〕19号 checks in the tick: what clocks.inspection finds at risk or failed, queued once per
finding and role (at risk: the duty officer; failed: the leaders too)."""
from __future__ import annotations

from datetime import datetime

from ..clock import local_str
from ..clocks.inspection import BASIS, SUPERVISOR, Check, Finding, Severity
from ..clocks.policy import Stage
from ..config.schema import Config
from ..labels import duration, role_name
from ..store import issues, outbox
from ..views.inspection import current
from .queue import TickReport, _queue, _row, _text, thread_of
from .render import Renderer, header_text

AT_RISK_TO = ("duty",)
FAILED_TO = ("duty", "deputy_leader", "head", SUPERVISOR)     # the office's, when the unit belongs to one


def queue_inspection(db, config: Config, now: datetime, renderer: Renderer, report: TickReport) -> None:
    for f in current(db, config, now):
        failed = f.severity == Severity.FAILED
        issue_id = int(f.subject) if f.check == Check.MESSAGE_UNANSWERED else None
        for role in FAILED_TO if failed else AT_RISK_TO:
            key = f"{f.key}:{role}"
            # the office by email only: the unit's group robots have the unit's own notice already
            to = config.supervisors if role == SUPERVISOR else config.recipients(role, Stage.INSPECTION)
            if not to or outbox.has(db, key):
                continue
            values = values_of(db, config, f, now)
            text = _text(renderer, Stage.INSPECTION, agency=config.agency.name, role_name=role_name(role),
                         failed=failed, office=role == SUPERVISOR, **values)
            _queue(db, _row(key, issue_id, None, Stage.INSPECTION, role, to, text, now, now,
                            thread_id=thread_of(config, issue_id, f"inspection-{f.subject}")), report)


def values_of(db, config: Config, f: Finding, now: datetime) -> dict:
    common = {"basis": BASIS, "since_local": local_str(f.since_at, config.tz),
              "limit_local": local_str(f.limit_at, config.tz), "months": config.inspection.message_months,
              "limit": duration(config.inspection.channel_quiet_s), "quiet_for": duration((now - f.since_at).total_seconds())}
    if f.check == Check.CHANNEL_STALE:
        source = config.source(f.subject)
        return common | {"channel": True, "name": config.source_name(f.subject), "url": source.url if source else "",
                         "link": f"{config.console_url}/sources" if config.console_url else None}
    issue = issues.get(db, int(f.subject))
    return common | {"channel": False, "title": header_text(issue.title if issue else ""), "issue_id": int(f.subject),
                     "link": config.issue_url(int(f.subject))}
