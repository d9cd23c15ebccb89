"""Read models for the web console's pages, built on views.py (the same figures the CLI shows)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import sqlite_utils

from ..clock import from_iso, to_iso
from ..clocks.rules import IssueKind, IssueStatus
from ..config.schema import Config
from ..errors import NotFound
from ..judge.health import SourceState
from ..judge.text import snapshot_text
from .. import labels
from ..store import audit, evidence, instructions, issues, posts
from ..store import warnings as store_warnings
from ..store import search as post_search
from . import dossier, inspection, reports
from . import read as views
from ..desk.actions import declare_preview

CHART_HOURS = 48
TOP_ISSUES = 100
MERGE_CHOICES = 50


def _hours(now: datetime) -> list[str]:
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=CHART_HOURS - 1)
    return [to_iso(start + timedelta(hours=i))[:13] for i in range(CHART_HOURS)]


def home(db: sqlite_utils.Database, config: Config, now: datetime) -> dict:
    """The duty desk: open opinion issues ranked (with posts per hour over the last 48 h), what is due,
    detected releases, blind spots, undelivered notices, provisional deadlines."""
    shown, total = views.ranked_issues(db, now, kinds=(IssueKind.OPINION,), limit=TOP_ISSUES)
    hours = _hours(now)
    counts = posts.counts_by_hour(db, [i["id"] for i in shown], hours[0])
    for i in shown:
        per_hour = counts.get(i["id"], {})
        i["chart"] = [per_hour.get(h, 0) for h in hours]
    alerts = views.alerts(db, now, config)
    sources = views.sources(db, config, now)
    blind = [s for s in sources if s["state"] in (SourceState.BROKEN, SourceState.FAILING, SourceState.QUIET,
                                                  SourceState.UNKNOWN)]
    undelivered = [n for n in alerts["undelivered"] if from_iso(n["fire_at"]) <= now]
    return {"issues": shown, "more": total - len(shown), "due": alerts["deadlines"],
            "release_detected": alerts["release_detected"], "blind": blind, "undelivered": undelivered,
            "provisional": alerts["provisional"], "source_count": len(sources),
            "inspection": inspection.board(db, config, now)}


def repeated_requests(db: sqlite_utils.Database, now: datetime) -> list[list[dict]]:
    """Disclosure requests for the same information over the last 12 months."""
    return reports.repeated_requests(db, now - timedelta(days=365), now + timedelta(seconds=1))


def intake_items(db: sqlite_utils.Database, now: datetime, include_closed: bool = False) -> list[dict]:
    """Netizen messages, disclosure requests and superior posts to repost, with their clocks."""
    return views.ranked_issues(db, now, include_closed, not_kinds=(IssueKind.OPINION,), limit=500)[0]


def issue_title(db: sqlite_utils.Database, issue_id: int) -> str:
    return issues.require(db, issue_id).title


def issue_page(db: sqlite_utils.Database, config: Config, issue_id: int, now: datetime) -> dict:
    issue = views.show_issue(db, issue_id, now)
    kept = evidence.of_issue(db, issue_id)
    reposts = Counter(q["duplicate_of"] for q in issue["posts"] if q["duplicate_of"] is not None)
    for p in issue["posts"]:
        p["source_name"] = config.source_name(p["source_id"])
        p["reposts"] = reposts[p["id"]]
        p["evidence"] = kept.get(p["id"], {"snapshots": []})
    issue["effect"] = dossier.effect_view(dossier.response_effect(db, issue_id, issue["posts"], now), config.tz)
    issue["preview"] = {}
    if issue["status"] == IssueStatus.OPEN and issue["kind"] == IssueKind.OPINION:
        issue["preview"] = {level: [{"kind": s.kind, "started_at": to_iso(s.started_at), "due_at": to_iso(s.due_at),
                                     "start_basis": s.start_basis, "passed": s.due_at <= now} for s in starts]
                            for level, starts in declare_preview(db, config, issue_id, now).items()}
    issue["window_passed"] = any(c["passed"] for starts in issue["preview"].values() for c in starts)
    row = issues.require(db, issue_id)
    issue["warnings"] = [{**w, "reason_name": labels.name(labels.WARN_REASON_NAMES, w["reason"])}
                         for w in store_warnings.of_issue(db, issue_id)]
    issue["warning_dismissed_at"], issue["warning_dismissed_by"] = to_iso(row.warning_dismissed_at), row.warning_dismissed_by
    issue["letters"] = issues.letters_of(db, issue_id)
    issue["instructions"] = instructions.of_issue(db, issue_id)
    issue["latest_posts"] = sorted((p for p in issue["posts"] if p["duplicate_of"] is None),
                                   key=lambda p: p["seen_at"], reverse=True)[:3]
    incident = issues.get(db, row.incident_id) if row.incident_id else None
    issue["incident"] = {"id": incident.id, "title": incident.title} if incident else None
    issue["others"] = issues.merge_choices(db, issue_id, issue["kind"], MERGE_CHOICES)
    return issue


def search(db: sqlite_utils.Database, config: Config, query: str, limit: int = 100) -> list[dict]:
    words = [w for w in (query or "").split() if w][:8]
    out = post_search.posts(db, words, limit) if words else []
    for p in out:
        p["source_name"] = config.source_name(p["source_id"])
    return out


def search_total(db: sqlite_utils.Database, query: str, exact: bool = False) -> int | None:
    """How many posts match: an upper estimate from the index (instant), or the exact count on request."""
    words = [w for w in (query or "").split() if w][:8]
    if not words:
        return 0
    return post_search.count(db, words) if exact else post_search.estimate(db, words)


def audit_trail(db: sqlite_utils.Database, issue_id: int | None, by: str | None, action: str | None,
                start_at: datetime | None, end_at: datetime | None, limit: int | None = 500) -> list[dict]:
    return audit.search(db, issue_id, by, action, start_at, end_at, limit)


def audit_people(db: sqlite_utils.Database) -> list[str]:
    return audit.people(db)


def snapshot(db: sqlite_utils.Database, snapshot_id: int) -> dict:
    """One snapshot to be viewed: its record, the text of what was fetched, and the bytes as fetched."""
    s = evidence.snapshot(db, snapshot_id)
    if s is None:
        raise NotFound(f"没有编号为 {snapshot_id} 的快照")
    s["text"] = snapshot_text(s["body"], s["content_type"], s["kind"])
    return s
