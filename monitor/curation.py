"""Officers correct the clustering: merge issues, split posts off into a new issue. Both audited."""
from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from . import store
from .clock import to_iso
from .config import Config
from .db import transaction
from .errors import InvalidInput
from .service import _require_by, get_issue
from .stages.cluster import merge as merge_sig, signature


def _signature_of(db, config: Config | None, issue_id: int) -> dict[str, int]:
    k = config.agency.keywords if config else None
    stop = (tuple(k.subject) + tuple(k.region) + (config.agency.name,)) if k else ()
    sig: dict[str, int] = {}
    for p in db.query("select title, body from posts where issue_id = ? and duplicate_of is null order by id",
                      [issue_id]):
        sig = merge_sig(sig, signature(p["title"], p["body"] or "", stop))
    return sig


def merge(db: sqlite_utils.Database, config: Config | None, target_id: int, source_ids: list[int], by: str,
          now: datetime) -> int:
    """Move every post of `source_ids` into `target_id`; the sources close (their open clocks are
    cancelled, the target's clocks are what counts). Returns how many posts moved."""
    by = _require_by(by)
    target = get_issue(db, target_id)
    if target["status"] != "open":
        raise InvalidInput(f"舆情 {target_id} 已关闭, 不能作为合并目标")
    sources = [get_issue(db, s) for s in dict.fromkeys(source_ids)]
    if any(s["id"] == target_id for s in sources) or not sources:
        raise InvalidInput("需要至少一个不同于目标的舆情编号")
    moved = 0
    with transaction(db):
        for s in sources:
            n = db.execute("update posts set issue_id = ? where issue_id = ?", [target_id, s["id"]]).rowcount
            db.execute("update issue_posts set issue_id = ? where issue_id = ?", [target_id, s["id"]])
            cancelled = [r["id"] for r in db.query(
                "select id from deadlines where issue_id = ? and status = 'open'", [s["id"]])]
            db.execute("update deadlines set status = 'cancelled' where issue_id = ? and status = 'open'", [s["id"]])
            db["issues"].update(s["id"], {"status": "closed", "closed_at": to_iso(now), "closed_by": by,
                                          "close_reason": f"合并入舆情 {target_id}", "post_count": 0})
            store.record_action(db, now, by, s["id"], "merged_into", target=target_id, posts=n,
                                cancelled_deadlines=cancelled)
            moved += n
        db["issues"].update(target_id, {"signature": json.dumps(_signature_of(db, config, target_id),
                                                                ensure_ascii=False)})
        store.refresh_issue(db, target_id)
        store.record_action(db, now, by, target_id, "merge", sources=[s["id"] for s in sources], posts=moved)
    return moved


def split(db: sqlite_utils.Database, config: Config | None, issue_id: int, post_ids: list[int], by: str,
          now: datetime) -> int:
    """Move `post_ids` (and their reposts) out of `issue_id` into a new issue. Returns its id."""
    by = _require_by(by)
    issue = get_issue(db, issue_id)
    members = {r["id"] for r in db.query("select id from posts where issue_id = ?", [issue_id])}
    wanted = set(post_ids)
    if not wanted or not wanted <= members:
        raise InvalidInput(f"信息 {sorted(wanted - members) or '(空)'} 不属于舆情 {issue_id}")
    wanted |= {r["id"] for r in db.query("select id from posts where issue_id = ? and duplicate_of in "
                                         f"({', '.join('?' * len(wanted))})", [issue_id, *wanted])}
    if wanted == members:
        raise InvalidInput("不能把全部信息拆出去; 拆分需要留下至少一条")
    first = next(iter(db.query(f"select title, seen_at from posts where id in ({', '.join('?' * len(wanted))}) "
                               "order by seen_at, id limit 1", list(wanted))))
    with transaction(db):
        new_id = db["issues"].insert({"title": first["title"], "signature": "{}", "status": "open",
                                      "kind": issue["kind"] or "opinion", "first_seen_at": first["seen_at"],
                                      "last_post_at": first["seen_at"]}).last_pk
        marks = ", ".join("?" * len(wanted))
        db.execute(f"update posts set issue_id = ? where id in ({marks})", [new_id, *wanted])
        db.execute(f"update issue_posts set issue_id = ? where post_id in ({marks})", [new_id, *wanted])
        for i in (issue_id, new_id):
            db["issues"].update(i, {"signature": json.dumps(_signature_of(db, config, i), ensure_ascii=False)})
            store.refresh_issue(db, i)
        store.record_action(db, now, by, issue_id, "split", new_issue=new_id, posts=sorted(wanted))
        store.record_action(db, now, by, new_id, "split_from", issue=issue_id, posts=sorted(wanted))
    return new_id
