"""The `issues`, `issue_posts` and `acks` tables: issues, their membership, their figures, who acked.

`refresh` recomputes an issue's figures from its members in SQL and scores them with the pure
rules of judge.heat; with the agency's names it also recomputes and stores the keywords.
`rev` is bumped whenever an issue is closed, reopened, merged or split, so that every process's
clustering index can see the change (collect.index).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlite_utils

from ..clock import from_iso, to_iso
from ..clocks.records import Issue
from ..clocks.rules import IssueKind, IssueStatus
from ..errors import NotFound
from ..judge.heat import BASELINE, RECENT, IssueStats, score_stats
from ..judge.keywords import TITLES, keywords
from .db import MAX_ID, flag, insert, marks, one, rows, update


def _issue(r: dict) -> Issue:
    return Issue(
        id=r["id"], title=r["title"], kind=IssueKind(r["kind"] or IssueKind.OPINION), status=IssueStatus(r["status"]),
        first_seen_at=from_iso(r["first_seen_at"]), level=r["level"], suggested_level=r["suggested_level"],
        suggested_reason=r["suggested_reason"], heat=r["heat"] or 0.0, negative_share=r["negative_share"] or 0.0,
        heat_components_json=r["heat_components"], burst_at=from_iso(r["burst_at"]),
        keywords_json=r["keywords"], post_count=r["post_count"] or 0,
        source_count=r["source_count"] or 0, repost_count=r["repost_count"] or 0,
        first_published_at=from_iso(r["first_published_at"]), first_published_precision=r["first_published_precision"],
        last_post_at=from_iso(r["last_post_at"]), declared_at=from_iso(r["declared_at"]), declared_by=r["declared_by"],
        acked_at=from_iso(r["acked_at"]), acked_by=r["acked_by"], closed_at=from_iso(r["closed_at"]),
        closed_by=r["closed_by"], close_reason=r["close_reason"], received_at=from_iso(r["received_at"]),
        from_name=r["from_name"], url=r["url"], rev=r["rev"] or 0, incident_id=r["incident_id"],
        warning_dismissed_at=from_iso(r["warning_dismissed_at"]), warning_dismissed_by=r["warning_dismissed_by"],
        merged_into=r["merged_into"])


def get(db: sqlite_utils.Database, issue_id: int) -> Issue | None:
    if not 0 < issue_id <= MAX_ID:
        return None
    r = one(db, f"select {COLUMNS} from issues where id = ?", [issue_id])
    return _issue(r) if r else None


def require(db: sqlite_utils.Database, issue_id: int) -> Issue:
    found = get(db, issue_id)
    if found is None:
        raise NotFound(f"没有编号为 {issue_id} 的舆情")
    return found


def merge_choices(db: sqlite_utils.Database, issue_id: int, kind: str, limit: int) -> list[dict]:
    """The open issues of a kind an officer may merge into this one: the hottest first."""
    return rows(db, "select id, title from issues where status = 'open' and coalesce(kind, 'opinion') = ? "
                    "and id != ? and merged_into is null order by heat desc, id desc limit ?", [kind, issue_id, limit])


def listed(db: sqlite_utils.Database, include_closed: bool = False) -> list[Issue]:
    return [_issue(r) for r in rows(db, f"select {COLUMNS} from issues"
                                        + ("" if include_closed else " where status = 'open'"))]


def for_clock_stats(db: sqlite_utils.Database, start_iso: str, end_iso: str) -> list[Issue]:
    """What clocks.stats reads of a period: the issues declared in it, and every merged one."""
    return [_issue(r) for r in rows(db, f"select {COLUMNS} from issues where (declared_at >= ? and declared_at < ?) "
                                        "or merged_into is not null", [start_iso, end_iso])]


def rank_rows(db: sqlite_utils.Database, include_closed: bool = False, kinds: tuple[str, ...] | None = None,
              not_kinds: tuple[str, ...] = ()) -> list[dict]:
    """The few columns ranking needs, for every issue listed (the rest is read for the shown ones)."""
    where, args = [], []
    if not include_closed:
        where.append("status = 'open'")
    if kinds:
        where.append(f"coalesce(kind, 'opinion') in ({marks(kinds)})")
        args += list(kinds)
    if not_kinds:
        where.append(f"coalesce(kind, 'opinion') not in ({marks(not_kinds)})")
        args += list(not_kinds)
    return rows(db, "select id, status, heat, negative_share, first_seen_at from issues"
                + (" where " + " and ".join(where) if where else ""), args)


SHOWN = ("id, kind, title, level, suggested_level, suggested_reason, status, heat, negative_share, heat_components, "
         "burst_at, keywords, post_count, source_count, repost_count, first_published_at, first_published_precision, "
         "first_seen_at, last_post_at, declared_at, acked_at, closed_at, close_reason, received_at")


# every column but the clustering signature (read only by clustering, and the bulk of a row)
COLUMNS = SHOWN + (", declared_by, acked_by, closed_by, from_name, url, rev, incident_id, warning_dismissed_at, "
                   "warning_dismissed_by, merged_into")


def get_many(db: sqlite_utils.Database, ids: list[int]) -> dict[int, Issue]:
    """Issues by id."""
    out: dict[int, Issue] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out |= {r["id"]: _issue(r) for r in rows(db, f"select {COLUMNS} from issues where id in ({marks(chunk)})",
                                                 chunk)}
    return out


def new_or_rising(db: sqlite_utils.Database, since_iso: str) -> list[dict]:
    """Open opinion issues first seen, or bursting, since then; hottest first."""
    return rows(db, f"select {SHOWN} from issues where status = 'open' and kind = 'opinion' "
                    "and (first_seen_at >= ? or burst_at >= ?) order by heat desc limit 50", [since_iso, since_iso])


def active_between(db: sqlite_utils.Database, start_iso: str, end_iso: str) -> list[dict]:
    """Opinion issues with a post in [start, end) or first seen in it, hottest first."""
    return rows(db, f"select {SHOWN} from issues where kind = 'opinion' and first_seen_at < ? and merged_into is null "
                    "and coalesce(last_post_at, first_seen_at) >= ? order by heat desc", [end_iso, start_iso])


def of_kind_between(db: sqlite_utils.Database, kind: str, start_iso: str, end_iso: str) -> list[dict]:
    """Items of one kind (e.g. disclosure requests) received or first seen in [start, end)."""
    return rows(db, "select id, title, status, coalesce(received_at, first_seen_at) received_at from issues "
                    "where kind = ? and coalesce(received_at, first_seen_at) >= ? and coalesce(received_at, first_seen_at) < ? "
                    "order by received_at, id", [kind, start_iso, end_iso])


def unanswered_messages(db: sqlite_utils.Database) -> dict[int, datetime]:
    """Open netizen messages whose reply was never recorded, by when each was received."""
    return {r["id"]: from_iso(r["at"]) for r in rows(
        db, "select i.id, coalesce(i.received_at, i.first_seen_at) at from issues i where i.kind = 'message' "
            "and i.status = 'open' and not exists (select 1 from deadlines d where d.issue_id = i.id "
            "and d.kind = 'reply' and d.status = 'met')")}


def hottest_open(db: sqlite_utils.Database) -> int | None:
    r = one(db, "select id from issues where status = 'open' order by heat desc limit 1")
    return r["id"] if r else None


def create(db: sqlite_utils.Database, title: str, kind: str, first_seen_at: str, signature: dict | None = None,
           **extra) -> int:
    """A new open issue (a crawled one, an intake item, or the new side of a split)."""
    return insert(db, "issues", {"title": title, "kind": str(kind or IssueKind.OPINION), "status": IssueStatus.OPEN,
                                 "signature": json.dumps(signature or {}, ensure_ascii=False),
                                 "first_seen_at": first_seen_at, "last_post_at": first_seen_at, **extra})


def add_member(db: sqlite_utils.Database, post_id: int, issue_id: int, added_at: datetime, similarity: float,
               reason: str = "") -> None:
    insert(db, "issue_posts", {"post_id": post_id, "issue_id": issue_id, "added_at": to_iso(added_at),
                               "similarity": similarity, "reason": reason or None})


def link_incident(db: sqlite_utils.Database, item_id: int, incident_id: int | None) -> None:
    """A letter's tracked item is about this incident's issue (None: about none)."""
    update(db, "issues", item_id, {"incident_id": incident_id})


def letters_of(db: sqlite_utils.Database, incident_id: int) -> list[dict]:
    """The tracked letters linked to an incident's issue, oldest first."""
    return rows(db, "select id, kind, title, status, received_at, first_seen_at from issues where incident_id = ? "
                    "order by id", [incident_id])


def relink_letters(db: sqlite_utils.Database, to_issue: int, from_issue: int) -> None:
    db.execute("update issues set incident_id = ? where incident_id = ?", [to_issue, from_issue])


def keep_apart(db: sqlite_utils.Database, a: int, b: int, at: datetime, by: str) -> None:
    """An officer split these: the clustering never merges them again."""
    db.execute("insert into issues_apart (a, b, at, by) values (?, ?, ?, ?) on conflict do nothing",
               [min(a, b), max(a, b), to_iso(at), by])


def dismiss_warning(db: sqlite_utils.Database, issue_id: int, at: datetime, by: str) -> None:
    """误报: no early warning of this issue goes out again."""
    update(db, "issues", issue_id, {"warning_dismissed_at": to_iso(at), "warning_dismissed_by": by})


def apart_pairs(db: sqlite_utils.Database) -> frozenset[tuple[int, int]]:
    return frozenset((r["a"], r["b"]) for r in rows(db, "select a, b from issues_apart"))


def move_members(db: sqlite_utils.Database, to_issue: int, from_issue: int | None = None,
                 post_ids: list[int] | None = None) -> None:
    if post_ids is not None:
        db.execute(f"update issue_posts set issue_id = ? where post_id in ({marks(post_ids)})", [to_issue, *post_ids])
    else:
        db.execute("update issue_posts set issue_id = ? where issue_id = ?", [to_issue, from_issue])


def signature_of(db: sqlite_utils.Database, issue_id: int) -> dict[str, int]:
    return json.loads(one(db, "select signature from issues where id = ?", [issue_id])["signature"] or "{}")


def set_signature(db: sqlite_utils.Database, issue_id: int, signature: dict) -> None:
    update(db, "issues", issue_id, {"signature": json.dumps(signature, ensure_ascii=False)})


def set_received(db: sqlite_utils.Database, issue_id: int, received_at: datetime) -> None:
    update(db, "issues", issue_id, {"received_at": to_iso(received_at)})


def set_level(db: sqlite_utils.Database, issue_id: int, level: str, at: datetime, by: str) -> None:
    update(db, "issues", issue_id, {"level": str(level), "declared_at": to_iso(at), "declared_by": by})


def ack(db: sqlite_utils.Database, issue_id: int, roles: tuple[str, ...], at: datetime, by: str) -> None:
    update(db, "issues", issue_id, {"acked_at": to_iso(at), "acked_by": by})
    for role in roles:
        db.execute("insert into acks (issue_id, role, acked_at, acked_by) values (?, ?, ?, ?) on conflict(issue_id, role) "
                   "do update set acked_at = excluded.acked_at, acked_by = excluded.acked_by",
                   [issue_id, str(role), to_iso(at), by])


def acked_roles(db: sqlite_utils.Database, issue_id: int) -> frozenset[str]:
    return frozenset(r["role"] for r in rows(db, "select role from acks where issue_id = ?", [issue_id]))


def acks_of_open(db: sqlite_utils.Database) -> dict[int, list[tuple[str, str]]]:
    """(role, acked_at) of every open issue's acks, in one query."""
    out: dict[int, list[tuple[str, str]]] = {}
    for r in rows(db, "select a.issue_id, a.role, a.acked_at from acks a join issues i on i.id = a.issue_id "
                      "where i.status = 'open'"):
        out.setdefault(r["issue_id"], []).append((r["role"], r["acked_at"]))
    return out


def _bump(db: sqlite_utils.Database, issue_id: int) -> None:
    db.execute("update issues set rev = (select coalesce(max(rev), 0) + 1 from issues) where id = ?", [issue_id])


def close(db: sqlite_utils.Database, issue_id: int, at: datetime, by: str, reason: str, **extra) -> None:
    update(db, "issues", issue_id, {"status": IssueStatus.CLOSED, "closed_at": to_iso(at), "closed_by": by,
                                    "close_reason": reason, **extra})
    _bump(db, issue_id)


def reopen(db: sqlite_utils.Database, issue_id: int) -> None:
    update(db, "issues", issue_id, {"status": IssueStatus.OPEN, "closed_at": None, "closed_by": None,
                                    "close_reason": None, "merged_into": None})
    _bump(db, issue_id)


def members_changed(db: sqlite_utils.Database, issue_id: int) -> None:
    """Posts were moved in or out by an officer (merge, split): other processes must reload it."""
    _bump(db, issue_id)


# the clustering index's view: open issues and what changed since a process last looked

def index_rows(db: sqlite_utils.Database, since_iso: str) -> list[dict]:
    return rows(db, "select id, kind, signature from issues where status = 'open' and last_post_at >= ?", [since_iso])


def open_index_rows(db: sqlite_utils.Database, ids: list[int]) -> list[dict]:
    return rows(db, f"select id, kind, signature from issues where status = 'open' and id in ({marks(ids)})", ids)


def max_rev(db: sqlite_utils.Database) -> int:
    return one(db, "select coalesce(max(rev), 0) as m from issues")["m"]


def changed_since(db: sqlite_utils.Database, rev: int) -> list[dict]:
    """`id, rev` of the issues an officer changed after `rev`."""
    return rows(db, "select id, rev from issues where rev > ?", [rev])


def opened_after(db: sqlite_utils.Database, issue_id: int) -> list[int]:
    return [r["id"] for r in rows(db, "select id from issues where id > ? and status = 'open'", [issue_id])]


def gone_quiet(db: sqlite_utils.Database, since_iso: str) -> list[int]:
    return [r["id"] for r in rows(db, "select id from issues where status = 'open' and last_post_at < ?",
                                  [since_iso])]


def without_keywords(db: sqlite_utils.Database) -> list[int]:
    return [r["id"] for r in rows(db, "select id from issues where status = 'open' and keywords is null "
                                      "and kind = 'opinion'")]


def refresh(db: sqlite_utils.Database, issue_id: int, agency_names: tuple[str, ...] | None = None) -> None:
    """Recompute one issue's figures from its members (only the touched issue: incremental). With
    `agency_names`, its keywords too (they change only when members do)."""
    span = one(db, "select count(*) as n, min(seen_at) as first_seen, max(seen_at) as last_seen, "
               "sum(case when duplicate_of is not null then 1 else 0 end) as reposts from posts where issue_id = ?", [issue_id])
    if not span["n"]:
        return
    now = from_iso(span["last_seen"])
    hour = timedelta(hours=1)
    bounds = [to_iso(t) for t in (now, now - RECENT, now - RECENT - BASELINE, now - hour, now - hour - BASELINE)]
    # a post counts as negative by the officer's correction, else by the model's label (negative share);
    # how negative it is weighs its heat: the correction (1 or 0), else the model's calibrated probability,
    # else (posts scored before 0010) its label
    negative = flag("coalesce(sentiment_override, sentiment_label) = 'negative'")
    overridden, labelled = flag("sentiment_override = 'negative'"), flag("sentiment_label = 'negative'")
    p_negative = (f"(case when sentiment_override is not null then {overridden} "
                  f"else coalesce(sentiment_negative, {labelled}) end)")
    # the agency's own posts are evidence of a response, not public opinion: they do not add heat
    a = one(db,
        f"select count(*) as posts, count(distinct source_id) as sources, coalesce(sum({negative}), 0) as negative, "
        f"coalesce(sum(coalesce(authority, 1.0)), 0) as authority, "
        f"coalesce(sum({p_negative} * coalesce(authority, 1.0)), 0) as negative_authority, "
        f"coalesce(sum(engagement), 0) as engagement, "
        f"coalesce(sum({flag('seen_at > :r and seen_at <= :now')}), 0) as recent, "
        f"coalesce(sum({flag('seen_at > :b and seen_at <= :r')}), 0) as before_recent, "
        f"coalesce(sum({flag('seen_at > :h and seen_at <= :now')}), 0) as last_hour, "
        f"coalesce(sum({flag('seen_at > :hb and seen_at <= :h')}), 0) as before_last_hour "
        f"from posts where issue_id = :issue and own = 0",
        {"issue": issue_id, "now": bounds[0], "r": bounds[1], "b": bounds[2], "h": bounds[3], "hb": bounds[4]})
    score = score_stats(IssueStats(**a))
    first_pub = one(db, "select published_at, published_precision from posts where issue_id = ? and published_at "
                        "is not null and published_precision != 'day' order by published_at limit 1", [issue_id])
    burst_at = one(db, "select burst_at from issues where id = ?", [issue_id])["burst_at"]
    changes = {
        "heat": score.heat, "negative_share": score.negative_share, "post_count": score.post_count,
        "source_count": score.source_count, "suggested_level": score.suggested_level,
        "repost_count": span["reposts"],
        "suggested_reason": score.suggested_reason,
        "first_published_at": first_pub["published_at"] if first_pub else None,
        "first_published_precision": first_pub["published_precision"] if first_pub else None,
        "first_seen_at": span["first_seen"],
        "last_post_at": span["last_seen"],
        "heat_components": json.dumps(score.components),
        "burst_at": burst_at or (to_iso(now) if score.burst else None),
    }
    if agency_names is not None:
        titles = [r["title"] for r in rows(db, "select title from posts where issue_id = ? and duplicate_of is null "
                                               f"and own = 0 order by id limit {TITLES}", [issue_id])]
        changes["keywords"] = json.dumps(keywords(titles, agency_names), ensure_ascii=False)
    update(db, "issues", issue_id, changes)
