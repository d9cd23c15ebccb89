"""方案管理: the agency's keywords, rules and sources edited from the console.

sources.yaml stays the file of record. An edit is applied to the file's text with ruamel.yaml (comments,
order and layout kept), validated by the same code as `monitor check`, and only then saved: the previous
version kept in `.<name>.history/`, the new one put in place by rename, the change audited with its diff.
The daemon and the console pick the saved file up by themselves (config.live). A keyword change is first
previewed over the last 7 days: which stored posts it would drop and which turned-away items it would keep.
"""
from __future__ import annotations

import difflib
import io
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ..clock import to_iso
from ..config.load import load_config
from ..config.schema import Config, Keywords, Rule
from ..errors import ConfigError, MonitorError
from ..judge.stages.relevance import match
from ..store import audit, dropped, posts
from ..store.db import transaction

PREVIEW = timedelta(days=7)
HISTORY_KEPT = 50          # earlier versions of the file kept beside it
GROUPS = ("subject", "region", "event", "exclude")
SOURCE_KEYS = ("id", "name", "kind", "url", "interval", "channel", "own", "authority", "expect_new", "enabled",
               "selectors")


def _yaml() -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _load(text: str):
    return _yaml().load(text)


def _dump(data) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def _flow(items) -> CommentedSeq:
    seq = CommentedSeq([str(x) if isinstance(x, str) else x for x in items])   # StrEnums as plain text
    seq.fa.set_flow_style()
    return seq


def with_keywords(text: str, keywords: Keywords, rules: tuple[Rule, ...]) -> str:
    """sources.yaml's text with these keyword groups and named rules, everything else as it was."""
    data = _load(text)
    kw = data["agency"]["keywords"]
    for group in GROUPS:
        terms = getattr(keywords, group)
        if terms:
            kw[group] = _flow(terms)
        elif group in kw:
            del kw[group]
    if rules:
        out = CommentedSeq()
        for r in rules:
            m = CommentedMap([("name", r.name)] + [(k, _flow(getattr(r, k))) for k in ("all", "any", "none")
                                                    if getattr(r, k)] + ([("cap", r.cap)] if r.cap else []))
            m.fa.set_flow_style()
            out.append(m)
        data["agency"]["rules"] = out
    elif "rules" in data["agency"]:
        del data["agency"]["rules"]
    return _dump(data)


def with_source(text: str, source_id: str | None, values: dict) -> str:
    """sources.yaml's text with one source added (`source_id` None) or changed; a value None removes its key."""
    data = _load(text)
    sources = data["sources"]
    found = next((s for s in sources if source_id is not None and str(s.get("id")) == source_id), None)
    if source_id is not None and found is None:
        raise MonitorError(f"没有来源 {source_id}")
    target = found if found is not None else CommentedMap()
    for key in SOURCE_KEYS:
        if key not in values:
            continue
        value = values[key]
        if value is None or value == "":
            target.pop(key, None)
        elif key == "selectors":
            sel = CommentedMap((k, DoubleQuotedScalarString(v)) for k, v in value.items() if v)   # "#list li"
            sel.fa.set_flow_style()
            target[key] = sel
        elif key == "url":
            target[key] = DoubleQuotedScalarString(value)    # ? & # : in a URL read back as written
        else:
            target[key] = value
    if found is None:
        sources.append(target)
    return _dump(data)


def with_recipients(text: str, people: dict[str, tuple[str, ...]], robots: list[dict]) -> str:
    """sources.yaml's text with these addresses per role and these robots. A robot dict names the robot it
    edits (`was`; None: a new one); what the form does not show (stages, timeout, fallback) is kept."""
    data = _load(text)
    block = data.get("people")
    if block is None:
        block = data["people"] = CommentedMap()
    for role, addresses in people.items():
        if addresses:
            block[str(role)] = _flow(addresses)
        else:
            block.pop(str(role), None)
    existing = {str(r.get("name")): r for r in data.get("robots") or []}
    out = CommentedSeq()
    for r in robots:
        m = existing.get(r.get("was") or "", CommentedMap())
        for key in ("name", "kind", "url", "secret_env"):
            if r.get(key):
                m[key] = DoubleQuotedScalarString(r[key]) if key == "url" else r[key]
            else:
                m.pop(key, None)
        if r.get("roles"):
            m["roles"] = _flow(r["roles"])
        else:
            m.pop("roles", None)
        if not existing.get(r.get("was") or ""):
            m.fa.set_flow_style()
        out.append(m)
    if out:
        data["robots"] = out
    elif "robots" in data:
        del data["robots"]
    return _dump(data)


@dataclass(frozen=True)
class Saved:
    path: str
    previous: str | None       # where the version it replaced was kept
    diff: str


def validate(path: str, text: str) -> Config:
    """The text as `monitor check` would judge it in place of `path`; ConfigError naming `path` and the line."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".check-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return load_config(tmp)
    except ConfigError as e:
        raise ConfigError([p.replace(tmp, path) for p in e.problems]) from None
    finally:
        os.unlink(tmp)


def save(db: sqlite_utils.Database, path: str, text: str, by: str, now: datetime, what: str) -> Saved:
    """Validate, keep the current version, put the new one in place, audit the change with its diff."""
    before = Path(path).read_text(encoding="utf-8")
    if text == before:
        raise MonitorError("没有修改")
    validate(path, text)
    diff = "".join(difflib.unified_diff(before.splitlines(True), text.splitlines(True), "修改前", "修改后", n=1))
    history = Path(path).parent / f".{Path(path).name}.history"
    history.mkdir(exist_ok=True)
    kept = history / f"{Path(path).name}.{now.strftime('%Y%m%dT%H%M%S')}"
    shutil.copy2(path, kept)
    for old in sorted(history.iterdir())[:-HISTORY_KEPT]:
        old.unlink()
    fd, tmp = tempfile.mkstemp(prefix=".save-", suffix=".yaml", dir=os.path.dirname(os.path.abspath(path)))
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    shutil.copymode(path, tmp)
    os.replace(tmp, path)
    with transaction(db):
        audit.record(db, now, by, None, audit.Action.CONFIG_CHANGE, what=what, file=Path(path).name,
                     kept=kept.name, diff=diff[:20000])
    return Saved(path, str(kept), diff)


@dataclass(frozen=True)
class Preview:
    added: list[dict] = field(default_factory=list)      # turned away this week, kept after the change
    removed: list[dict] = field(default_factory=list)    # kept this week, dropped after the change
    by_source: dict[str, tuple[int, int]] = field(default_factory=dict)   # source id -> (added, removed)
    checked: int = 0


def preview(db: sqlite_utils.Database, config: Config, keywords: Keywords, rules: tuple[Rule, ...],
            now: datetime) -> Preview:
    """What the change would have done to the last 7 days: relevance only (the same `match` as collection)."""
    since = now - PREVIEW
    added, removed = [], []
    kept = [p for p in posts.seen_since(db, to_iso(since)) if not p["own"] and p["matched_rule"]
            and not p["matched_rule"].startswith(("本单位", "上级"))]
    for p in kept:
        if match(keywords, f"{p['title']}\n{p['body'] or ''}", rules)[0] is None:
            removed.append(p)
    turned_away = dropped.since(db, since)
    for d in turned_away:
        if (why := match(keywords, f"{d['title']}\n{d['text']}", rules)[0]) is not None:
            added.append(d | {"matched_rule": why})
    counts: Counter = Counter()
    for p in added:
        counts[(p["source_id"], 0)] += 1
    for p in removed:
        counts[(p["source_id"], 1)] += 1
    by_source = {sid: (counts[(sid, 0)], counts[(sid, 1)]) for sid, _ in counts}
    return Preview(added, removed, by_source, len(kept) + len(turned_away))
