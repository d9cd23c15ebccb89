"""The `deadlines` table: the legal clocks. Every clock is started by `start` (with its audit row),
stopped by `meet`, cancelled by `cancel_open` (which remembers whether a close or a merge did it,
so a reopen restores exactly what its close cancelled)."""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..clock import from_iso, to_iso
from ..clocks.records import Deadline, IssueBrief, RunningClock
from ..clocks.rules import DeadlineStatus
from ..errors import NotFound
from . import audit
from .audit import Action
from .db import insert, marks, one, rows, update

OPEN = DeadlineStatus.OPEN


def start(db: sqlite_utils.Database, issue_id: int, kind: str, basis: str, start_basis: str, started_at: datetime,
          due_at: datetime, now: datetime, by: str, provisional: bool = False, met_at: str | None = None,
          evidence_url: str | None = None, **audit_detail) -> int:
    """Insert a clock (numbered after the issue's earlier clocks of its kind) and record its start."""
    seq = one(db, "select coalesce(max(seq) + 1, 0) as n from deadlines where issue_id = ? and kind = ?",
              [issue_id, str(kind)])["n"]
    deadline_id = insert(db, "deadlines", {
        "issue_id": issue_id, "kind": str(kind), "seq": seq, "basis": basis, "start_basis": start_basis,
        "started_at": to_iso(started_at), "due_at": to_iso(due_at), "created_at": to_iso(now),
        "status": DeadlineStatus.MET if met_at else OPEN, "met_at": met_at, "evidence_url": evidence_url,
        "provisional": int(provisional)})
    audit.record(db, now, by, issue_id, Action.CLOCK_START, kind=str(kind), deadline_id=deadline_id,
                 started_at=to_iso(started_at), due_at=to_iso(due_at), start_basis=start_basis, **audit_detail)
    return deadline_id


def _deadline(r: dict) -> Deadline:
    return Deadline(
        id=r["id"], issue_id=r["issue_id"], kind=r["kind"], seq=r["seq"], basis=r["basis"],
        start_basis=r["start_basis"], started_at=from_iso(r["started_at"]), due_at=from_iso(r["due_at"]),
        created_at=from_iso(r["created_at"]), status=DeadlineStatus(r["status"]), met_at=from_iso(r["met_at"]),
        evidence_url=r["evidence_url"], provisional=bool(r["provisional"]), extended_wd=r["extended_wd"] or 0,
        approver=r["approver"], cancelled_by=r["cancelled_by"])


def _running(r: dict) -> RunningClock:
    return RunningClock(_deadline(r), IssueBrief(
        title=r["title"], level=r["level"], kind=r["issue_kind"], heat=r["heat"] or 0.0,
        negative_share=r["negative_share"] or 0.0, post_count=r["post_count"] or 0, url=r["issue_url"]))


def get(db: sqlite_utils.Database, deadline_id: int) -> Deadline | None:
    r = one(db, "select * from deadlines where id = ?", [deadline_id])
    return _deadline(r) if r else None


def require(db: sqlite_utils.Database, deadline_id: int) -> Deadline:
    d = get(db, deadline_id)
    if d is None:
        raise NotFound(f"没有编号为 {deadline_id} 的时限")
    return d


def kinds_of(db: sqlite_utils.Database, issue_id: int) -> frozenset[str]:
    return frozenset(r["kind"] for r in rows(db, "select kind from deadlines where issue_id = ?", [issue_id]))


def of_issue(db: sqlite_utils.Database, issue_id: int) -> list[Deadline]:
    return [_deadline(r) for r in rows(db, "select * from deadlines where issue_id = ? order by due_at", [issue_id])]


def of_issues(db: sqlite_utils.Database, issue_ids: list[int]) -> list[Deadline]:
    out: list[Deadline] = []
    for i in range(0, len(issue_ids), 500):
        chunk = issue_ids[i:i + 500]
        out += [_deadline(r) for r in rows(
            db, f"select * from deadlines where issue_id in ({marks(chunk)}) order by due_at", chunk)]
    return out


def started_between(db: sqlite_utils.Database, start_at: datetime, end_at: datetime) -> list[Deadline]:
    return [_deadline(r) for r in rows(db, "select * from deadlines where started_at >= ? and started_at < ? "
                                           "order by due_at", [to_iso(start_at), to_iso(end_at)])]


def listed(db: sqlite_utils.Database) -> list[Deadline]:
    return [_deadline(r) for r in rows(db, "select * from deadlines order by due_at")]


def open_of(db: sqlite_utils.Database, issue_id: int, kind: str | None = None) -> list[Deadline]:
    if kind is None:
        found = rows(db, "select * from deadlines where issue_id = ? and status = 'open' order by due_at", [issue_id])
    else:
        found = rows(db, "select * from deadlines where issue_id = ? and kind = ? and status = 'open' order by seq",
                     [issue_id, str(kind)])
    return [_deadline(r) for r in found]


_WITH_ISSUE = ("select d.*, i.title, i.level, i.kind as issue_kind, i.heat, i.negative_share, i.post_count, "
               "i.url as issue_url from deadlines d join issues i on i.id = d.issue_id ")


def running(db: sqlite_utils.Database) -> list[RunningClock]:
    """Open clocks of open issues, soonest first, with what they carry of their issue."""
    return [_running(r) for r in rows(db, _WITH_ISSUE + "where d.status = 'open' and i.status = 'open' "
                                                        "order by d.due_at")]


def provisional(db: sqlite_utils.Database, open_issues_only: bool = False) -> list[RunningClock]:
    """Open clocks counted over a year the working-day calendar does not cover."""
    return [_running(r) for r in rows(db, _WITH_ISSUE + "where d.provisional = 1 and d.status = 'open'"
                                      + (" and i.status = 'open'" if open_issues_only else "") + " order by d.due_at")]


def meet(db: sqlite_utils.Database, deadline_id: int, met_at: datetime, evidence_url: str) -> bool:
    """Stop a running clock; False when it was no longer open (closed or answered meanwhile)."""
    return bool(db.execute("update deadlines set status = 'met', met_at = ?, evidence_url = ? "
                           "where id = ? and status = 'open'", [to_iso(met_at), evidence_url, deadline_id]).rowcount)


def cancel_open(db: sqlite_utils.Database, issue_id: int, by_what: str) -> list[int]:
    """Cancel the issue's running clocks, remembering what cancelled them (`close` or `merge`)."""
    ids = [r["id"] for r in rows(db, "select id from deadlines where issue_id = ? and status = 'open'", [issue_id])]
    db.execute("update deadlines set status = 'cancelled', cancelled_by = ? where issue_id = ? and status = 'open'",
               [by_what, issue_id])
    return ids


def restore_closed(db: sqlite_utils.Database, issue_id: int) -> list[int]:
    """Run again the clocks a close cancelled."""
    ids = [r["id"] for r in rows(db, "select id from deadlines where issue_id = ? and status = 'cancelled' "
                                     "and cancelled_by = 'close'", [issue_id])]
    db.execute("update deadlines set status = 'open', cancelled_by = null where issue_id = ? and status = 'cancelled' "
               "and cancelled_by = 'close'", [issue_id])
    return ids


def extend(db: sqlite_utils.Database, deadline_id: int, due_at: datetime, days: int, approver: str,
           provisional: bool) -> None:
    update(db, "deadlines", deadline_id, {"due_at": to_iso(due_at), "extended_wd": days, "approver": approver,
                                          "provisional": int(provisional)})


def set_due(db: sqlite_utils.Database, deadline_id: int, due_at: datetime, provisional: bool) -> None:
    update(db, "deadlines", deadline_id, {"due_at": to_iso(due_at), "provisional": int(provisional)})
