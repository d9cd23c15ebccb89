"""The `issue_warnings` table: 预警 queued, once per issue, reason and repeat. What the tick needs to
decide: the open 舆情 issues' signals (an officer's 误报 is `issues.warning_dismissed_at`, written by issues)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlite_utils

from ..clock import from_iso, to_iso
from ..judge.warning import IssueSignal, Sent, Warning, WarnReason
from .db import flag, rows

NAMED = "(matched_rule not like '地域词+事件词%')"      # the post names the agency, or a named rule kept it
NEGATIVE = flag("coalesce(p.sentiment_override, p.sentiment_label) = 'negative'")


def signals(db: sqlite_utils.Database) -> list[IssueSignal]:
    """Every open 舆情 issue with a post in it, with the figures a warning is decided on."""
    found = rows(db, f"""
        select i.id, i.level, i.suggested_level, i.negative_share, i.burst_at, i.first_seen_at,
               i.warning_dismissed_at,
               coalesce(sum({NEGATIVE}), 0) as negative_posts,
               coalesce(sum({NEGATIVE} * coalesce(p.authority, 1.0)), 0) as negative_authority,
               coalesce(max({flag(NAMED)}), 0) as named
        from issues i join posts p on p.issue_id = i.id and p.own = 0
        where i.status = 'open' and i.kind = 'opinion'
        group by i.id""")
    return [IssueSignal(r["id"], r["level"], r["suggested_level"], r["negative_share"] or 0.0, r["negative_posts"],
                        r["negative_authority"], bool(r["named"]), r["burst_at"] is not None,
                        from_iso(r["first_seen_at"]), r["warning_dismissed_at"] is not None) for r in found]


def sent(db: sqlite_utils.Database) -> dict[int, Sent]:
    by_issue: dict[int, list[dict]] = defaultdict(list)
    for r in rows(db, "select w.issue_id, w.reason, w.n, w.level, w.at from issue_warnings w "
                      "join issues i on i.id = w.issue_id where i.status = 'open' order by w.at, w.rowid"):
        by_issue[r["issue_id"]].append(r)
    out = {}
    for issue_id, ws in by_issue.items():
        high = [from_iso(w["at"]) for w in ws if w["reason"] == WarnReason.HIGH]
        out[issue_id] = Sent(frozenset((w["reason"], w["n"]) for w in ws), ws[-1]["level"],
                             min(high) if high else None)
    return out


def record(db: sqlite_utils.Database, w: Warning, at: datetime) -> None:
    db.execute("insert into issue_warnings (issue_id, reason, n, level, at) values (?, ?, ?, ?, ?) "
               "on conflict do nothing",
               [w.issue_id, str(w.reason), w.n, w.level, to_iso(at)])


def carry_over(db: sqlite_utils.Database, to_issue: int, from_issue: int) -> None:
    """A merged issue's warnings count as the target's: the incident is not warned of twice."""
    db.execute("insert into issue_warnings (issue_id, reason, n, level, at) "
               "select ?, reason, n, level, at from issue_warnings where issue_id = ? order by rowid "
               "on conflict do nothing", [to_issue, from_issue])


def warned_of(db: sqlite_utils.Database, ids: list[int]) -> set[int]:
    """Which of these issues were warned of (预警) and not dismissed as 误报."""
    if not ids:
        return set()
    return {r["issue_id"] for r in rows(
        db, f"select distinct w.issue_id from issue_warnings w join issues i on i.id = w.issue_id "
            f"where i.warning_dismissed_at is null and w.issue_id in ({','.join('?' * len(ids))})", ids)}


def of_issue(db: sqlite_utils.Database, issue_id: int) -> list[dict]:
    return rows(db, "select reason, n, level, at from issue_warnings where issue_id = ? order by at, rowid", [issue_id])
