"""Putting a notice in the outbox: its row (subject, text, HTML, thread, a stable Message-ID), once per key."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from ..clock import post_time_str, to_iso
from ..clocks.policy import Decision, Stage
from ..config.schema import Config
from ..store import outbox, posts
from ..store.records import Notification
from .render import Renderer, body_text, header_text

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    queued: list[dict] = field(default_factory=list)
    delivered: list[Notification] = field(default_factory=list)
    failed: list[Notification] = field(default_factory=list)
    skipped: list[Decision] = field(default_factory=list)   # due but not sendable (no recipients)
    postponed: list[Notification] = field(default_factory=list)     # not tried: the server was unavailable this tick


def _row(key: str, issue_id: int | None, deadline_id: int | None, stage: Stage, role: str, recipients,
         text: tuple[str, str, str], fire_at: datetime, now: datetime, late: bool = False,
         thread_id: str | None = None) -> dict:
    subject, body, html = text
    return {"key": key, "issue_id": issue_id, "deadline_id": deadline_id, "stage": str(stage), "role": str(role),
            "recipients": json.dumps(list(recipients)), "subject": header_text(subject), "body": body_text(body),
            "html": body_text(html), "thread_id": thread_id, "fire_at": to_iso(fire_at),
            "created_at": to_iso(now), "status": "pending", "late": int(late),
            "message_id": f"<{hashlib.sha1(key.encode()).hexdigest()[:20]}.monitor@localhost>"}


def reachable(config: Config, role: str, stage: str) -> bool:
    """Whether a notice of `stage` for `role` has anyone to go to (an address or a robot routed to it)."""
    return bool(config.recipients(role, stage))


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
             "time_local": post_time_str(p["published_at"], p.get("published_precision"), p["seen_at"], config.tz)}
            for p in posts.top_of_issue(db, issue_id)]


def _queue(db: sqlite_utils.Database, row: dict, report: TickReport) -> None:
    if row["recipients"] == "[]":
        log.warning("notice has no recipient key=%s role=%s", row["key"], row["role"])
        return
    if outbox.queue(db, row):
        report.queued.append(row)
        log.debug("notice queued key=%s role=%s late=%s", row["key"], row["role"], bool(row["late"]))


