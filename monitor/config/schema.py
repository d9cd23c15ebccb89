"""The configuration's types: frozen dataclasses read from `sources.yaml` by `config.load`."""
from __future__ import annotations

import datetime as dt
import os
import re
from functools import cached_property
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..clocks.inspection import InspectionPolicy
from ..clocks.rules import DeadlineRule
CHANNELS = ("news", "social")                            # judge.sentiment.KINDS
BOARD_STATES = ("pending", "processing", "answered")     # 待回复 / 办理中 / 已办理
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class FetchPolicy:
    """How sources are fetched (sources.yaml `fetch:`); read by collect.fetch."""
    timeout_s: float = 20.0             # between two bytes
    connect_timeout_s: float = 10.0
    total_timeout_s: float = 60.0       # one request from connecting to the last byte
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 2                    # after the first try
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    host_delay_s: float = 1.0           # minimum time between two requests to one host


@dataclass(frozen=True)
class Keywords:
    subject: tuple[str, ...]
    region: tuple[str, ...] = ()
    event: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A named relevance rule. Terms are plain text, or a regular expression written `re:…`."""
    name: str
    all: tuple[str, ...] = ()     # AND: every term must match
    any: tuple[str, ...] = ()     # OR: at least one term must match (when given)
    none: tuple[str, ...] = ()    # NOT: no term may match
    cap: int | None = None        # at most this many posts a day kept by this rule


@dataclass(frozen=True)
class Agency:
    name: str
    keywords: Keywords
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Selectors:
    item: str
    title: str
    link: str
    date: str | None = None
    summary: str | None = None
    next: str | None = None     # the next page's link, e.g. "a.next@href" (with `pages` on the source)


@dataclass(frozen=True)
class Source:
    id: str
    kind: str                 # "rss" | "html"
    url: str
    interval_s: int = 600
    own: bool = False
    authority: float = 1.0
    selectors: Selectors | None = None
    superior: bool = False    # the superior government's new media: each new post opens a `repost` clock
    board: str | None = None  # message board state this route lists: pending | processing | answered
    robots: bool = True       # honour robots.txt (the agency's own site may opt out)
    tz: str | None = None     # read this source's times in this zone, whatever they claim (feeds that say GMT)
    article: bool = False     # fetch each new item's page and extract its main text when the list gives none
    pages: int = 1            # html list pages to read per pass, following selectors.next
    channel: str = "news"     # news (sites, official accounts) | social (Weibo, forums, message boards): the
                              # sentiment model's kind
    name: str = ""            # display name (中文), shown everywhere instead of the id
    channel_why: str = ""     # why it got its channel (shown by `monitor check`)
    expect_new_s: int | None = None   # how often it is expected to list something new (`expect_new: 3d`);
                                      # None: learnt from its own history (judge.health.expected_gap)
    enabled: bool = True      # `enabled: false`: kept in the file (and the console's list), not collected

    @property
    def display_name(self) -> str:
        return self.name or self.id


# netizens' sources, scored with the social weights unless the config says `channel:`: a forum reply's
# 必须给个说法！ is anger, which the news weights (trained on headlines) read as neutral or even praise
SOCIAL_ROUTES = ("/weibo/", "/people/liuyan/", "/tieba/", "/douyin/", "/bilibili/", "/zhihu/", "/xiaohongshu/",
                 "/toutiao/", "weibo.com", "weibo.cn", "tieba.baidu.com", "liuyan.people.com.cn")
SOCIAL_NAMES = ("论坛", "贴吧", "留言", "微博", "社区", "网友", "问政", "信箱", "抖音", "知乎")


def default_channel(url: str, name: str, board: str | None, superior: bool, own: bool) -> tuple[str, str]:
    """The channel a source gets when its config names none, and why (Chinese, for `monitor check`)."""
    if own or superior:
        return "news", "本单位或上级发布渠道"
    if board:
        return "social", "留言板来源"
    lowered = url.lower()
    if route := next((r for r in SOCIAL_ROUTES if r in lowered), None):
        return "social", f"网址含 {route}"
    if word := next((w for w in SOCIAL_NAMES if w in name), None):
        return "social", f"名称含「{word}」"
    return "news", "默认"


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str             # "ssl" | "starttls" | "none"
    from_addr: str
    user: str | None = None
    password_env: str | None = None
    timeout_s: float = 30.0

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True)
class Digest:
    """值班交接: a summary at these local times to these roles (nothing when `at` is empty)."""
    at: tuple[dt.time, ...] = (dt.time(8, 30), dt.time(17, 30))
    roles: tuple[str, ...] = ("duty",)
    daily_report: bool = True     # the day's first digest opens with yesterday's 舆情日报 summary and its link


@dataclass(frozen=True)
class WarningPolicy:
    """`warning:` in sources.yaml; the defaults work with no configuration."""
    enabled: bool = True
    negative_at: float = 0.5           # share of the issue's posts that are negative
    min_negative_posts: int = 1        # and at least this many negative posts
    min_authority: float = 0.0         # and at least this much authority among them (0: any source)
    repeat_s: int = 3600               # HIGH repeats to the duty officer this often while undeclared
    max_repeats: int = 6
    escalate_after_s: int = 7200       # then the leaders are told, once
    escalate_to: tuple[str, ...] = ("deputy_leader", "head")
    to: tuple[str, ...] = ("duty",)


@dataclass(frozen=True)
class Evidence:
    """证据固定: how often the posts of open issues are re-checked, how many per run, and how long the
    snapshots of a closed issue are kept (`monitor maintenance` drops them after that)."""
    recheck_every_s: int = 6 * 3600
    recheck_batch: int = 100
    keep_days: int = 3 * 365


ROBOT_KINDS = ("wecom", "dingtalk", "feishu", "webhook")


@dataclass(frozen=True)
class Robot:
    """A group robot (企业微信 / 钉钉 / 飞书) or a generic JSON webhook that receives notices."""
    name: str
    kind: str                                 # wecom | dingtalk | feishu | webhook
    url: str
    secret_env: str | None = None             # 钉钉/飞书 加签: the NAME of the variable holding the secret
    stages: tuple[str, ...] = ()              # which notice kinds (empty: all)
    roles: tuple[str, ...] = ()               # whose notices (empty: every role)
    timeout_s: float = 10.0
    fallback: str | None = None               # another robot's name: carries the notice when this one fails

    def secret(self) -> str | None:
        return os.environ.get(self.secret_env) if self.secret_env else None

    @property
    def address(self) -> str:
        """How the robot appears among a notice's recipients (delivery is tracked per recipient)."""
        return f"robot:{self.name}"

    def wants(self, stage: str, role: str) -> bool:
        return (not self.stages or stage in self.stages) and (not self.roles or role in self.roles)


@dataclass(frozen=True)
class Config:
    path: str
    agency: Agency
    timezone: str
    sources: tuple[Source, ...]
    people: dict[str, tuple[str, ...]]
    smtp: Smtp | None
    policies: dict[str, DeadlineRule] = field(default_factory=dict)
    calendar_path: str | None = None          # holiday overrides file, relative paths resolved
    fetch: FetchPolicy = FetchPolicy()
    office_start: dt.time = dt.time(9)        # working-day clocks remind at this local time on working days
    console_url: str | None = None            # the web console's address as leaders reach it (links in notices)
    digest: Digest = Digest()
    robots: tuple[Robot, ...] = ()
    evidence: Evidence = Evidence()
    warning: WarningPolicy = WarningPolicy()
    disabled: tuple[Source, ...] = ()         # sources with `enabled: false`: named, never collected
    inspection: InspectionPolicy = InspectionPolicy()   # 国办秘函〔2019〕19号's checks (clocks.inspection)
    supervisors: tuple[str, ...] = ()         # a unit of an office installation: the office's (config.load)

    def recipients(self, role: str, stage: str) -> tuple[str, ...]:
        """Everyone a notice of `stage` for `role` goes to: the role's addresses and the robots routed to it."""
        return (*self.people.get(role, ()), *(r.address for r in self.robots if r.wants(stage, role)))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, source_id: str) -> Source | None:
        return self._sources_by_id.get(source_id)

    @cached_property
    def _sources_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in (*self.disabled, *self.sources)}

    def source_name(self, source_id: str | None) -> str:
        s = self.source(source_id) if source_id else None
        return s.display_name if s else (source_id or "-")

    def issue_url(self, issue_id: int) -> str | None:
        """The console's page for an issue, for links in notices (None without `console_url`)."""
        return f"{self.console_url.rstrip('/')}/issues/{issue_id}" if self.console_url else None

    @property
    def agency_names(self) -> tuple[str, ...]:
        """Words that name the agency: every post says them, so they tell no issue apart (keywords,
        clustering signatures)."""
        k = self.agency.keywords
        return (*k.subject, *k.region, self.agency.name)


def parse_duration_s(text: Any) -> int | None:
    """'10m' -> 600. None when not a duration."""
    m = _DURATION.match(str(text)) if isinstance(text, (str, int)) and not isinstance(text, bool) else None
    if not m:
        return None
    return int(float(m[1]) * _UNIT_S[m[2]])
