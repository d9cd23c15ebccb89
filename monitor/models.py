"""Typed values that cross module boundaries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from .timeparse import Precision


@dataclass(frozen=True)
class FetchResult:
    source_id: str
    url: str                  # final URL after redirects
    status: int
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class RawItem:
    """One entry as a source lists it, before any judgement."""
    title: str
    link: str
    summary: str = ""
    published_text: str | None = None
    guid: str | None = None


class Drop(str, Enum):
    """Why a pipeline stage let an item go."""
    NO_LINK = "no_link"
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
    edit_of: int | None = None           # the stored post at this URL, whose content changed: update it
    duplicate_of: int | None = None      # same content as this stored post (转载): joins its issue
    near_duplicate: bool = False         # duplicate_of found by SimHash, not by identical content
    simhash: int | None = None
    issue_id: int | None = None          # join this issue
    similarity: float = 0.0
    new_issue: bool = False              # open a new issue with this as its first post
    tracked_kind: str | None = None      # opens a tracked item of this intake kind (superior source: "repost")
    signature: dict[str, int] = field(default_factory=dict, hash=False, compare=False)


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
