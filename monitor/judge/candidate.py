"""The typed values of judgement: a raw item as a source lists it, the candidate moving through the
stages, why a stage dropped it, and what a pass over one source did."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ..clock import Precision


@dataclass(frozen=True)
class RawItem:
    """One entry as a source lists it, before any judgement."""
    title: str
    link: str
    summary: str = ""
    published_text: str | None = None
    guid: str | None = None


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


SENTIMENTS = tuple(s.value for s in Sentiment)    # plain strings: the saved sentiment model is marshalled


class Drop(StrEnum):
    """Why a pipeline stage let an item go."""
    NO_LINK = "no_link"
    BAD_LINK = "bad_link"                # a link no URL parser accepts (port 99999, …)
    BAD_ITEM = "bad_item"                # judging it failed unexpectedly: dropped, logged, the pass goes on
    NOT_RELEVANT = "not_relevant"
    EXCLUDED = "excluded"
    DUPLICATE_URL = "duplicate_url"
    RULE_CAPPED = "rule_capped"          # a named rule already kept its daily cap


@dataclass(frozen=True)
class Candidate:
    """An item moving through the judgement stages; each stage returns a new one."""
    source_id: str
    own: bool
    authority: float
    raw: RawItem
    seen_at: datetime
    canonical_url: str = ""
    content_hash: str = ""
    title: str = ""
    body: str = ""
    published_at: datetime | None = None
    published_precision: Precision | None = None
    published_clamped: bool = False      # the source gave a future time; clamped to seen_at
    matched_rule: str = ""
    sentiment_label: str = ""
    sentiment_score: float | None = None
    sentiment_negative: float | None = None  # calibrated P(negative): heat and negative share use it
    channel: str = "news"                    # the source's channel: the sentiment model's kind
    edit_of: int | None = None           # the stored post at this URL, whose content changed: update it
    duplicate_of: int | None = None      # same content as this stored post (转载): joins its issue
    near_duplicate: bool = False         # duplicate_of found by SimHash, not by identical content
    simhash: int | None = None
    issue_id: int | None = None          # join this issue
    issue_signature: dict[str, int] | None = field(default=None, hash=False, compare=False)  # its merged signature
    similarity: float = 0.0
    cluster_reason: str = ""             # why it joined its issue (同一话题 #…#, 内容相似 0.31)
    incident_id: int | None = None       # a letter's tracked item: the incident's issue it is about
    rival_issue_ids: tuple[int, ...] = ()  # an own post: other open issues it could answer as well
    new_issue: bool = False              # open a new issue with this as its first post
    tracked_kind: str | None = None      # opens a tracked item of this intake kind (superior source: "repost")
    signature: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    def but(self, **changes) -> "Candidate":
        """A copy with `changes` (what dataclasses.replace does, without re-running __init__ over every
        field: stages make several copies of every post)."""
        unknown = changes.keys() - self.__dict__.keys()
        if unknown:
            raise TypeError(f"Candidate has no field {sorted(unknown)}")
        new = object.__new__(Candidate)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new


@dataclass(frozen=True)
class Outcome:
    """What one listed item comes to, decided before anything of it is written (collect.pipeline stores it in
    one place): a Drop with its reason, or the judged candidate (a new post, or an edit of a stored one)."""
    raw: RawItem
    verdict: "Candidate | Drop"
    # an item a message board lists as 已办理: it answers its message's reply clock. `answers` is the
    # stored message's issue, when the message is known; else the verdict is the message itself, to store
    answered: bool = False
    answers: int | None = None


@dataclass(frozen=True)
class PassReport:
    source_id: str
    ok: bool
    fetched: int = 0
    new_posts: int = 0
    reposts: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    new_issue_ids: tuple[int, ...] = ()
    touched_issue_ids: tuple[int, ...] = ()
    bytes: int = 0
    error: str | None = None
    not_modified: bool = False
