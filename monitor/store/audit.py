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
