"""The `sources:` section of sources.yaml: each source read and checked, `file:line: problem` for
whatever is wrong (schema.Source is the type)."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yaml.nodes import Node, SequenceNode

from .schema import BOARD_STATES, CHANNELS, _ID, Selectors, Source, default_channel
from .sections import Checker, _check_url


def read_sources(c: Checker, node: Node) -> tuple[Source, ...]:
    if not isinstance(node, SequenceNode):
        c.problem(node, "sources", "应为列表")
        return ()
    out: list[Source] = []
    seen: set[str] = set()
    for i, item in enumerate(node.value):
        where = f"sources[{i}]"
        m = c.mapping(item, where, ("id", "kind", "url", "interval", "own", "authority", "selectors", "superior", "board", "robots",
                       "tz", "article", "pages", "channel", "name", "expect_new", "enabled"),
                      required=("id", "kind", "url"))
        if m is None or not {"id", "kind", "url"} <= m.keys():
            continue
        sid = c.text(m["id"], f"{where}.id")
        if sid is not None and not _ID.match(sid):
            c.problem(m["id"], f"{where}.id", f"id 只能包含字母、数字、-、_、. : {sid!r}")
        elif sid in seen:
            c.problem(m["id"], f"{where}.id", f"重复的 id {sid!r}")
        seen.add(sid or "")
        kind = c.text(m["kind"], f"{where}.kind")
        if kind is not None and kind not in ("rss", "html"):
            c.problem(m["kind"], f"{where}.kind", f"应为 rss 或 html, 实际是 {kind!r}")
        url = c.text(m["url"], f"{where}.url")
        if url is not None and (msg := _check_url(url)):
            c.problem(m["url"], f"{where}.url", msg)
        interval_s = c.duration(m["interval"], f"{where}.interval") if "interval" in m else 600
        own = c.scalar(m["own"], f"{where}.own", (bool,), "true 或 false") if "own" in m else False
        superior = c.scalar(m["superior"], f"{where}.superior", (bool,), "true 或 false") if "superior" in m else False
        board = c.text(m["board"], f"{where}.board") if "board" in m else None
        robots = c.scalar(m["robots"], f"{where}.robots", (bool,), "true 或 false") if "robots" in m else True
        article = c.scalar(m["article"], f"{where}.article", (bool,), "true 或 false") if "article" in m else False
        expect_new_s = c.duration(m["expect_new"], f"{where}.expect_new") if "expect_new" in m else None
        enabled = c.scalar(m["enabled"], f"{where}.enabled", (bool,), "true 或 false") if "enabled" in m else True
        pages = c.scalar(m["pages"], f"{where}.pages", (int,), "正整数") if "pages" in m else 1
        display = (c.text(m["name"], f"{where}.name") or "").strip() if "name" in m else ""
        channel, channel_why = (c.text(m["channel"], f"{where}.channel"), "配置指定") if "channel" in m else \
            default_channel(url or "", display, board, bool(superior), bool(own))
        if channel not in CHANNELS:
            c.problem(m["channel"], f"{where}.channel", f"应为 {' / '.join(CHANNELS)}, 实际是 {channel!r}")
            channel = "news"
        if pages is not None and not 1 <= pages <= 20:
            c.problem(m["pages"], f"{where}.pages", "应为 1 到 20")
            pages = 1
        source_tz = c.text(m["tz"], f"{where}.tz") if "tz" in m else None
        if source_tz is not None:
            try:
                ZoneInfo(source_tz)
            except (ZoneInfoNotFoundError, ValueError):
                c.problem(m["tz"], f"{where}.tz", f"未知的时区 {source_tz!r}")
                source_tz = None
        if board is not None and board not in BOARD_STATES:
            c.problem(m["board"], f"{where}.board", f"应为 {' / '.join(BOARD_STATES)}, 实际是 {board!r}")
            board = None
        authority = 1.0
        if "authority" in m:
            a = c.scalar(m["authority"], f"{where}.authority", (int, float), "数字")
            authority = float(a) if a is not None else 1.0
        selectors = None
        if "selectors" in m:
            s = c.mapping(m["selectors"], f"{where}.selectors",
                          ("item", "title", "link", "date", "summary", "next"), required=("item", "title", "link"))
            if s is not None:
                vals = {k: c.text(v, f"{where}.selectors.{k}") for k, v in s.items()}
                if {"item", "title", "link"} <= vals.keys() and None not in vals.values():
                    selectors = Selectors(**vals)
        elif kind == "html":
            c.problem(item, where, "html 来源需要 selectors (item, title, link)")
        if sid and kind and url:
            out.append(Source(sid, kind, url, interval_s or 600, bool(own), authority, selectors, bool(superior),
                              board, robots is not False, source_tz, bool(article), pages or 1, channel, display,
                              channel_why, expect_new_s, enabled is not False))
    return tuple(out)
