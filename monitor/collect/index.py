"""The clustering index of one collecting process, kept in step with the database across passes.

It holds the open, recently active issues' signatures (judge.stages.cluster.IssueIndex). Between
passes it loads the issues other processes opened (by id) and reloads those whose `rev` moved
(closed, reopened, merged or split by an officer, in this process or another); it drops issues
quiet for longer than the window.
"""
from __future__ import annotations

import json

import sqlite_utils

from ..clocks.rules import IssueKind
from ..judge.stages.cluster import IssueIndex
from ..store import issues

CHUNK = 500


class IndexSync:
    def __init__(self):
        self.index = IssueIndex()
        self.max_issue_id = 0
        self.rev = 0
        self.loaded = False

    def sync(self, db: sqlite_utils.Database, since_iso: str) -> IssueIndex:
        if not self.loaded:
            self.rev = issues.max_rev(db)
            self._put(issues.index_rows(db, since_iso))
            self.loaded = True
            return self.index
        found = issues.changed_since(db, self.rev)
        self.rev = max([self.rev, *(r["rev"] for r in found)])
        changed = [r["id"] for r in found]
        for issue_id in changed:
            self.index.remove(issue_id)
        fresh = [i for i in issues.opened_after(db, self.max_issue_id) if i not in self.index.sigs]
        reload = sorted(set(changed) | set(fresh))
        for start in range(0, len(reload), CHUNK):
            self._put(issues.open_index_rows(db, reload[start:start + CHUNK]))
        for issue_id in issues.gone_quiet(db, since_iso):
            self.index.remove(issue_id)
        return self.index

    def put(self, issue_id: int, signature: dict[str, int], kind: str) -> None:
        """An issue this process just wrote (a post joined it or opened it)."""
        self.index.put(issue_id, signature, kind)
        self.max_issue_id = max(self.max_issue_id, issue_id)

    def _put(self, found: list[dict]) -> None:
        for r in found:
            self.put(r["id"], json.loads(r["signature"] or "{}"), r["kind"] or IssueKind.OPINION)
