"""Requests that ask for the same information: titles compared as sets of character bigrams after the
request's own boilerplate is removed. Several within a period are candidates for 主动公开."""
from __future__ import annotations

import re

BOILERPLATE = re.compile(r"申请|公开|政府信息|信息|关于|请求|要求|提供|查询|的|[\s\W_]+")
THRESHOLD = 0.5


def key(title: str) -> frozenset[str]:
    text = BOILERPLATE.sub("", title or "")
    return frozenset(text[i:i + 2] for i in range(len(text) - 1)) or frozenset({text})


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def groups(items: list[tuple[int, str]], threshold: float = THRESHOLD) -> list[list[int]]:
    """Ids grouped by similar titles (single link), only groups of two or more, largest first."""
    keys = [(i, key(t)) for i, t in items]
    parent = {i: i for i, _ in keys}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for n, (i, a) in enumerate(keys):
        for j, b in keys[n + 1:]:
            if jaccard(a, b) >= threshold:
                parent[root(j)] = root(i)
    out: dict[int, list[int]] = {}
    for i, _ in keys:
        out.setdefault(root(i), []).append(i)
    return sorted((g for g in out.values() if len(g) > 1), key=lambda g: (-len(g), g[0]))
