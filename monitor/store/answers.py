"""What answers a clock: the `responses` officers recorded, and the `release_detections`, own-channel
posts that joined an issue while an answer was due and await the duty officer's confirmation."""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..clock import to_iso
from ..clocks.rules import ANSWERED_BY_OWN_POST
from .db import insert, marks, one, rows


def record_response(db: sqlite_utils.Database, issue_id: int, kind: str, url: str, published_at: datetime,
                    recorded_at: datetime, by: str) -> int:
    return insert(db, "responses", {"issue_id": issue_id, "kind": str(kind), "url": url,
                                    "published_at": to_iso(published_at), "recorded_at": to_iso(recorded_at),
                                    "recorded_by": by})


def earliest_response(db: sqlite_utils.Database, issue_id: int, kind: str) -> dict | None:
    """A response recorded before its clock existed (e.g. released, then declared)."""
    return one(db, "select * from responses where issue_id = ? and kind = ? order by id limit 1", [issue_id, str(kind)])


def clock_to_answer(db: sqlite_utils.Database, issue_id: int) -> dict | None:
    """The soonest running clock of the issue that an own-channel post may answer."""
    kinds = [str(k) for k in ANSWERED_BY_OWN_POST]
    return one(db, f"select id, kind from deadlines where issue_id = ? and status = 'open' and kind in "
                   f"({marks(kinds)}) order by due_at limit 1", [issue_id, *kinds])


def detect(db: sqlite_utils.Database, issue_id: int, post_id: int, deadline_id: int | None, kind: str,
           at: datetime, rivals: tuple[int, ...] = ()) -> int:
    """`rivals`: other open issues the post may answer instead (the console asks which)."""
    return insert(db, "release_detections", {"issue_id": issue_id, "post_id": post_id, "deadline_id": deadline_id,
                                             "kind": str(kind), "detected_at": to_iso(at),
                                             "rivals": ",".join(map(str, rivals)) or None})


def awaiting(db: sqlite_utils.Database, issue_id: int | None = None) -> list[dict]:
    """Detections to confirm, with the post's URL and title, oldest first: those whose clock is still
    running, and those found before any clock (no level declared yet) and not yet confirmed, on open issues."""
    return rows(db, "select r.id, r.issue_id, r.post_id, r.deadline_id, r.kind, r.detected_at, r.rivals, p.url, p.title, "
                    "p.source_id, p.published_at, p.published_precision, p.seen_at "
                    # from the few detections out (cross join keeps that order: the planner, told that
                    # the table is nearly empty, would otherwise scan every issue to probe it)
                    "from release_detections r cross join issues i "
                    "join posts p on p.id = r.post_id left join deadlines d on d.id = r.deadline_id "
                    "where i.id = r.issue_id and (d.status = 'open' or (r.deadline_id is null and i.status = 'open' and not exists "
                    "(select 1 from responses a where a.issue_id = r.issue_id and a.url = p.url)))"
                    + (" and r.issue_id = ?" if issue_id is not None else "") + " order by r.id",
                [issue_id] if issue_id is not None else [])


def to_notify(db: sqlite_utils.Database) -> list[dict]:
    """Detections on open issues (the duty officer is asked once per detected post)."""
    return rows(db, "select r.*, p.source_id, p.title as post_title, p.url as post_url, p.published_at, "
                    "p.published_precision, p.seen_at "
                    "from release_detections r join issues i on i.id = r.issue_id join posts p on p.id = r.post_id "
                    "where i.status = 'open' order by r.id")


EFFECT_KINDS = ("release", "response", "press_conference")


def first_responses(db: sqlite_utils.Database, issue_ids: list[int] | None = None,
                    start_iso: str | None = None, end_iso: str | None = None) -> list[dict]:
    """Each issue's first release or response (回应效果 is measured from it): of the given issues, or of
    those whose first one falls in [start_iso, end_iso)."""
    sql = ("select issue_id, kind, published_at from (select issue_id, kind, published_at, row_number() over "
           "(partition by issue_id order by published_at, id) as n from responses where kind in "
           f"({marks(EFFECT_KINDS)})" + (f" and issue_id in ({marks(issue_ids)})" if issue_ids is not None else "")
           + ") as firsts where n = 1")
    found = rows(db, sql, [*EFFECT_KINDS, *(issue_ids or [])])
    if start_iso is not None:
        found = [r for r in found if start_iso <= r["published_at"] < end_iso]
    return found
