"""Chinese words from jieba, behind one lock (jieba's lazy initialisation is not thread-safe)."""
from __future__ import annotations

import threading

import jieba

jieba.setLogLevel(60)
_lock = threading.Lock()


def cut(text: str) -> list[str]:
    with _lock:
        return jieba.lcut(text)


def top_tags(text: str, k: int) -> list[str]:
    """The k words of `text` with the highest TF-IDF (jieba's own IDF table)."""
    import jieba.analyse        # loads jieba's part-of-speech tables (~1 s): only a collecting process needs it
    with _lock:
        return jieba.analyse.extract_tags(text, topK=k)
