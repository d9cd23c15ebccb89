"""Three-class sentiment for news and social posts, scored in pure Python from a committed table.

The table (`models/sentiment.tsv.gz`, built by `monitor train-sentiment`, see sentiment_train.py)
holds, per character n-gram (1–4) of two namespaces (title + body, and the title alone between
start and end marks), its idf and
per source kind three class weights. Scoring reproduces the training library's decision values:
sublinear tf × idf, l2-normalised per namespace over the n-grams the model knows, dotted with the
weights, plus the intercepts; then the kind's decision biases choose the label, and the kind's
Platt calibration turns the negative decision value into P(negative).

Emoticons (`[怒]`), repeated punctuation (`！！！`) and netizen words reach the model as what they
are: character n-grams. No word segmenter is involved.
"""
from __future__ import annotations

import functools
import gzip
import json
import math
import os
import re
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput
from .candidate import SENTIMENTS

KINDS = ("news", "social")      # a source's `channel`: news sites and official accounts, or social posts
MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "sentiment.tsv.gz"
_SPACES = re.compile(r"\s\s+")
FORMAT = 2                      # 2: the title namespace reads `headline(title)`
HEADLINE = ("\x02", "\x03")     # start and end of text: marks around a headline, never in a post's text


@dataclass(frozen=True)
class Judgement:
    label: str
    score: float          # 0 = negative … 1 = positive: P(positive) + ½ P(neutral)
    negative: float       # calibrated probability that the post is negative


def normalise(text: str) -> str:
    """As the training library's `char` analyzer: lower-cased, runs of white space folded to one space."""
    return _SPACES.sub(" ", text.lower())


def grams(text: str, n_max: int) -> dict[str, int]:
    """Character 1…n_max-grams of normalised text with their counts."""
    text = normalise(text)
    counts: dict[str, int] = {}
    for n in range(1, n_max + 1):
        for i in range(len(text) - n + 1):
            counts[text[i:i + n]] = counts.get(text[i:i + n], 0) + 1
    return counts


def headline(title: str) -> str:
    """A title as the title namespace reads it: between two marks, so that how a headline begins (通报…)
    and ends (…被查) are n-grams of their own."""
    return f"{HEADLINE[0]}{title}{HEADLINE[1]}" if title else ""


def social_text(title: str, body: str) -> str:
    """A social post as one text: its body, which usually begins with what the feed calls its title."""
    if not body:
        return title
    return body if not title or body.startswith(title[:10]) else f"{title} {body}"


_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def escape(gram: str) -> str:
    """An n-gram as one field of a table line (n-grams may hold a tab or a newline)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in gram)


def unescape(field: str) -> str:
    return _UNESCAPE.sub(lambda m: _UNESCAPES[m[1]], field) if "\\" in field else field


@functools.lru_cache(maxsize=2)
def _load(path: str, mtime_ns: int, size: int, cls) -> "Model":
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return cls(json.loads(f.readline()), f)


class Model:
    """The table in memory: per kind its intercepts, biases and calibration, and per namespace a dict
    from n-gram to an offset into one flat array of (idf, w_positive, w_neutral, w_negative)."""

    def __init__(self, meta: dict, lines):
        if meta.get("format") != FORMAT:
            raise InvalidInput(f"情感模型表的格式是 {meta.get('format')}，本程序读取格式 {FORMAT}：请用 monitor train-sentiment 重建")
        self.n_max = meta["ngram_max"]
        spaces = {(kind, ns): ({}, array("d")) for kind in meta["kinds"] for ns in ("text", "title")}
        for line in lines:
            kind, ns, gram, *numbers = line.rstrip("\n").split("\t")
            index, values = spaces[kind, ns]
            index[sys.intern(unescape(gram))] = len(values)
            values.extend(map(float, numbers))
        self.kinds = {kind: (p["intercepts"], p["biases"], p["calibration"],
                             [spaces[kind, "text"], spaces[kind, "title"]]) for kind, p in meta["kinds"].items()}

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "Model":
        """The table at `path`, read once per process while the file stays the same (0.7 s to read; a
        model is never changed after loading, so every scorer of the process may share it)."""
        stat = os.stat(path)
        return _load(str(path), stat.st_mtime_ns, stat.st_size, cls)

    def decision(self, title: str, body: str = "", kind: str = "news") -> list[float]:
        """The three one-vs-rest decision values, as the training library computes them."""
        intercepts, _, _, spaces = self.kinds[kind if kind in self.kinds else "news"]
        out = list(intercepts)
        n_max = self.n_max
        for (index, w), text in zip(spaces, (f"{title} {body}", headline(title))):
            if not text:
                continue
            text = normalise(text)
            get = index.get
            counts: dict[int, int] = {}
            for n in range(1, n_max + 1):
                for i in range(len(text) - n + 1):
                    at = get(text[i:i + n])
                    if at is not None:
                        counts[at] = counts.get(at, 0) + 1
            a0 = a1 = a2 = norm2 = 0.0
            for at, tf in counts.items():
                v = w[at] if tf == 1 else (1.0 + math.log(tf)) * w[at]
                norm2 += v * v
                a0 += v * w[at + 1]
                a1 += v * w[at + 2]
                a2 += v * w[at + 3]
            if norm2:
                scale = 1.0 / math.sqrt(norm2)
                out[0] += a0 * scale
                out[1] += a1 * scale
                out[2] += a2 * scale
        return out

    def judge(self, title: str, body: str = "", kind: str = "news") -> Judgement:
        kind = kind if kind in self.kinds else "news"
        if kind != "news":          # social posts have no headline: the model read them as one text
            title, body = "", social_text(title, body)
        _, biases, (a, b), _ = self.kinds[kind]
        d = self.decision(title, body, kind)
        biased = [x + bias for x, bias in zip(d, biases)]
        best = max(range(3), key=biased.__getitem__)
        top = max(biased)
        p = [math.exp(x - top) for x in biased]
        z = sum(p)
        negative = 1.0 / (1.0 + math.exp(-(a * biased[2] + b)))
        return Judgement(SENTIMENTS[best], round((p[0] + 0.5 * p[1]) / z, 4), round(negative, 4))
