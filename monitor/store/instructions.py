"""`instructions`: leaders' 批示 on an issue (an instruction note to the duty officer), append only."""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..clock import to_iso
from .db import insert, rows


def add(db: sqlite_utils.Database, issue_id: int, at: datetime, by: str, text: str) -> int:
    return insert(db, "instructions", {"issue_id": issue_id, "at": to_iso(at), "by": by, "text": text})


def of_issue(db: sqlite_utils.Database, issue_id: int) -> list[dict]:
    return rows(db, "select * from instructions where issue_id = ? order by at, id", [issue_id])


def of_issues(db: sqlite_utils.Database, issue_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in rows(db, f"select * from instructions where issue_id in ({','.join('?' * len(issue_ids))}) "
                      "order by at, id", issue_ids) if issue_ids else []:
        out.setdefault(r["issue_id"], []).append(r)
    return out
