"""证据固定: keep what was fetched for every post that joins an issue, and re-check the posts of open
issues so that one the poster deletes is marked 已删除 while its snapshot stays."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils
from bs4 import BeautifulSoup

from ..clock import Clock, to_iso
from ..config.schema import Config, Source
from ..errors import FetchError
from ..judge.candidate import RawItem
from ..judge.evidence import EvidenceState, verdict
from ..store import audit, evidence
from ..store.db import transaction
from .fetch import FetchResult, Fetcher
from ..judge.text import decode_html

log = logging.getLogger(__name__)


def item_bytes(source: Source, raw: RawItem, seen_at: datetime) -> bytes:
    """The item as the source listed it, as JSON (what the feed or list page said about it). Compact:
    `indent` would send every post's item through json's pure-Python encoder; the console lays the
    fields out one per line when it shows the snapshot."""
    return json.dumps({"source": source.id, "source_url": source.url, "title": raw.title, "link": raw.link,
                       "summary": raw.summary, "published": raw.published_text, "guid": raw.guid,
                       "seen_at": to_iso(seen_at)}, ensure_ascii=False).encode("utf-8")


def keep_evidence(db: sqlite_utils.Database, post_id: int, source: Source, raw: RawItem, page: FetchResult | None,
                  seen_at: datetime) -> None:
    """Snapshots of a post that joined an issue: the item, and its article page when one was fetched."""
    evidence.keep(db, post_id, "item", source.url, seen_at, item_bytes(source, raw, seen_at),
                  "application/json; charset=utf-8")
    if page is not None and page.body:
        evidence.keep(db, post_id, "page", page.url, seen_at, page.body, page.content_type)


@dataclass
class RecheckReport:
    checked: int = 0
    gone: list[int] = field(default_factory=list)      # post ids found gone by this run
    unknown: int = 0


def _page_text(result: FetchResult) -> str:
    try:
        return BeautifulSoup(decode_html(result.body, result.content_type), "lxml").get_text(" ")
    except Exception:           # an unreadable page is still a page: the post is there
        return " " * 10_000


def recheck(db: sqlite_utils.Database, config: Config, fetcher: Fetcher, clock: Clock,
            every: timedelta = timedelta(hours=6), limit: int = 100) -> RecheckReport:
    """Re-fetch up to `limit` posts of open issues not checked within `every`; mark those gone."""
    report = RecheckReport()
    now = clock.now()
    for p in evidence.due_for_check(db, now - every, limit):
        source = config.source(p["source_id"])
        status, final, text, error = None, None, "", None
        try:
            result = fetcher.fetch(p["source_id"], p["url"], robots=source.robots if source else True,
                                    origin=source.url if source else None)
            status, final, text = result.status, result.url, _page_text(result)
        except FetchError as e:
            if e.reason in ("http_404", "http_410"):
                status = int(e.reason[5:])
            else:
                error = str(e)
        state, reason = verdict(p["url"], status, final, text, error)
        at = clock.now()
        with transaction(db):
            newly_gone = evidence.record_check(db, p["id"], at, state, status, reason)
            if newly_gone:
                audit.record(db, at, audit.SYSTEM, p["issue_id"], audit.Action.POST_GONE, post_id=p["id"],
                             url=p["url"], reason=reason)
        report.checked += 1
        report.unknown += state == EvidenceState.UNKNOWN
        if newly_gone:
            report.gone.append(p["id"])
            log.info("post gone post=%d url=%s reason=%s", p["id"], p["url"], reason)
    return report
