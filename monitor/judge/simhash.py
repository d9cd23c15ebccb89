"""64-bit SimHash over character 3-grams, for near-duplicate posts (转载 with small edits).

Two texts whose fingerprints differ in at most NEAR_BITS bits are near-duplicates (measured:
lightly edited reposts of ~80 characters differ by 4–5 bits, distinct posts on the same event
by 10 or more). The fingerprint is stored as six bands (11, 11, 11, 11, 10, 10 bits): by the
pigeonhole principle two fingerprints within 5 bits share at least one band exactly, so
candidates come from an indexed lookup.
"""
from __future__ import annotations

import hashlib
import re

NEAR_BITS = 5
BAND_BITS = (11, 11, 11, 11, 10, 10)
_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def simhash(text: str) -> int | None:
    s = "".join(_KEEP.findall(text))
    if len(s) < 12:                       # too short to call anything a near-duplicate
        return None
    bits = [format(int.from_bytes(hashlib.blake2b(s[i:i + 3].encode("utf-8"), digest_size=8).digest(), "big"),
                   "064b") for i in range(len(s) - 2)]
    half = len(bits) / 2
    fp = 0
    for column in zip(*bits):                 # column 0 is the most significant bit
        fp = fp << 1 | (column.count("1") > half)
    return fp


def bands(fp: int) -> tuple[int, ...]:
    out, shift = [], 0
    for width in BAND_BITS:
        out.append((fp >> shift) & ((1 << width) - 1))
        shift += width
    return tuple(out)


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def to_signed(fp: int) -> int:
    """SQLite integers are signed 64-bit."""
    return fp - (1 << 64) if fp >= 1 << 63 else fp


def from_signed(v: int) -> int:
    return v + (1 << 64) if v < 0 else v
