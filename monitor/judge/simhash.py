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
import struct

NEAR_BITS = 5
BAND_BITS = (11, 11, 11, 11, 10, 10)
_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def simhash(text: str) -> int | None:
    s = "".join(_KEEP.findall(text))
    if len(s) < 12:                       # too short to call anything a near-duplicate
        return None
    n = len(s) - 2
    if n >= 1 << _FIELD:                  # more grams than a counter field holds (never, at 800 characters)
        return _simhash_slow(s)
    global _SPREAD
    grams = [s[i:i + 3] for i in range(n)]
    table = _SPREAD                       # this call's reference: another thread may start a new table meanwhile
    missing = set(grams).difference(table)
    if len(table) + len(missing) > _SPREAD_MAX:      # bounded: start afresh rather than grow
        table = _SPREAD = {}
        missing = set(grams)
    for gram in missing:
        table[gram] = _spread(gram)
    total = sum(map(table.__getitem__, grams))       # big-integer additions count all 64 bit positions at once
    counts = _FIELDS.unpack(total.to_bytes(8 * _FIELD, "big"))  # grams with each bit set, most significant first
    return int("".join("1" if c * 2 > n else "0" for c in counts), 2)


_FIELD = 16                               # bits per counter in the spread form
_SPREAD: dict[str, int] = {}              # gram -> its hash in spread form; Chinese text repeats its grams
_SPREAD_MAX = 50_000                      # about 12 MB at most; emptied when full
_FIELDS = struct.Struct(">64H")           # 64 big-endian counters of _FIELD = 16 bits
_ONES = str.maketrans({"0": "\x00\x00", "1": "\x00\x01"})


def _hash(gram: str) -> int:
    return int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest(), "big")


def _spread(gram: str) -> int:
    """The gram's 64-bit hash with each bit widened to a _FIELD-bit counter (bit k in field k)."""
    return int.from_bytes(format(_hash(gram), "064b").translate(_ONES).encode("latin-1"), "big")


def _simhash_slow(s: str) -> int:
    hashes = [_hash(s[i:i + 3]) for i in range(len(s) - 2)]
    return sum(1 << bit for bit in range(64) if sum(h >> bit & 1 for h in hashes) * 2 > len(hashes))


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
