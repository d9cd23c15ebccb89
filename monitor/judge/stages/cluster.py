"""Incremental clustering: a post joins the most similar open issue, or opens a new one.

Signature: character-bigram counts of title + lead, with the agency's names (主体词, 地域词)
removed (every post names the agency; that must not make them alike). Similarity is
cosine against the issue's accumulated signature, found through an inverted index
(`IssueIndex`), so a post is compared only with issues that share a bigram with it.
"""
from __future__ import annotations

import math
import re
from collections import Counter

from ...clocks.rules import IssueKind
from ..candidate import Candidate

JOIN_AT = 0.22
SIGNATURE_SIZE = 200
STOP_GRAM_SHARE = 0.01      # a bigram in more than 1% of the open issues (and more than 50) is not compared
STOP_GRAM_MIN = 50
CANDIDATE_GRAMS = 16        # candidate issues are those sharing one of the post's 16 rarest bigrams
_NON_CJK_WORD = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")


def signature(title: str, body: str, stopwords: tuple[str, ...]) -> dict[str, int]:
    text = f"{title} {title} {body[:120]}"     # the title counts twice
    for w in sorted(stopwords, key=len, reverse=True):
        text = text.replace(w, " ")
    grams: Counter[str] = Counter()
    for chunk in _NON_CJK_WORD.split(text):
        grams.update(chunk[i:i + 2] for i in range(len(chunk) - 1))
    return dict(grams)


def merge(issue_sig: dict[str, int], post_sig: dict[str, int]) -> dict[str, int]:
    merged = Counter(issue_sig)
    merged.update(post_sig)
    return dict(merged.most_common(SIGNATURE_SIZE))


class IssueIndex:
    """Open issues' signatures with an inverted index from bigram to issues. Pure, in memory."""

    def __init__(self):
        self.sigs: dict[int, dict[str, int]] = {}
        self.kinds: dict[int, str] = {}
        self.norms: dict[int, float] = {}
        self.postings: dict[str, set[int]] = {}

    def put(self, issue_id: int, sig: dict[str, int], kind: str = IssueKind.OPINION) -> None:
        for gram in self.sigs.get(issue_id, ()):
            self.postings[gram].discard(issue_id)
        self.sigs[issue_id], self.kinds[issue_id] = sig, kind
        self.norms[issue_id] = math.sqrt(sum(v * v for v in sig.values())) or 1.0
        for gram in sig:
            self.postings.setdefault(gram, set()).add(issue_id)

    def remove(self, issue_id: int) -> None:
        for gram in self.sigs.pop(issue_id, ()):
            self.postings[gram].discard(issue_id)
        self.kinds.pop(issue_id, None)
        self.norms.pop(issue_id, None)

    def best(self, sig: dict[str, int], kinds: tuple[str, ...] | None = None) -> tuple[int | None, float]:
        """The most similar issue at or above JOIN_AT, and the best similarity seen."""
        if not sig:
            return None, 0.0
        common = max(STOP_GRAM_MIN, STOP_GRAM_SHARE * len(self.sigs))
        # grams in too many issues cannot tell events apart: they are not compared
        usable = [(g, v, self.postings[g]) for g, v in sig.items() if 0 < len(self.postings.get(g, ())) <= common]
        # candidates come from the rarest grams, the ones that name an event
        usable.sort(key=lambda x: len(x[2]))
        shared: Counter[int] = Counter()
        for _, _, posting in usable[:CANDIDATE_GRAMS]:
            shared.update(posting)
        # one shared bigram is coincidence; an issue worth comparing shares at least two
        need = 2 if len(usable) >= 4 else 1
        candidates = [issue_id for issue_id, n in shared.items() if n >= need]
        norm = math.sqrt(sum(v * v for v in sig.values()))
        best_id, best_sim = None, 0.0
        for issue_id in candidates:
            if kinds and self.kinds[issue_id] not in kinds:
                continue
            issue_sig = self.sigs[issue_id]
            dot = sum(v * issue_sig.get(g, 0) for g, v, _ in usable)
            sim = dot / (norm * self.norms[issue_id])
            if sim > best_sim:
                best_id, best_sim = issue_id, sim
        return (best_id, best_sim) if best_sim >= JOIN_AT else (None, best_sim)


def stage(c: Candidate, ctx) -> Candidate:
    if c.duplicate_of is not None or c.edit_of is not None:   # a repost or an edit keeps its issue
        return c
    sig = signature(c.title, c.body, ctx.stopwords)
    if c.tracked_kind:                      # a superior post or a board message is its own tracked item
        return c.but(signature=sig, new_issue=True, issue_signature=merge({}, sig))
    # public posts cluster into 舆情 issues only; own posts may also answer a tracked item (a repost)
    issue_id, sim = ctx.issue_index.best(sig, None if c.own else (IssueKind.OPINION,))
    new_issue = issue_id is None and not c.own          # our own voice is not 舆情
    merged = merge(ctx.issue_index.sigs[issue_id], sig) if issue_id is not None else merge({}, sig) if new_issue \
        else None
    return c.but(signature=sig, issue_id=issue_id, similarity=round(sim, 3),
                               new_issue=new_issue, issue_signature=merged)
