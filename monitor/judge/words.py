"""Chinese words from jieba, behind one lock (jieba's lazy initialisation is not thread-safe).
jieba is imported at the first cut, not with this module: it costs 0.1 s that read-only commands
(`issues`, `show`, `alerts`) never need."""
from __future__ import annotations

import threading

_lock = threading.Lock()
_jieba = None


def cut(text: str) -> list[str]:
    global _jieba
    with _lock:
        if _jieba is None:
            import jieba                   # noqa: PLC0415  (third-party and slow to import; see above)
            jieba.setLogLevel(60)
            _jieba = jieba
        return _jieba.lcut(text)
