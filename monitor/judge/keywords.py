"""An issue's keywords: TF-IDF over its titles, the agency's own names left out.

Computed when an issue's members change (store.issues.refresh) and stored, so reading them costs nothing.
"""
from __future__ import annotations

from .words import top_tags

TOP_K = 5
TITLES = 30        # an issue's first original titles are enough to name it


def keywords(titles: list[str], exclude: tuple[str, ...] = (), k: int = TOP_K) -> list[str]:
    text = " ".join(titles)
    for word in sorted(exclude, key=len, reverse=True):
        text = text.replace(word, " ")
    return top_tags(text, k) if text.strip() else []
