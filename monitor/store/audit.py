"""The audit trail: append-only history of what happened, who did it and when.

It records; nothing reads it to decide. Every row is written here (`record`); state that decides
behaviour lives in its own table or column (acks, release_detections, responses, deadlines.cancelled_by).
"""
from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlite_utils

from ..clock import to_iso
from .db import insert, rows


class Action(StrEnum):
    DECLARE = "declare"
    CLOCK_START = "clock_start"
    CLOCK_STOP = "clock_stop"
    CLOCK_SKIPPED = "clock_skipped"
    CLOCK_RECOMPUTED = "clock_recomputed"
    NOTIFY = "notify"
    RESPOND = "respond"
    ACK = "ack"
    CLOSE = "close"
    REOPEN = "reopen"
    INTAKE = "intake"
    EXTEND = "extend"
    RELEASE_DETECTED = "release_detected"
    LABEL = "label"
    MERGE = "merge"
    MERGED_INTO = "merged_into"
    SPLIT = "split"
    SPLIT_FROM = "split_from"
    POST_GONE = "post_gone"
    WARNING_DISMISSED = "warning_dismissed"
    CONFIG_CHANGE = "config_change"        # 方案管理: sources.yaml saved from the console (detail: what, diff)
    INSTRUCT = "instruct"                  # a leader's 批示 on an issue


SYSTEM = "system"      # `by` of what the monitor did by itself


def record(db: sqlite_utils.Database, at: datetime, by: str, issue_id: int | None, action: Action,
           **detail: Any) -> int:
    return insert(db, "actions", {"at": to_iso(at), "by": by, "issue_id": issue_id, "action": str(action),
                                  "detail": json.dumps(detail, ensure_ascii=False, default=str)})


def history(db: sqlite_utils.Database, issue_id: int) -> list[dict]:
    """One issue's trail, oldest first, with its details decoded (for people to read)."""
    return [{"id": a["id"], "at": a["at"], "by": a["by"], "action": a["action"],
             "detail": json.loads(a["detail"] or "{}")}
            for a in rows(db, "select * from actions where issue_id = ? order by id", [issue_id])]


def search(db: sqlite_utils.Database, issue_id: int | None = None, by: str | None = None,
           action: str | None = None, start_at: datetime | None = None, end_at: datetime | None = None,
           limit: int | None = 500) -> list[dict]:
    """The trail filtered by issue, person, action and time [start_at, end_at), newest first."""
    where, args = [], []
    for column, value in (("issue_id", issue_id), ("by", by), ("action", action)):
        if value is not None and value != "":
            where.append(f"{column} = ?")
            args.append(value)
    if start_at is not None:
        where.append("at >= ?")
        args.append(to_iso(start_at))
    if end_at is not None:
        where.append("at < ?")
        args.append(to_iso(end_at))
    sql = "select * from actions" + (" where " + " and ".join(where) if where else "") + " order by id desc"
    if limit is not None:
        sql += " limit ?"
        args.append(limit)
    return [{"id": a["id"], "at": a["at"], "by": a["by"], "issue_id": a["issue_id"], "action": a["action"],
             "detail": json.loads(a["detail"] or "{}")} for a in rows(db, sql, args)]


def people(db: sqlite_utils.Database) -> list[str]:
    """Everyone who appears in the trail (for the audit page's filter)."""
    return [r["by"] for r in rows(db, "select distinct by from actions order by by")]
