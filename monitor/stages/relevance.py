"""Keep what is about the agency.

relevant = (any 主体词  OR  (any 地域词 AND any 事件词))  AND  no 排除词, on title + body.
The matched rule is recorded on the post, e.g. `主体词:平罗县审计局` or `地域词+事件词:平罗+通报`.
Posts on the agency's own channels and the superior government's new media are always kept.
"""
from __future__ import annotations

import dataclasses

from ..config import Keywords
from ..models import Candidate, Drop


def match(keywords: Keywords, text: str) -> tuple[str | None, Drop | None]:
    """(rule, None) when relevant, (None, why) when not."""
    if any(w in text for w in keywords.exclude):
        return None, Drop.EXCLUDED
    if subject := next((w for w in keywords.subject if w in text), None):
        return f"主体词:{subject}", None
    region = next((w for w in keywords.region if w in text), None)
    event = next((w for w in keywords.event if w in text), None)
    if region and event:
        return f"地域词+事件词:{region}+{event}", None
    return None, Drop.NOT_RELEVANT


def stage(c: Candidate, ctx) -> Candidate | Drop:
    if c.tracked_kind == "repost":
        return dataclasses.replace(c, matched_rule="上级政务新媒体")
    if c.own:                               # everything on our own channels is ours
        return dataclasses.replace(c, matched_rule="本单位渠道")
    rule, why = match(ctx.keywords, f"{c.title}\n{c.body}")
    if rule is None:
        return why
    return dataclasses.replace(c, matched_rule=rule)
