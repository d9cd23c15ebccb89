"""Read models: ranked issues, one issue in full, sources with their health, the duty officer's alerts,
timeliness figures. Field names here are the documented, stable `--json` contract (README: "JSON fields").
Nothing here needs the config file except `sources` (which lists the configured sources)."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from ..clock import to_iso
from ..clocks import stats as clock_stats
from ..clocks.policy import deadline_status
from ..clocks.records import Deadline, Issue
from ..clocks.rules import IssueStatus
from ..config.schema import Config
from ..judge.health import SourceRecord, SourceState, quiet_after, state
from ..judge.heat import rank_score
from ..labels import CLOCK_KIND_NAMES
from ..store import answers, audit, deadlines, issues, outbox, posts
from ..store import sources as source_rows
from ..store import warnings as store_warnings
from ..desk.actions import get_issue

DUE_SOON = timedelta(hours=2)
POST_FIELDS = ("id", "source_id", "title", "url", "published_at", "published_precision", "seen_at", "sentiment_label", "sentiment_score",
               "sentiment_negative", "sentiment_override", "matched_rule", "own", "duplicate_of", "near_duplicate", "published_clamped",
               "authority", "engagement")


def deadline(d: Deadline, now: datetime) -> dict:
    return {
        "id": d.id, "kind": d.kind, "label": CLOCK_KIND_NAMES.get(d.kind, d.kind),
        "started_at": to_iso(d.started_at), "start_basis": d.start_basis, "due_at": to_iso(d.due_at),
        "status": deadline_status(d.running, d.due_at, d.met_at, now),
        "remaining_s": int((d.due_at - now).total_seconds()) if d.running else None,
        "met_at": to_iso(d.met_at), "evidence_url": d.evidence_url, "basis": d.basis,
        "provisional": d.provisional, "extended_wd": d.extended_wd, "approver": d.approver,
    }


def _detection(d: dict) -> dict:
    return {"post_id": d["post_id"], "kind": d["kind"], "url": d["url"], "title": d["title"],
            "detected_at": d["detected_at"], "before_level": d["deadline_id"] is None,
            "rivals": [int(x) for x in (d.get("rivals") or "").split(",") if x]}


def _summary(row: Issue, clocks: list[Deadline], detected: list[dict], now: datetime) -> dict:
    return {
        "id": row.id, "kind": row.kind, "title": row.title, "level": row.level,
        "suggested_level": row.suggested_level, "suggested_reason": row.suggested_reason,
        "status": row.status, "heat": row.heat, "negative_share": row.negative_share,
        "rank_score": rank_score(row.heat, row.negative_share),
        "heat_components": dict(row.heat_components or {}), "burst_at": to_iso(row.burst_at),
        "keywords": list(row.keywords),
        "post_count": row.post_count, "source_count": row.source_count, "repost_count": row.repost_count,
        "first_published_at": to_iso(row.first_published_at), "first_seen_at": to_iso(row.first_seen_at),
        "last_post_at": to_iso(row.last_post_at), "declared_at": to_iso(row.declared_at),
        "acked_at": to_iso(row.acked_at), "closed_at": to_iso(row.closed_at), "received_at": to_iso(row.received_at),
        "release_detected": [_detection(d) for d in detected],
        "deadlines": [deadline(d, now) for d in clocks],
    }


def rank_key(issue: dict) -> tuple:
    """Open first, then hotter-and-more-negative first (judge.heat.rank_score), then oldest."""
    return issue["status"] != IssueStatus.OPEN, -issue["rank_score"], issue["first_seen_at"] or "", issue["id"]


def ranked_issues(db: sqlite_utils.Database, now: datetime, include_closed: bool = False,
                  kinds: tuple[str, ...] | None = None, not_kinds: tuple[str, ...] = (),
                  limit: int | None = None) -> tuple[list[dict], int]:
    """Issues in rank order (`rank_key`), the first `limit` of them in full; and how many there are.
    Ranking reads five columns of every listed issue; the rest is read only for those shown."""
    light = issues.rank_rows(db, include_closed, kinds, not_kinds)
    for r in light:
        r["rank_score"] = rank_score(r["heat"], r["negative_share"])
    light.sort(key=rank_key)
    ids = [r["id"] for r in (light if limit is None else light[:limit])]
    full = issues.get_many(db, ids)
    by_issue: dict[int, list[dict]] = {}
    for d in deadlines.of_issues(db, ids):
        by_issue.setdefault(d.issue_id, []).append(d)
    detected: dict[int, list[dict]] = {}
    for d in answers.awaiting(db):
        detected.setdefault(d["issue_id"], []).append(d)
    warned = store_warnings.warned_of(db, ids)
    return [_summary(full[i], by_issue.get(i, []), detected.get(i, []), now) | {"warned": i in warned}
            for i in ids], len(light)


def list_issues(db: sqlite_utils.Database, now: datetime, include_closed: bool = False) -> list[dict]:
    return ranked_issues(db, now, include_closed)[0]


def show_issue(db: sqlite_utils.Database, issue_id: int, now: datetime) -> dict:
    row = get_issue(db, issue_id)
    out = _summary(row, deadlines.of_issue(db, issue_id), answers.awaiting(db, issue_id), now)
    out["close_reason"] = row.close_reason
    out["posts"] = [{k: p[k] for k in POST_FIELDS} for p in posts.of_issue(db, issue_id)]
    out["notifications"] = [
        {"id": n.id, "key": n.key, "stage": n.stage, "role": n.role, "subject": n.subject,
         "fire_at": to_iso(n.fire_at), "status": n.status, "sent_at": to_iso(n.sent_at), "attempts": n.attempts,
         "last_error": n.last_error, "late": int(n.late), "recipients": list(n.recipients),
         "delivered_to": list(n.delivered_to)}
        for n in outbox.of_issue(db, issue_id)]
    out["actions"] = audit.history(db, issue_id)
    return out


def sources(db: sqlite_utils.Database, config: Config, now: datetime) -> list[dict]:
    """Every configured source with its health (see judge/health.py)."""
    out = []
    stored = source_rows.by_id(db)
    for s in config.sources:
        rec = stored.get(s.id)
        seen = rec is not None
        rec = rec or SourceRecord.unseen(s.id)
        gap, why = quiet_after(s.interval_s, s.expect_new_s, list(rec.new_times), now)
        out.append({"id": s.id, "kind": s.kind, "url": s.url, "own": s.own, "interval_s": s.interval_s,
                    "state": state(rec, s.interval_s, now, s.expect_new_s),
                    "quiet_after_s": int(gap.total_seconds()), "expectation": str(why),
                    "last_attempt_at": to_iso(rec.last_attempt_at), "last_success_at": to_iso(rec.last_success_at),
                    "last_new_at": to_iso(rec.last_new_at), "last_error": rec.last_error,
                    "last_error_at": to_iso(rec.last_error_at),
                    "consecutive_failures": rec.consecutive_failures if seen else None,
                    "items_last_pass": rec.items_last_pass, "bytes_last_pass": rec.bytes_last_pass})
    return out


def alerts(db: sqlite_utils.Database, now: datetime, config: Config | None = None) -> dict:
    """Clocks due within DUE_SOON or overdue, failing sources, undelivered notices, provisional
    deadlines, detected releases awaiting confirmation; with a config, the quiet sources too."""
    due = [deadline(c.deadline, now) | {"issue_id": c.deadline.issue_id, "issue_title": c.issue.title,
                                         "level": c.issue.level}
           for c in deadlines.running(db) if c.deadline.due_at - now <= DUE_SOON]
    failing = [{"id": s.id, "url": s.url, "status": str(s.status),
                "last_success_at": to_iso(s.last_success_at), "last_error": s.last_error,
                "last_error_at": to_iso(s.last_error_at), "consecutive_failures": s.consecutive_failures}
               for s in source_rows.failing(db)]
    undelivered = [{"id": n.id, "issue_id": n.issue_id, "key": n.key, "role": n.role, "subject": n.subject,
                    "fire_at": to_iso(n.fire_at), "attempts": n.attempts, "last_error": n.last_error}
                   for n in outbox.undelivered(db)]
    provisional = [deadline(c.deadline, now) | {"issue_id": c.deadline.issue_id, "issue_title": c.issue.title}
                   for c in deadlines.provisional(db)]
    awaiting = [_detection(d) | {"issue_id": d["issue_id"]} for d in answers.awaiting(db)]
    quiet = [s["id"] for s in sources(db, config, now) if s["state"] == SourceState.QUIET] if config else []
    return {"deadlines": due, "sources": failing, "undelivered": undelivered, "provisional": provisional,
            "release_detected": awaiting, "quiet_sources": quiet}


def timeliness(db: sqlite_utils.Database, start_at: datetime, end_at: datetime, now: datetime) -> dict:
    """The annual report's timeliness figures (clocks.stats) over [start_at, end_at)."""
    return clock_stats.compute(issues.for_clock_stats(db, to_iso(start_at), to_iso(end_at)),
                               deadlines.started_between(db, start_at, end_at), start_at, end_at, now)
