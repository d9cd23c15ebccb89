"""Keep what is about the agency.

Order, on title + body:
  1. 排除词 (`keywords.exclude`) exclude globally: a post with one is never kept.
  2. The default rule: any 主体词, or any 地域词 together with any 事件词.
  3. Named rules (`agency.rules`), in order: every `all` term, at least one `any` term (when
     given), no `none` term. A rule with a `cap` keeps at most that many posts a day.
Terms are plain text, or a regular expression written `re:…`, matched by RE2 (linear time: no pattern
can hang a pass; RE2 has no backreferences or lookaround, and `monitor check` says so). The first rule that matches is
recorded on the post (`主体词:平罗县审计局`, `地域词+事件词:平罗+通报`, `规则:审计整改`).
Posts on the agency's own channels and the superior government's new media are always kept.
"""
from __future__ import annotations

from functools import lru_cache

import re2

from ...config.schema import Keywords, Rule
from ..candidate import Candidate, Drop


def compile_term(pattern: str):
    """A keyword pattern in RE2 (raises re2.error with RE2's reason when it has no linear-time form)."""
    options = re2.Options()
    options.log_errors = False          # the reason comes back in the exception, not on stderr
    return re2.compile(pattern, options)


class _Terms:
    def __init__(self, terms: tuple[str, ...]):
        self.plain = tuple(t for t in terms if not t.startswith("re:"))
        self.patterns = tuple((t, compile_term(t[3:])) for t in terms if t.startswith("re:"))

    def first(self, text: str) -> str | None:
        for t in self.plain:
            if t in text:
                return t
        for t, p in self.patterns:
            if p.search(text):
                return t
        return None

    def all_in(self, text: str) -> bool:
        return all(t in text for t in self.plain) and all(p.search(text) for _, p in self.patterns)

    def __bool__(self) -> bool:
        return bool(self.plain or self.patterns)


@lru_cache(maxsize=8)
def _compiled(keywords: Keywords, rules: tuple[Rule, ...]):
    return ({k: _Terms(getattr(keywords, k)) for k in ("subject", "region", "event", "exclude")},
            [(r, _Terms(r.all), _Terms(r.any), _Terms(r.none)) for r in rules])


def match(keywords: Keywords, text: str, rules: tuple[Rule, ...] = ()) -> tuple[str | None, Drop | None, Rule | None]:
    """(matched rule text, None, named rule or None) when relevant; (None, why, None) when not."""
    k, named = _compiled(keywords, rules)
    if k["exclude"].first(text):
        return None, Drop.EXCLUDED, None
    if subject := k["subject"].first(text):
        return f"主体词:{subject}", None, None
    region, event = k["region"].first(text), k["event"].first(text)
    if region and event:
        return f"地域词+事件词:{region}+{event}", None, None
    for rule, all_, any_, none in named:
        if all_.all_in(text) and (not any_ or any_.first(text)) and not none.first(text):
            return f"规则:{rule.name}", None, rule
    return None, Drop.NOT_RELEVANT, None


def stage(c: Candidate, ctx) -> Candidate | Drop:
    if c.tracked_kind == "repost":
        return c.but(matched_rule="上级政务新媒体")
    if c.own:                               # everything on our own channels is ours
        return c.but(matched_rule="本单位渠道")
    matched, why, rule = match(ctx.keywords, f"{c.title}\n{c.body}", ctx.rules)
    if matched is None:
        return why
    if rule is not None and rule.cap is not None and ctx.kept_today(matched, c.seen_at) >= rule.cap:
        return Drop.RULE_CAPPED
    return c.but(matched_rule=matched)
