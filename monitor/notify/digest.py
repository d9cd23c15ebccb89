"""值班交接: a digest at the configured local times (default 08:30 and 17:30) to the configured roles:
new and rising issues, clocks due in the next 24 h, overdue items, detected releases awaiting
confirmation, blind spots, notices sent and failed since the last digest. Each slot once (its key),
and slots missed while down give one digest."""
from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import from_iso, local_str, to_iso
from ..clocks.digest import before_first_run, due_slot
from ..clocks.records import RunningClock
from ..clocks.policy import Stage
from ..config.schema import Config
from ..views import reports
from ..views import read as views
from ..judge.health import SourceState
from ..labels import CLOCK_KIND_NAMES, LEVEL_NAMES, duration, fetch_error, name, role_name
from ..store import answers, deadlines, issues, outbox
from .queue import _queue, _row, thread_of
from .render import Renderer, header_text

AHEAD = timedelta(hours=24)


def digest_values(db, config: Config, since: datetime, now: datetime) -> dict:
    tz = config.tz

    def clock(c: RunningClock) -> dict:
        due, issue_id = c.deadline.due_at, c.deadline.issue_id
        return {"label": name(CLOCK_KIND_NAMES, c.deadline.kind), "title": header_text(c.issue.title),
                "issue_id": issue_id, "due_local": local_str(due, tz), "url": config.issue_url(issue_id),
                "left": duration((due - now).total_seconds()) if due > now else None,
                "late": duration((now - due).total_seconds()) if due <= now else None}

    running = deadlines.running(db)
    new = [{"id": i["id"], "title": header_text(i["title"]), "heat": f"{i['heat'] or 0:.1f}",
            "negative": f"{round((i['negative_share'] or 0) * 100)}%", "url": config.issue_url(i["id"]),
            "level": f"{i['level']} 级 {LEVEL_NAMES[i['level']]}" if i["level"] else
            (f"建议 {i['suggested_level']} 级" if i["suggested_level"] else "未定级"),
            "new": (i["first_seen_at"] or "") >= to_iso(since)}
           for i in issues.new_or_rising(db, to_iso(since))]
    blind = [{"name": config.source_name(s["id"]), "state": s["state"], "error": fetch_error(s["last_error"])}
             for s in views.sources(db, config, now)
             if s["state"] in (SourceState.BROKEN, SourceState.FAILING, SourceState.QUIET)]
    notices = outbox.sent_since(db, to_iso(since))
    return {
        "since_local": local_str(since, tz), "now_local": local_str(now, tz),
        "issues": new,
        "due": [clock(c) for c in running if now < c.deadline.due_at <= now + AHEAD],
        "overdue": [clock(c) for c in running if c.deadline.due_at <= now],
        "detected": [{"issue_id": r["issue_id"], "title": header_text(r["title"]), "url": r["url"]}
                     for r in answers.awaiting(db)],
        "blind": blind,
        "sent": [n for n in notices if n["status"] == "sent"],
        "failed": [{"subject": n["subject"], "role": role_name(n["role"]), "error": n["last_error"]}
                   for n in notices if n["status"] != "sent"],
        "console_url": config.console_url,
    }


def daily_summary(db, config: Config, slot: datetime, last: datetime | None, now: datetime) -> dict | None:
    """Yesterday's 舆情日报 (its summary paragraph and the console link to the whole report with charts),
    in the day's first digest only."""
    if not config.digest.daily_report:
        return None
    day = slot.astimezone(config.tz).date()
    if last is not None and last.astimezone(config.tz).date() == day:
        return None
    w = reports.window("daily", day - timedelta(days=1), config.tz)
    f = reports.figures(db, config, w, now)
    url = f"{config.console_url.rstrip('/')}/reports/daily.html?date={w.days[0].isoformat()}" \
        if config.console_url else None
    return {"title": f["title"], "summary": f["summary"], "url": url}


def _queue_start(db, row: dict) -> None:
    """The starting point of a new installation's digests: recorded, never sent."""
    outbox.queue(db, {**row, "status": "cancelled", "subject": "值班交接起点", "last_error": "系统首次运行, 不补发此前的值班交接"})


def queue_digest(db, config: Config, now: datetime, renderer: Renderer, report) -> None:
    """Queue the digest of the latest slot due, once per slot, to every configured role with recipients."""
    last = from_iso(outbox.last_fire_of_stage(db, Stage.DIGEST))
    slot = due_slot(config.digest.at, last, now, config.tz)
    roles = [r for r in config.digest.roles if config.recipients(r, Stage.DIGEST)]
    if slot is None or not roles:
        return
    if before_first_run(slot, last, now):      # a new installation: this slot passed before it ran
        row = _row(f"digest:{to_iso(slot)}:start", None, None, Stage.DIGEST, roles[0], (), ("", "", ""), slot, now)
        _queue_start(db, row)
        return
    values = digest_values(db, config, last or slot - timedelta(hours=24), now)
    values["daily"] = daily_summary(db, config, slot, last, now)
    subject, body = renderer.render(Stage.DIGEST, agency=config.agency.name, slot_local=local_str(slot, config.tz),
                                    **values)
    html = renderer.html(header_text(subject), body, agency=config.agency.name)
    # one notice per role; the key names the slot, so a second tick or a second process queues nothing
    for role in roles:
        _queue(db, _row(f"digest:{to_iso(slot)}:{role}", None, None, Stage.DIGEST, role, config.recipients(role, Stage.DIGEST),
                        (subject, body, html), slot, now, thread_id=thread_of(config, None, "digest")), report)
