"""A collect pass: fetch → parse → the judgement stages (in STAGES order) → store.

The order of judgement is written here once. A new stage is one module in
`monitor/judge/stages/` plus one line in STAGES.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlite_utils

from ..clock import Clock
from ..clocks.rules import IssueKind
from ..config.schema import Config, Keywords, Source
from ..desk.curation import merge_incident
from ..errors import FetchError
from ..judge.candidate import Candidate, Drop, Outcome, PassReport, RawItem
from ..judge.stages import cluster, dedupe, normalize, relevance, sentiment
from ..judge.health import SourceRecord
from ..store import issues, posts
from ..store import sources as source_rows
from ..store.db import transaction
from .fetch import FetchResult, Fetcher
from .index import IndexSync
from .parse import extract_article, next_page, parse_feed, parse_html_list
from .write import OutcomeWriter, Tally, known

log = logging.getLogger(__name__)

MAX_PARALLEL = 8       # sources fetched at once (requests to one host still go one at a time)
COMMIT_EVERY = 200      # items judged per write transaction
ARTICLES_PER_PASS = 20  # article pages fetched per source and pass, for items that came without a body
YIELD_S = 0.11          # between batches the write lock is left free this long: SQLite's busy handler polls,
                        # and a writer that takes the lock again at once starves the tick and the officers

STAGES = [
    normalize.stage,    # canonical URL, content hash, publication time
    relevance.stage,    # 主体词 / 地域词 + 事件词 / 排除词
    dedupe.stage,       # same URL or same content already stored
    sentiment.stage,    # positive / neutral / negative with a score
    cluster.stage,      # join an open issue or open a new one
]


@dataclass
class PassContext:
    """What stages may read: config values, the scorer, and storage lookups."""
    tz: ZoneInfo
    keywords: Keywords
    rules: tuple
    stopwords: tuple[str, ...]
    scorer: object
    lookups: posts.Lookups
    issue_index: object             # stages.cluster.IssueIndex of open issues, kept current during the pass
    source_tz: dict = dataclasses.field(default_factory=dict)   # source id -> ZoneInfo override

    def __getattr__(self, name):        # post_at_url, post_with_hash, near_duplicate, kept_today
        return getattr(self.lookups, name)


def judge(c: Candidate, ctx: PassContext) -> Candidate | Drop:
    for stage in STAGES:
        result = stage(c, ctx)
        if isinstance(result, Drop):
            return result
        c = result
    return c


def parse_items(source: Source, result: FetchResult) -> list[RawItem]:
    if result.not_modified:
        return []
    if source.kind == "rss":
        return parse_feed(result.body, result.content_type)
    return parse_html_list(result.body, source.selectors, result.url, result.content_type)


class Collector:
    """Runs passes for sources; holds the HTTP client and the (lazily loaded) sentiment scorer."""

    def __init__(self, db: sqlite_utils.Database, config: Config, clock: Clock,
                 scorer: object | None = None, fetcher: Fetcher | None = None):
        self.db, self.config, self.clock = db, config, clock
        self.scorer = scorer or sentiment.ModelScorer()
        self.fetcher = fetcher or Fetcher(policy=config.fetch)
        self.index_sync = IndexSync()           # open issues for clustering, kept across passes
        # one pool for the life of the collector: threads started per pass, by the thousand a day in the
        # daemon, each left the allocator a little more memory it did not give back
        self.pool = ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="fetch")
        # naming us says nothing about which event a post is (event words may: they stay)
        self.stopwords = config.agency_names
        self.writer = OutcomeWriter(db, config, self.index_sync)
        source_rows.sync(db, config)
        with transaction(db):                   # issues from before keywords were stored
            for issue_id in issues.without_keywords(db):
                issues.refresh(db, issue_id, self.stopwords)

    def reconfigure(self, config: Config) -> None:
        """A reloaded sources.yaml: new keywords, sources and fetch policy from the next pass on."""
        if config.fetch != self.config.fetch:
            self.fetcher.close()
            self.fetcher = Fetcher(policy=config.fetch)
        self.config, self.stopwords = config, config.agency_names
        self.writer.reconfigure(config)
        source_rows.sync(self.db, config)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.fetcher.close()

    def collect(self, source_ids: list[str] | None = None) -> list[PassReport]:
        """Fetch and parse the sources concurrently (politeness is per host, in the Fetcher); judge
        and store each result in this thread as it arrives, so a slow source delays no other."""
        sources = [s for s in self.config.sources if source_ids is None or s.id in source_ids]
        stored = source_rows.by_id(self.db)
        rows = {s.id: stored.get(s.id) or SourceRecord.unseen(s.id) for s in sources}
        reports: dict[str, PassReport] = {}
        futures = {self.pool.submit(self._fetch_and_parse, s, rows[s.id]): s for s in sources}
        for future in as_completed(futures):
            source = futures[future]
            try:
                reports[source.id] = self._finish(source, future.result())
            except Exception as e:          # a source whose pass crashes is a blind spot, not the end
                log.exception("source pass crashed source=%s", source.id)
                reports[source.id] = self._finish(source, (FetchError("crash", f"{type(e).__name__}: {e}"), None))
        return [reports[s.id] for s in sources]

    def _with_articles(self, source: Source, items: list[RawItem]) -> tuple[list[RawItem], int, dict]:
        """Fill in the main text of new items that came without a body (at most ARTICLES_PER_PASS); the
        pages fetched, by item link, are kept as evidence for the items that join an issue."""
        out, fetched, nbytes, pages = [], 0, 0, {}
        for item in items:
            if (len(item.summary) < 50 and fetched < ARTICLES_PER_PASS and item.link
                    and not known(self.db, item.link)):
                fetched += 1
                try:
                    page = self.fetcher.fetch(source.id, item.link, robots=source.robots, origin=source.url)
                    nbytes += len(page.body)
                    pages[item.link] = page
                    text = extract_article(page.body, page.content_type, page.url)
                    if text:
                        item = dataclasses.replace(item, summary=text)
                except FetchError as e:
                    log.info("article not fetched source=%s url=%s reason=%s", source.id, item.link, e)
            out.append(item)
        return out, nbytes, pages

    def _fetch_and_parse(self, source: Source, row: SourceRecord):
        try:
            result = self.fetcher.fetch(source.id, source.url, row.etag, row.last_modified,
                                        robots=source.robots)
            items = parse_items(source, result)
            page, seen = result, {result.url}
            for _ in range(source.pages - 1):           # older pages of a list, when configured
                if page.not_modified or source.selectors is None or not source.selectors.next:
                    break
                url = next_page(page.body, source.selectors.next, page.url, page.content_type)
                if not url or url in seen:
                    break
                seen.add(url)
                page = self.fetcher.fetch(source.id, url, robots=source.robots, origin=source.url)
                items += parse_items(source, page)
            return result, items
        except FetchError as e:
            return e, None
        except Exception as e:                  # a hostile page must not take the pass down
            log.exception("source crashed source=%s", source.id)
            return FetchError("crash", f"{type(e).__name__}: {e}"), None

    def context(self, now) -> PassContext:
        """What the judgement of a pass at `now` reads: config values, the scorer, storage lookups."""
        lookups = posts.Lookups(self.db, now, tz=self.config.tz)
        return PassContext(self.config.tz, self.config.agency.keywords, self.config.agency.rules, self.stopwords,
                           self.scorer, lookups, self.index_sync.sync(self.db, lookups.since),
                           {s.id: ZoneInfo(s.tz) for s in self.config.sources if s.tz})

    def judge_items(self, source: Source, items: list[RawItem], now,
                    pages: dict[str, FetchResult] | None = None) -> PassReport:
        """Judge and store one source's items, seen at `now` (the loop of a pass, without the fetch).
        A commit every COMMIT_EVERY items, each item a savepoint inside it: a long feed makes progress
        and holds the write lock only briefly (an officer's action waits milliseconds, not the whole
        pass); a crash mid-pass loses only items not yet committed, and the next pass fetches them again."""
        ctx = self.context(now)
        tally = Tally()
        for start in range(0, len(items), COMMIT_EVERY):
            first_new, first_touched = len(tally.new_issues), len(tally.touched)
            with transaction(self.db):
                for raw in items[start:start + COMMIT_EVERY]:
                    new_issues, touched = len(tally.new_issues), len(tally.touched)
                    try:
                        with transaction(self.db):          # a savepoint: a failed item leaves nothing behind
                            self._judge_one(source, raw, now, ctx, tally, pages or {})
                    except Exception:                       # one bad item never costs the rest of the pass
                        log.exception("item dropped source=%s link=%r", source.id, raw.link[:200])
                        for issue_id in tally.new_issues[new_issues:]:
                            self.index_sync.index.remove(issue_id)
                        del tally.new_issues[new_issues:], tally.touched[touched:]
                        tally.dropped[Drop.BAD_ITEM.value] += 1
                # once per touched issue and batch, not once per post
                for issue_id in dict.fromkeys(tally.new_issues[first_new:] + tally.touched[first_touched:]):
                    issues.refresh(self.db, issue_id, self.stopwords)
            self._merge_drifted(tally.new_issues[first_new:] + tally.touched[first_touched:], now, tally)
            if start + COMMIT_EVERY < len(items):
                time.sleep(YIELD_S)         # let a waiting writer in (not a wait for time: the lock is free)
        return PassReport(source.id, True, len(items), tally.new_posts, tally.reposts, dict(tally.dropped),
                          tuple(tally.new_issues), tuple(dict.fromkeys(tally.touched)))

    def _merge_drifted(self, touched: list[int], now, tally: Tally) -> None:
        """Open issues that the batch's posts made one incident are merged (audited, reversible by split)."""
        index = self.index_sync.index
        apart = None
        for issue_id in dict.fromkeys(touched):
            if issue_id not in index.sigs or index.kinds.get(issue_id) != IssueKind.OPINION:
                continue
            apart = issues.apart_pairs(self.db) if apart is None else apart
            for other, reason in index.drifted(issue_id, apart=apart):
                if other not in index.sigs or issue_id not in index.sigs:
                    continue
                with transaction(self.db):
                    target = merge_incident(self.db, self.stopwords, issue_id, other, reason, now)
                if target is None:
                    continue
                gone = other if target == issue_id else issue_id
                log.info("issues merged target=%s merged=%s reason=%s", target, gone, reason)
                index.remove(gone)
                self.index_sync.put(target, issues.signature_of(self.db, target), IssueKind.OPINION)
                tally.touched[:] = [t for t in tally.touched if t != gone] + [target]
                if gone in tally.new_issues:
                    tally.new_issues.remove(gone)
                if gone == issue_id:
                    break

    def _judge_one(self, source: Source, raw: RawItem, now, ctx: PassContext, tally: Tally,
                   pages: dict[str, FetchResult]) -> None:
        self.writer.store(source, self.decide(source, raw, now, ctx), now, tally, pages)    # decide, then store

    def decide(self, source: Source, raw: RawItem, now, ctx: PassContext) -> Outcome:
        """What the item comes to; nothing is written here."""
        c = Candidate(source.id, source.own, source.authority, raw, now, channel=source.channel,
                      tracked_kind="repost" if source.superior else "message" if source.board else None)
        if source.board != "answered":
            return Outcome(raw, judge(c, ctx))
        if not raw.link:
            return Outcome(raw, Drop.BAD_ITEM, answered=True)
        message = posts.at_url(self.db, normalize.canonical_url(raw.link))
        if message is not None:
            return Outcome(raw, Drop.DUPLICATE_URL, answered=True, answers=message["issue_id"])
        return Outcome(raw, judge(c, ctx), answered=True)

    def _finish(self, source: Source, fetched) -> PassReport:
        now = self.clock.now()
        result, items = fetched
        if isinstance(result, FetchError):
            e = result
            before = source_rows.record_failure(self.db, source.id, now, str(e), blocked=e.reason == "blocked")
            if before.last_error != str(e):      # log a repeated failure only when it changes
                log.warning("source failed source=%s reason=%s", source.id, e)
            return PassReport(source.id, ok=False, error=str(e))
        nbytes = len(result.body)
        pages = {}
        if source.article:
            items, extra, pages = self._with_articles(source, items)
            nbytes += extra
        outcome = self.judge_items(source, items, now, pages)
        not_modified = getattr(result, "not_modified", False)
        digest = None if not_modified else hashlib.sha1("\n".join(sorted(i.link for i in items)).encode()).hexdigest()
        source_rows.record_success(self.db, source.id, now, len(items), nbytes,
                                   getattr(result, "etag", None), getattr(result, "last_modified", None),
                                   outcome.new_posts, digest)
        log.debug("source collected source=%s items=%d new=%d dropped=%s", source.id, len(items), outcome.new_posts,
                 outcome.dropped)
        return dataclasses.replace(outcome, fetched=len(items), bytes=nbytes,
                                   not_modified=getattr(result, "not_modified", False))
