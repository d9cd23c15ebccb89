"""The write side of a collect pass: an item's Outcome, decided by the judgement stages without writing
anything, is stored here and only here (the post, its issue, evidence, own-channel answers, clocks, the
turned-away items the 方案管理 preview reads)."""
from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

import sqlite_utils

from ..clock import Precision
from ..clocks.rules import ClockKind, IssueKind
from ..config.schema import Config, Source
from ..desk.actions import note_own_post, respond
from ..desk.intake import start_tracked_clock
from ..judge.candidate import Candidate, Drop, Outcome
from ..judge.stages import normalize
from ..store import audit, dropped, issues, posts
from ..store import deadlines as clocks
from .evidence import keep_evidence
from .index import IndexSync

PREVIEWED = (Drop.NOT_RELEVANT, Drop.EXCLUDED)   # turned away by keywords: a change may keep them


@dataclass
class Tally:
    """What a pass's stored outcomes add up to (its PassReport)."""
    new_posts: int = 0
    reposts: int = 0
    dropped: Counter = dataclasses.field(default_factory=Counter)
    new_issues: list = dataclasses.field(default_factory=list)
    touched: list = dataclasses.field(default_factory=list)


def known(db: sqlite_utils.Database, link: str) -> bool:
    """Stored already (a link no parser accepts counts as known: it will be dropped anyway)."""
    try:
        return posts.known_url(db, normalize.canonical_url(link))
    except ValueError:
        return True


class OutcomeWriter:
    def __init__(self, db: sqlite_utils.Database, config: Config, index_sync: IndexSync):
        self.db, self.index_sync = db, index_sync
        self.reconfigure(config)

    def reconfigure(self, config: Config) -> None:
        # naming us says nothing about which event a post is (event words may: they stay)
        self.config, self.stopwords = config, config.agency_names

    def store(self, source: Source, outcome: Outcome, now, tally: Tally, pages: dict) -> None:
        """The one place an item's outcome is written: the post, its issue, evidence, own-post and clocks."""
        if outcome.answered:
            self._store_answered(outcome, now)
            return
        raw, judged = outcome.raw, outcome.verdict
        if isinstance(judged, Drop):
            tally.dropped[judged.value] += 1
            if judged in PREVIEWED and raw.link and not known(self.db, raw.link):   # 方案管理 previews on these
                dropped.remember(self.db, normalize.canonical_url(raw.link), source.id, raw.title or "",
                                 raw.summary or "", now, judged.value)
            return
        if judged.edit_of is not None:
            tally.dropped["edited"] += 1
            issue_id = posts.update_edited(self.db, judged)
            if issue_id is not None:
                tally.touched.append(issue_id)
            return
        stored = self.store_post(judged)
        if stored is None:
            tally.dropped[Drop.DUPLICATE_URL.value] += 1
            return
        tally.new_posts += 1
        tally.reposts += judged.duplicate_of is not None
        post_id, issue_id = stored
        if issue_id is None:
            return
        (tally.new_issues if judged.new_issue else tally.touched).append(issue_id)
        keep_evidence(self.db, post_id, source, raw, pages.get(raw.link), now)
        if judged.own:
            note_own_post(self.db, issue_id, post_id, now, judged.cluster_reason, judged.rival_issue_ids)
            for rival in judged.rival_issue_ids:     # it could answer these too: proposed there, the officer says which
                note_own_post(self.db, rival, post_id, now, f"也可能回应舆情 {issue_id}",
                              (issue_id, *(r for r in judged.rival_issue_ids if r != rival)))
        if judged.tracked_kind and judged.new_issue:
            start_tracked_clock(self.db, self.config, issue_id, judged.tracked_kind,
                                judged.published_at if judged.published_precision != Precision.DAY else None, now)

    def _store_answered(self, outcome: Outcome, now) -> None:
        """A message listed as 已办理: stop its reply clock (storing the message and opening its item first
        when we never saw it pending)."""
        raw, issue_id = outcome.raw, outcome.answers
        if issue_id is None:
            judged = outcome.verdict
            if isinstance(judged, Drop):
                return
            stored = self.store_post(judged)
            if stored is None:
                return
            issue_id = stored[1]
            issues.refresh(self.db, issue_id, self.stopwords)
            start_tracked_clock(self.db, self.config, issue_id, IssueKind.MESSAGE, judged.published_at, now,
                                even_if_expired=True)
        if issue_id is not None and clocks.open_of(self.db, issue_id, ClockKind.REPLY):
            respond(self.db, issue_id, ClockKind.REPLY, raw.link, now, audit.SYSTEM, now, self.config)

    def store_post(self, judged: Candidate) -> tuple[int, int | None] | None:
        """Store a judged post; the issue it joined or opened takes its signature in this process's index."""
        stored = posts.store_candidate(self.db, judged)
        if stored is not None and stored[1] is not None and judged.issue_signature is not None:
            kind = judged.tracked_kind or self.index_sync.index.kinds.get(stored[1], IssueKind.OPINION)
            self.index_sync.put(stored[1], judged.issue_signature, kind)
        return stored
