"""Officers correct the clustering: merge issues, split posts off into a new issue. Both audited."""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..clocks.rules import IssueStatus
from ..errors import InvalidInput
from ..judge.stages.cluster import merge as merge_sig, signature
from ..store import audit, deadlines, issues, posts
from ..store import warnings as store_warnings
from ..store.audit import Action
from ..store.db import transaction
from .actions import get_issue, require_by


def _resign(db: sqlite_utils.Database, issue_id: int, names: tuple[str, ...]) -> None:
    """Recompute an issue's clustering signature, figures and keywords from its members."""
    sig: dict[str, int] = {}
    for p in posts.originals(db, issue_id):
        sig = merge_sig(sig, signature(p["title"], p["body"] or "", names))
    issues.set_signature(db, issue_id, sig)
    issues.refresh(db, issue_id, names)
    issues.members_changed(db, issue_id)


def merge(db: sqlite_utils.Database, names: tuple[str, ...], target_id: int, source_ids: list[int], by: str,
          now: datetime, reason: str = "") -> int:
    """Move every post of `source_ids` into `target_id`; the sources close (their open clocks are
    cancelled, the target's clocks are what counts). `names` are the agency's own names (left out
    of signatures and keywords). Returns how many posts moved."""
    by = require_by(by)
    if get_issue(db, target_id).status != IssueStatus.OPEN:
        raise InvalidInput(f"舆情 {target_id} 已关闭, 不能作为合并目标")
    sources = [get_issue(db, s) for s in dict.fromkeys(source_ids)]
    if any(s.id == target_id for s in sources) or not sources:
        raise InvalidInput("需要至少一个不同于目标的舆情编号")
    moved = 0
    with transaction(db):
        for s in sources:
            n = posts.move(db, target_id, from_issue=s.id)
            cancelled = deadlines.cancel_open(db, s.id, "merge")
            issues.close(db, s.id, now, by, f"合并入舆情 {target_id}", post_count=0, merged_into=target_id)
            issues.relink_letters(db, target_id, s.id)
            store_warnings.carry_over(db, target_id, s.id)
            audit.record(db, now, by, s.id, Action.MERGED_INTO, target=target_id, posts=n,
                         cancelled_deadlines=cancelled, **({"reason": reason} if reason else {}))
            moved += n
        _resign(db, target_id, names)
        audit.record(db, now, by, target_id, Action.MERGE, sources=[s.id for s in sources], posts=moved,
                     **({"reason": reason} if reason else {}))
    return moved


def merge_incident(db: sqlite_utils.Database, names: tuple[str, ...], a: int, b: int, reason: str,
                   now: datetime) -> int | None:
    """Two open issues the clustering found to be one incident: the younger joins the older, or the one
    an officer declared a level for; audited as the monitor's, with the reason (`split` undoes it, and a
    split pair is never merged again). None when both carry a declared level: that is an officer's call."""
    first, second = get_issue(db, a), get_issue(db, b)
    if first.level and second.level:
        return None
    target, source = sorted((first, second), key=lambda i: (not i.level, i.id))
    merge(db, names, target.id, [source.id], audit.SYSTEM, now, reason=f"自动合并: {reason}")
    return target.id


def split(db: sqlite_utils.Database, names: tuple[str, ...], issue_id: int, post_ids: list[int], by: str,
          now: datetime) -> int:
    """Move `post_ids` (and their reposts) out of `issue_id` into a new issue. Returns its id."""
    by = require_by(by)
    issue = get_issue(db, issue_id)
    members = posts.member_ids(db, issue_id)
    wanted = set(post_ids)
    if not wanted or not wanted <= members:
        raise InvalidInput(f"信息 {sorted(wanted - members) or '(空)'} 不属于舆情 {issue_id}")
    wanted = posts.with_reposts(db, issue_id, wanted)
    if wanted == members:
        raise InvalidInput("不能把全部信息拆出去; 拆分需要留下至少一条")
    first = posts.earliest(db, wanted)
    with transaction(db):
        new_id = issues.create(db, first["title"], issue.kind, first["seen_at"])
        posts.move(db, new_id, post_ids=sorted(wanted))
        for i in (issue_id, new_id):
            _resign(db, i, names)
        issues.keep_apart(db, issue_id, new_id, now, by)      # never merged again automatically
        audit.record(db, now, by, issue_id, Action.SPLIT, new_issue=new_id, posts=sorted(wanted))
        audit.record(db, now, by, new_id, Action.SPLIT_FROM, issue=issue_id, posts=sorted(wanted))
    return new_id
