"""Every real feed in ../shared/data/feeds either yields its items with readable text or is
reported broken with a reason (the table is docs/feed-outcomes.md, from bench/feed_outcomes.py)."""
from __future__ import annotations

import re

from conftest import bench_module, shared

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN1_MOJIBAKE = re.compile(r"[\u00c0-\u00ff]{2}|\ufffd|â€")


def test_every_real_feed_yields_readable_items_or_a_reason():
    shared("feeds/MANIFEST.tsv")
    feed_outcomes = bench_module("feed_outcomes")
    httpd, base = feed_outcomes.serve()
    try:
        rows = feed_outcomes.outcomes(base)
    finally:
        httpd.shutdown()
    assert len(rows) == 52
    by_file = {rel: (outcome, detail) for rel, outcome, detail in rows}
    for rel, (outcome, detail) in by_file.items():
        assert outcome.endswith("items") or (outcome == "reported broken" and ":" in detail), rel
        chinese = rel.startswith(("chardet_gb2312/", "chardet_big5/")) or rel.startswith("rss_parser/qq_")
        if chinese and outcome.endswith("items") and not outcome.startswith("0 "):
            assert not LATIN1_MOJIBAKE.search(detail), (rel, detail)
    chinese_titles = [d for r, (o, d) in by_file.items() if r.startswith("chardet_gb2312/")]
    assert sum(bool(CJK.search(d)) for d in chinese_titles) >= 10     # GB2312 blogs read as Chinese
    assert by_file["rss_parser/unrecognized.rss"][0] == "reported broken"
    assert by_file["feedparser_illformed/rss_empty_document.xml"][0] == "reported broken"
    assert by_file["rss_parser/qq_news_china_gb2312.xml"] == ("20 items", "习近平为何如此强调崇尚英雄？")
    assert by_file["feedparser_illformed/chardet_gb2312_no_decl.xml"][1] == "不归移民漫画系列：专业工作"
