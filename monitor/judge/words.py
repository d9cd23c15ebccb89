"""Chinese words from jieba, behind one lock (jieba's lazy initialisation is not thread-safe)."""
from __future__ import annotations

import threading

import jieba

jieba.setLogLevel(60)
_lock = threading.Lock()


def cut(text: str) -> list[str]:
    with _lock:
        return jieba.lcut(text)

