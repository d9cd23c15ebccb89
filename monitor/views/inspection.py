"""国办秘函〔2019〕19号's checks read from the store: each own channel's last update and the unanswered
messages, judged by clocks.inspection. The tick notifies from this; the duty desk shows it."""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..clock import local_str
from ..clocks.inspection import Check, Finding, Severity, findings
from ..config.schema import Config
from ..store import issues, posts
from ..store import sources as source_rows


def own_channels(db, config: Config) -> dict[str, datetime]:
    """Each own website or account's last update: its newest post, or, with none stored, when it was first
    read (not a message board: its items are netizens' messages, not the agency's updates)."""
    newest = posts.newest_own(db)
    stored = source_rows.by_id(db)
    out = {}
    for s in config.sources:
        if not s.own or s.board:
            continue
        rec = stored.get(s.id)
        at = newest.get(s.id) or (rec.first_success_at if rec else None)
        if at is not None:
            out[s.id] = at
    return out


def current(db, config: Config, now: datetime) -> list[Finding]:
    """What is at risk or failed now (the console's board shows the same)."""
    return findings(config.inspection, own_channels(db, config), issues.unanswered_messages(db), now, config.tz)


def board(db: sqlite_utils.Database, config: Config, now: datetime) -> list[dict]:
    """The findings as the duty desk lists them: failed first, then the nearest limit."""
    out = []
    for f in sorted(current(db, config, now), key=lambda f: (f.severity != Severity.FAILED, f.limit_at)):
        channel = f.check == Check.CHANNEL_STALE
        issue = None if channel else issues.get(db, int(f.subject))
        out.append({"check": str(f.check), "severity": str(f.severity), "failed": f.severity == Severity.FAILED,
                    "name": config.source_name(f.subject) if channel else (issue.title if issue else f.subject),
                    "issue_id": None if channel else int(f.subject), "since_local": local_str(f.since_at, config.tz),
                    "limit_local": local_str(f.limit_at, config.tz)})
    return out
