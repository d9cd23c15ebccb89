"""Read models for the CLI: ranked issues, one issue in full, the duty officer's alerts.

Field names here are the documented, stable `--json` contract (README: "JSON fields").
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlite_utils

from .clock import from_iso
from .policy import deadline_status
from .policy_defaults import KIND_LABELS
from .service import get_issue

DUE_SOON = timedelta(hours=2)


def rank_score(heat: float, negative_share: float) -> float:
    """Order of `monitor issues`: heat weighted up by negativity."""
    return round((heat or 0.0) * (1 + (negative_share or 0.0)), 2)


def _deadline(d: dict, now: datetime) -> dict:
    due = from_iso(d["due_at"])
    met = from_iso(d["met_at"])
    status = deadline_status(d["status"] == "open", due, met, now)
    return {
        "id": d["id"], "kind": d["kind"], "label": KIND_LABELS.get(d["kind"], d["kind"]),
        "started_at": d["started_at"], "start_basis": d["start_basis"], "due_at": d["due_at"],
        "status": status, "remaining_s": int((due - now).total_seconds()) if d["status"] == "open" else None,
        "met_at": d["met_at"], "evidence_url": d["evidence_url"], "basis": d["basis"],
        "provisional": bool(d.get("provisional")), "extended_wd": d.get("extended_wd") or 0,
        "approver": d.get("approver"),
    }


def _issue_summary(row: dict, deadlines: list[dict], now: datetime) -> dict:
    return {
        "id": row["id"], "kind": row.get("kind") or "opinion", "title": row["title"], "level": row["level"],
        "suggested_level": row["suggested_level"], "suggested_reason": row["suggested_reason"],
        "status": row["status"], "heat": row["heat"], "negative_share": row["negative_share"],
        "rank_score": rank_score(row["heat"], row["negative_share"]),
        "heat_components": json.loads(row.get("heat_components") or "{}"), "burst_at": row.get("burst_at"),
        "post_count": row["post_count"], "source_count": row["source_count"], "repost_count": row["repost_count"],
        "first_published_at": row["first_published_at"], "first_seen_at": row["first_seen_at"],
        "last_post_at": row["last_post_at"], "declared_at": row["declared_at"],
        "acked_at": row["acked_at"], "closed_at": row["closed_at"], "received_at": row.get("received_at"),
        "deadlines": [_deadline(d, now) for d in deadlines],
    }


def detections(db, issue_id: int | None = None) -> dict[int, list[dict]]:
    """Own-channel posts detected as a possible answer whose clock is still open (awaiting confirmation)."""
    out: dict[int, list[dict]] = {}
    rows = db.query("select a.issue_id, a.at, a.detail, d.status from actions a join deadlines d "
                    "on d.id = json_extract(a.detail, '$.deadline_id') where a.action = 'release_detected'"
                    + (" and a.issue_id = ?" if issue_id is not None else ""),
                    [issue_id] if issue_id is not None else [])
    for r in rows:
        if r["status"] != "open":
            continue
        detail = json.loads(r["detail"])
        post = next(iter(db.query("select url, title from posts where id = ?", [detail["post_id"]])))
        out.setdefault(r["issue_id"], []).append({"post_id": detail["post_id"], "kind": detail["kind"],
                                                  "url": post["url"], "title": post["title"],
                                                  "detected_at": r["at"]})
    return out


def keywords(titles: list[str], exclude: tuple[str, ...] = (), k: int = 5) -> list[str]:
    """An issue's keywords: TF-IDF over its titles (jieba's own IDF table), minus the agency's names."""
    import jieba
    import jieba.analyse
    jieba.setLogLevel(60)
    text = " ".join(titles)
    for word in sorted(exclude, key=len, reverse=True):
        text = text.replace(word, " ")
    return jieba.analyse.extract_tags(text, topK=k)


def _keywords_of(db, issue_id: int, exclude: tuple[str, ...]) -> list[str]:
    titles = [r["title"] for r in db.query("select title from posts where issue_id = ? and duplicate_of is null "
                                           "and own = 0 order by id limit 30", [issue_id])]
    return keywords(titles, exclude) if titles else []


def _deadlines_by_issue(db) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for d in db.query("select * from deadlines order by due_at"):
        out.setdefault(d["issue_id"], []).append(d)
    return out


def list_issues(db: sqlite_utils.Database, now: datetime, include_closed: bool = False,
                exclude: tuple[str, ...] = ()) -> list[dict]:
    where = "" if include_closed else "where status = 'open'"
    by_issue = _deadlines_by_issue(db)
    found = detections(db)
    issues = [_issue_summary(r, by_issue.get(r["id"], []), now) | {"release_detected": found.get(r["id"], []),
                                                                   "keywords": _keywords_of(db, r["id"], exclude)}
              for r in db.query(f"select * from issues {where}")]
    issues.sort(key=lambda i: (i["status"] != "open", -i["rank_score"], i["first_seen_at"] or "", i["id"]))
    return issues


def show_issue(db: sqlite_utils.Database, issue_id: int, now: datetime, exclude: tuple[str, ...] = ()) -> dict:
    row = get_issue(db, issue_id)
    out = _issue_summary(row, list(db.query("select * from deadlines where issue_id = ? order by due_at",
                                            [issue_id])), now)
    out["close_reason"] = row["close_reason"]
    out["keywords"] = _keywords_of(db, issue_id, exclude)
    out["release_detected"] = detections(db, issue_id).get(issue_id, [])
    out["posts"] = [
        {k: p[k] for k in ("id", "source_id", "title", "url", "published_at", "seen_at", "sentiment_label",
                           "sentiment_score", "sentiment_override", "matched_rule", "own", "duplicate_of",
                           "near_duplicate", "published_clamped")}
        for p in db.query("select * from posts where issue_id = ? order by seen_at, id", [issue_id])]
    out["notifications"] = [
        {k: n[k] for k in ("id", "key", "stage", "role", "subject", "fire_at", "status", "sent_at",
                           "attempts", "last_error", "late")} | {"recipients": json.loads(n["recipients"])}
        for n in db.query("select * from notifications where issue_id = ? order by fire_at, id", [issue_id])]
    out["actions"] = [
        {"id": a["id"], "at": a["at"], "by": a["by"], "action": a["action"], "detail": json.loads(a["detail"] or "{}")}
        for a in db.query("select * from actions where issue_id = ? order by id", [issue_id])]
    return out


def sources(db: sqlite_utils.Database, config, now: datetime) -> list[dict]:
    """Every configured source with its health (see monitor/health.py)."""
    from .health import state
    from .store import source_row
    out = []
    for s in config.sources:
        row = source_row(db, s.id) or {}
        out.append({"id": s.id, "kind": s.kind, "url": s.url, "own": s.own, "interval_s": s.interval_s,
                    "state": state(row, s.interval_s, now)} |
                   {k: row.get(k) for k in ("last_attempt_at", "last_success_at", "last_new_at", "last_error",
                                            "last_error_at", "consecutive_failures", "items_last_pass",
                                            "bytes_last_pass")})
    return out


def alerts(db: sqlite_utils.Database, now: datetime) -> dict:
    due = []
    for d in db.query("select d.*, i.title, i.level from deadlines d join issues i on i.id = d.issue_id "
                      "where d.status = 'open' and i.status = 'open' order by d.due_at"):
        if from_iso(d["due_at"]) - now <= DUE_SOON:
            due.append(_deadline(d, now) | {"issue_id": d["issue_id"], "issue_title": d["title"],
                                            "level": d["level"]})
    sources = [
        {k: s[k] for k in ("id", "url", "status", "last_success_at", "last_error", "last_error_at",
                           "consecutive_failures")}
        for s in db.query("select * from sources where status in ('broken', 'failing') order by id")]
    undelivered = [
        {k: n[k] for k in ("id", "issue_id", "key", "role", "subject", "fire_at", "attempts", "last_error")}
        for n in db.query("select * from notifications where status in ('pending', 'sending') order by fire_at")]
    provisional = [
        _deadline(d, now) | {"issue_id": d["issue_id"], "issue_title": d["title"]}
        for d in db.query("select d.*, i.title from deadlines d join issues i on i.id = d.issue_id "
                          "where d.provisional = 1 and d.status = 'open' order by d.due_at")]
    awaiting = [d | {"issue_id": iid} for iid, ds in detections(db).items() for d in ds]
    return {"deadlines": due, "sources": sources, "undelivered": undelivered, "provisional": provisional,
            "release_detected": awaiting}
