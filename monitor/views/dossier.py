"""处置台账: the whole record of one issue for 总结 and 问责 (how it was found, how it spread, every clock,
notice and action, the response's effect and the evidence kept), and 回应效果 for the issue page and
the monthly report."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import sqlite_utils

from .. import labels
from ..clock import from_iso, local_str, to_iso
from ..config.schema import Config
from ..judge import effect as effects
from ..store import answers, evidence, issues
from . import read as views
from .describe import describe


def response_effect(db: sqlite_utils.Database, issue_id: int, issue_posts: list[dict],
                    now: datetime) -> effects.Effect | None:
    """The effect of the issue's first release or response, or None when none is recorded."""
    first = answers.first_responses(db, [issue_id])
    if not first or not first[0]["published_at"]:
        return None
    return effects.effect(issue_posts, from_iso(first[0]["published_at"]), first[0]["kind"], now)


def effect_view(e: effects.Effect | None, tz) -> dict | None:
    if e is None:
        return None
    return {"response_at": to_iso(e.response_at), "response_local": local_str(e.response_at, tz),
            "kind": e.response_kind, "kind_name": labels.name(labels.CLOCK_KIND_NAMES, e.response_kind),
            "before": vars(e.before), "after": vars(e.after), "verdict": str(e.verdict),
            "verdict_name": labels.EFFECT_NAMES[e.verdict], "reason": e.reason, "hourly": list(e.hourly)}


def effects_between(db: sqlite_utils.Database, config: Config, start_at: datetime, end_at: datetime,
                    now: datetime) -> dict:
    """Every issue whose first release or response falls in the period, with its effect, and the tally."""
    found = answers.first_responses(db, start_iso=to_iso(start_at), end_iso=to_iso(end_at))
    rows = issues.get_many(db, [r["issue_id"] for r in found])
    items = []
    for r in found:
        issue_posts = views.show_issue(db, r["issue_id"], now)["posts"]
        e = effects.effect(issue_posts, from_iso(r["published_at"]), r["kind"], now)
        items.append({"issue_id": r["issue_id"], "title": rows[r["issue_id"]].title,
                      "level": rows[r["issue_id"]].level} | effect_view(e, config.tz))
    tally = Counter(i["verdict"] for i in items)
    return {"items": items, "tally": {labels.EFFECT_NAMES[k]: tally.get(k, 0) for k in labels.EFFECT_NAMES}}


def _spread(issue_posts: list[dict], tz) -> list[tuple[str, int]]:
    """Posts per hour for an issue that lasted up to 3 days, per day beyond."""
    seen = [from_iso(p["seen_at"]).astimezone(tz) for p in issue_posts if not p["own"]]
    if not seen:
        return []
    hourly = max(seen) - min(seen) <= timedelta(days=3)
    fmt = "%m-%d %H时" if hourly else "%m-%d"
    first = min(seen).replace(minute=0, second=0, microsecond=0)
    if not hourly:
        first = first.replace(hour=0)
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    counts = Counter(int((t - first) / step) for t in seen)
    return [((first + i * step).strftime(fmt), counts.get(i, 0)) for i in range(max(counts) + 1)]


def dossier(db: sqlite_utils.Database, config: Config, issue_id: int, now: datetime) -> dict:
    tz = config.tz
    issue = views.show_issue(db, issue_id, now)
    issue_posts = issue["posts"]
    kept = evidence.of_issue(db, issue_id)
    for p in issue_posts:
        p["source_name"] = config.source_name(p["source_id"])
        p["seen_local"] = local_str(p["seen_at"], tz)
        p["published_local"] = local_str(p["published_at"], tz) if p["published_at"] else ""
        p["sentiment_name"] = labels.name(labels.SENTIMENT_NAMES, p["sentiment_override"] or p["sentiment_label"])
        p["evidence"] = kept.get(p["id"], {"snapshots": []})
        if p["evidence"].get("gone_at"):
            p["evidence"]["gone_local"] = local_str(p["evidence"]["gone_at"], tz)
    public = [p for p in issue_posts if not p["own"]]
    first = min(public, key=lambda p: (p["published_at"] or p["seen_at"], p["id"]), default=None)
    for d in issue["deadlines"]:
        d["started_local"] = local_str(d["started_at"], tz)
        d["due_local"] = local_str(d["due_at"], tz)
        d["met_local"] = local_str(d["met_at"], tz) if d["met_at"] else ""
        d["status_name"] = labels.name(labels.CLOCK_STATE_NAMES, d["status"])
        d["start_basis_name"] = labels.name(labels.START_BASIS_NAMES, d["start_basis"])
    for n in issue["notifications"]:
        n["fire_local"] = local_str(n["fire_at"], tz)
        n["sent_local"] = local_str(n["sent_at"], tz) if n["sent_at"] else ""
        n["status_name"] = labels.name(labels.NOTICE_STATUS_NAMES, n["status"])
        n["to"] = "、".join(n["delivered_to"] or n["recipients"])
    for a in issue["actions"]:
        a["at_local"] = local_str(a["at"], tz)
        a["action_name"] = labels.name(labels.ACTION_NAMES, a["action"])
        a["what"] = describe(a["detail"], tz)
    by_source = Counter(p["source_name"] for p in public)
    return issue | {
        "agency": config.agency.name, "generated_local": local_str(now, tz),
        "kind_name": labels.name(labels.ISSUE_KIND_NAMES, issue["kind"]),
        "status_name": labels.name(labels.ISSUE_STATUS_NAMES, issue["status"]),
        "level_name": labels.LEVEL_NAMES.get(issue["level"] or "", ""),
        "first_post": first, "first_seen_local": local_str(issue["first_seen_at"], tz) if issue["first_seen_at"] else "",
        "spread": _spread(issue_posts, tz), "by_source": by_source.most_common(),
        "effect": effect_view(response_effect(db, issue_id, issue_posts, now), tz),
        "deleted": sum(1 for p in issue_posts if p["evidence"].get("gone_at")),
        "snapshots": sum(len(p["evidence"].get("snapshots", [])) for p in issue_posts),
    }
