"""An issue's keywords: TF-IDF over its titles with jieba's own IDF table, the agency's own names left out.

The same ranking as `jieba.analyse.extract_tags`, computed here from jieba's segmentation and its
`idf.txt`: importing `jieba.analyse` loads jieba's part-of-speech tables, about 110 MB that a
collecting process has no other use for. Computed when an issue's members change
(store.issues.refresh) and stored, so reading them costs nothing.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from .words import cut

TOP_K = 5
TITLES = 30        # an issue's first original titles are enough to name it
STOP_WORDS = frozenset(("the", "of", "is", "and", "to", "in", "that", "we", "for", "an", "are", "by", "be", "as",
                        "on", "with", "can", "if", "from", "which", "you", "it", "this", "then", "at", "have", "all",
                        "not", "one", "has", "or"))      # jieba's own list
_load = threading.Lock()


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    with _load:
        table = {}
        with open(Path(find_spec("jieba").origin).parent / "analyse" / "idf.txt", encoding="utf-8") as f:
            for line in f:                      # line by line: the whole text at once doubles the peak
                word, value = line.split()
                table[word] = float(value)
        return table, sorted(table.values())[len(table) // 2]


def top_tags(text: str, k: int) -> list[str]:
    """The k words of `text` with the highest TF-IDF (ties keep first-seen order, as jieba does)."""
    freq: dict[str, float] = {}
    for w in cut(text):
        if len(w.strip()) >= 2 and w.lower() not in STOP_WORDS:
            freq[w] = freq.get(w, 0.0) + 1.0
    idf, median = _idf()
    total = sum(freq.values())
    for w in freq:
        freq[w] *= idf.get(w, median) / total
    return sorted(freq, key=freq.__getitem__, reverse=True)[:k]


def keywords(titles: list[str], exclude: tuple[str, ...] = (), k: int = TOP_K) -> list[str]:
    text = " ".join(titles)
    for word in sorted(exclude, key=len, reverse=True):
        text = text.replace(word, " ")
    return top_tags(text, k) if text.strip() else []
