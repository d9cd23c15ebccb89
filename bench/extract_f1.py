"""Article main-text extraction measured on real GBK pages with hand-extracted text.

    .venv/bin/python bench/extract_f1.py

../shared/data/html/netease_gbk_2015: 20 NetEase finance article pages (GBK bytes, declaring
gb2312/gbk) and their hand-extracted bodies. Character-level precision/recall/F1: the multiset
of non-space characters extracted against the truth's, averaged over pages.
"""
from __future__ import annotations

import platform
import re
import time
from collections import Counter
from datetime import date
from pathlib import Path

from monitor.collect.parse import extract_article

DATA = Path("../shared/data/html/netease_gbk_2015")


def scores(pred: str, truth: str) -> tuple[float, float, float]:
    p, t = Counter(re.sub(r"\s+", "", pred)), Counter(re.sub(r"\s+", "", truth))
    common = sum((p & t).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(p.values()), common / sum(t.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def main() -> None:
    rows, started = [], time.perf_counter()
    for raw in sorted(DATA.glob("raw/*.html"), key=lambda f: int(f.stem)):
        truth = (DATA / "text" / f"{raw.stem}.txt").read_bytes().decode("gb18030", errors="replace")
        rows.append((raw.stem, *scores(extract_article(raw.read_bytes()), truth)))
    per_page_ms = (time.perf_counter() - started) / len(rows) * 1000
    n = len(rows)
    print(f"machine: {platform.machine()} CPython {platform.python_version()}, {date.today()}")
    print(f"pages {n}: precision {sum(r[1] for r in rows) / n:.3f}, recall {sum(r[2] for r in rows) / n:.3f}, "
          f"F1 {sum(r[3] for r in rows) / n:.3f}, {per_page_ms:.0f} ms/page")
    worst = min(rows, key=lambda r: r[3])
    print(f"lowest F1: page {worst[0]} ({worst[3]:.3f})")


if __name__ == "__main__":
    main()
