"""Load and validate `sources.yaml` into frozen dataclasses.

Validation walks the YAML node tree so every problem carries its line:
`sources.yaml:12: sources[1].interval: 不是有效的时长 "10x" (例如 30s, 10m, 2h, 1d)`.
All problems are collected; ConfigError carries them all.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.nodes import Node

from .errors import ConfigError
from .fetch import FetchPolicy
from .policy_defaults import DeadlineRule

ROLES = ("duty", "deputy_leader", "head")
BOARD_STATES = ("pending", "processing", "answered")     # 待回复 / 办理中 / 已办理
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)


def parse_duration_s(text: Any) -> int | None:
    """'10m' -> 600. None when not a duration."""
    m = _DURATION.match(str(text)) if isinstance(text, (str, int)) and not isinstance(text, bool) else None
    if not m:
        return None
    return int(float(m[1]) * _UNIT_S[m[2]])


def load_config(path: str | os.PathLike) -> Config:
    """Read and validate; raises ConfigError listing every problem."""
    p = Path(path)
    name = str(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{name}:1: 找不到配置文件"]) from None
    except UnicodeDecodeError as e:
        raise ConfigError([f"{name}:1: 文件不是 UTF-8 编码 ({e.reason})"]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([f"{name}:{line}: YAML 语法错误: {e.problem or e}"]) from None
    if root is None:
        raise ConfigError([f"{name}:1: 配置文件为空"])
    from .config_sections import Checker
    c = Checker(name)
    config = _read_root(c, root, name)
    if c.problems:
        raise ConfigError(c.problems)
    assert config is not None
    return config


def _read_root(c, root: Node, name: str) -> Config | None:
    from .config_sections import (read_agency, read_fetch, read_people, read_policies, read_smtp,
                                  read_sources)
    top = c.mapping(root, "(顶层)", ("agency", "timezone", "sources", "people", "smtp", "policies", "calendar",
                                     "fetch"),
                    required=("agency", "sources"))
    if top is None:
        return None
    agency = read_agency(c, top["agency"]) if "agency" in top else None
    tz = "Asia/Shanghai"
    if "timezone" in top:
        tz = c.text(top["timezone"], "timezone") or tz
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            c.problem(top["timezone"], "timezone", f"未知的时区 {tz!r}")
            tz = "Asia/Shanghai"
    sources = read_sources(c, top["sources"]) if "sources" in top else ()
    people = read_people(c, top["people"]) if "people" in top else {r: () for r in ROLES}
    smtp = read_smtp(c, top["smtp"]) if "smtp" in top else None
    policies = read_policies(c, top.get("policies"))
    calendar_path = None
    if "calendar" in top and (cal := c.text(top["calendar"], "calendar")):
        calendar_path = str((Path(name).resolve().parent / cal))
        if not Path(calendar_path).exists():
            c.problem(top["calendar"], "calendar", f"找不到节假日调整文件 {cal!r}")
    fetch = read_fetch(c, top["fetch"]) if "fetch" in top else FetchPolicy()
    if agency is None:
        return None
    return Config(name, agency, tz, sources, people, smtp, policies, calendar_path, fetch)
