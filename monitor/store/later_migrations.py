"""Named schema migrations from 0023 on (store/migrations.py holds the earlier ones and the list).
Append only; never edit a shipped one."""
from __future__ import annotations

import sqlite_utils


def _indexed(row: str) -> str:
    """Whether a post's text is in the full-text index (`row` is new or old): not an exact copy."""
    return f"({row}.duplicate_of is null or {row}.near_duplicate)"


def m0023_incidents(db: sqlite_utils.Database) -> None:
    """One issue per incident. `issues.incident_id`: a letter's tracked item (its own reply clock) points at
    the incident's issue it is about. `issue_posts.reason`: why a post joined (同一话题 #…#, 内容相似 0.31, or
    an automatic merge). `issues_apart`: pairs an officer split, never merged again automatically. `issue_warnings` and
    `issues.warning_dismissed_*`: the early warnings (预警) queued and an officer's 误报. `issues.merged_into`:
    the issue a merged one became part of (filled in from the close reason of earlier merges)."""
    db["issues"].add_column("incident_id", int)
    db["issue_posts"].add_column("reason", str)
    db["release_detections"].add_column("rivals", str)     # other issues an own release may answer instead
    db["issues_apart"].create({"a": int, "b": int, "at": str, "by": str}, pk=("a", "b"))
    db.execute("create index issues_incident on issues(incident_id) where incident_id is not null")
    # 预警: the warnings queued per issue, reason and repeat (exactly once), and an officer's 误报
    db["issue_warnings"].create({"issue_id": int, "reason": str, "n": int, "level": str, "at": str},
                                pk=("issue_id", "reason", "n"), foreign_keys=[("issue_id", "issues", "id")])
    db["issues"].add_column("warning_dismissed_at", str)
    db["issues"].add_column("warning_dismissed_by", str)
    # an issue merged into another is part of it: reports and the annual tables count it there only
    db["issues"].add_column("merged_into", int)
    db.execute("update issues set merged_into = cast(substr(close_reason, 7) as integer) "
               "where status = 'closed' and close_reason like '合并入舆情 %'")


def m0024_one_open_clock_per_kind(db: sqlite_utils.Database) -> None:
    """The schema refuses a second open clock of a kind on an issue; copies left by the race are cancelled."""
    db.execute("update deadlines set status = 'cancelled', cancelled_by = 'duplicate' where status = 'open' "
               "and id not in (select min(id) from deadlines where status = 'open' group by issue_id, kind)")
    db.execute("create unique index deadlines_one_open on deadlines(issue_id, kind) where status = 'open'")


def m0025_session_generation(db: sqlite_utils.Database) -> None:
    """`users.session_gen`: a session carries its generation; logout or a new password ends them all."""
    db["users"].add_column("session_gen", int, not_null_default=0)


def m0026_source_rhythm(db: sqlite_utils.Database) -> None:
    """`sources.new_times`: when each source listed something new over the last 30 days (its learnt rhythm)."""
    db["sources"].add_column("new_times", str)



def m0027_plan(db: sqlite_utils.Database) -> None:
    """方案管理 and 批示: the items relevance dropped this week (to preview a keyword change), leaders' notes."""
    db["dropped_items"].create({"url": str, "source_id": str, "title": str, "text": str, "seen_at": str, "why": str},
                               pk="url")
    db["dropped_items"].create_index(["seen_at"])
    db["instructions"].create({"id": int, "issue_id": int, "at": str, "by": str, "text": str}, pk="id",
                              foreign_keys=[("issue_id", "issues", "id")])
    db["instructions"].create_index(["issue_id", "at"])


def m0028_pair_search(db: sqlite_utils.Database) -> None:
    """Search by character pairs (store/pairs.py) instead of trigrams: 2-character words are indexed too, and
    the newest hits are read first (FTS5 in rowid order), so a word every post contains costs no more than a
    rare one. Contentless: the table holds the tokens' index only, kept by triggers calling monitor_pairs."""
    for name in ("posts_fts_ai", "posts_fts_ad", "posts_fts_au"):
        db.execute(f"drop trigger if exists {name}")
    db.execute("drop table if exists posts_fts")
    db.execute("create virtual table posts_pairs using fts5(tokens, content='', tokenize='unicode61')")
    new, old = _indexed("new"), _indexed("old")
    db.execute(f"insert into posts_pairs(rowid, tokens) select id, monitor_pairs(title, body) from posts p "
               f"where {_indexed('p')}")
    db.execute(f"create trigger posts_pairs_ai after insert on posts when {new} begin "
               "insert into posts_pairs(rowid, tokens) values (new.id, monitor_pairs(new.title, new.body)); end")
    db.execute(f"create trigger posts_pairs_ad after delete on posts when {old} begin "
               "insert into posts_pairs(posts_pairs, rowid, tokens) "
               "values ('delete', old.id, monitor_pairs(old.title, old.body)); end")
    db.execute("create trigger posts_pairs_au after update of title, body, duplicate_of, near_duplicate on posts begin "
               "insert into posts_pairs(posts_pairs, rowid, tokens) select 'delete', old.id, "
               f"monitor_pairs(old.title, old.body) where {old}; "
               f"insert into posts_pairs(rowid, tokens) select new.id, monitor_pairs(new.title, new.body) where {new}; end")


def m0029_console_indexes(db: sqlite_utils.Database) -> None:
    """What the console and the tick read on every page and every minute, without reading the rest: the notices
    still to send (nearly every row is sent, for good), an issue's notices, the open issues."""
    db.execute("create index notifications_undelivered on notifications(fire_at) "
               "where status in ('pending', 'sending')")
    db.execute("create index notifications_issue on notifications(issue_id)")
    db.execute("create index issues_status on issues(status)")


def m0030_leases(db: sqlite_utils.Database) -> None:
    """Leases: a named job (the clock evaluation) is run by one process at a time, whichever holds the row;
    a holder that dies stops renewing and another takes it once it expires. A row, so it works on SQLite."""
    db["leases"].create({"name": str, "holder": str, "acquired_at": str, "expires_at": str}, pk="name")


def m0031_workers(db: sqlite_utils.Database) -> None:
    """Several workers on one database: each beats its own heartbeat row (`worker:<host>:<pid>`) naming the
    jobs it runs, so `monitor health` can say who collects, who evaluates the clocks and who sends."""
    db["heartbeats"].add_column("jobs", str)


def m0032_own_channels(db: sqlite_utils.Database) -> None:
    """国办秘函〔2019〕19号's check reads each own channel's newest post every tick: the few own posts by source."""
    db.execute("create index posts_own on posts(source_id) where own = 1")
