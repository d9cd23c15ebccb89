"""`monitor maintenance`: retention. Snapshots of issues closed longer ago than `evidence.keep` go, the
text of posts that never joined an issue goes after the same time, old login attempts go; issues,
clocks, notices, posts' records and the audit trail are kept for good."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from ..config.schema import Config
from ..store import dropped, evidence, posts, users
from ..store.db import tidy, transaction

LOGIN_ATTEMPTS_KEPT = timedelta(days=90)


@dataclass(frozen=True)
class MaintenanceReport:
    snapshots_dropped: int
    bodies_dropped: int
    login_attempts_dropped: int
    kept_since: datetime


def maintain(db: sqlite_utils.Database, config: Config, now: datetime, vacuum: bool = False) -> MaintenanceReport:
    cutoff = now - timedelta(days=config.evidence.keep_days)
    with transaction(db):
        snapshots = evidence.prune(db, cutoff)
        bodies = posts.drop_bodies(db, cutoff)
        attempts = users.forget_attempts(db, now - LOGIN_ATTEMPTS_KEPT)
        dropped.prune(db, now)                 # 方案管理's week of turned-away items
    tidy(db, vacuum)
    return MaintenanceReport(snapshots, bodies, attempts, cutoff)
