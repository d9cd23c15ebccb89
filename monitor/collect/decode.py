"""Content-Encoding decoded as it streams, never past the size cap: a 50 KB brotli or gzip bomb that
would inflate to gigabytes stops at `max_bytes` of output, having held at most one small buffer more.
(httpx decodes each network chunk whole, so a small chunk of a bomb becomes gigabytes at once.)"""
from __future__ import annotations

import zlib

import brotli

from ..errors import FetchError

STEP = 64 * 1024        # at most this much output per decompression call


class _Identity:
    def feed(self, data: bytes):
        if data:
            yield data

    def finish(self):
        return iter(())


class _Zlib:
    def __init__(self, encoding: str):
        # gzip: gzip or zlib header; deflate: zlib-wrapped as the RFC says, raw deflate as some servers send
        self.encoding = encoding
        self.d = zlib.decompressobj(zlib.MAX_WBITS | 32 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS)
        self.started = False

    def feed(self, data: bytes):
        if not self.started and self.encoding == "deflate" and data:
            self.started = True
            if data[0] & 0x0F != 8:                 # no zlib header: raw deflate
                self.d = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            out = self.d.decompress(data, STEP)
            while out:
                yield out
                out = self.d.decompress(self.d.unconsumed_tail, STEP) if self.d.unconsumed_tail else b""
        except zlib.error as e:
            raise FetchError("bad_encoding", f"{self.encoding} 解压失败: {e}") from None

    def finish(self):
        try:
            tail = self.d.flush()
        except zlib.error as e:
            raise FetchError("bad_encoding", f"{self.encoding} 解压失败: {e}") from None
        return iter((tail,) if tail else ())


class _Brotli:
    def __init__(self):
        self.d = brotli.Decompressor()

    def feed(self, data: bytes):
        try:
            out = self.d.process(data, output_buffer_limit=STEP)
            while True:
                if out:
                    yield out
                if self.d.can_accept_more_data() or self.d.is_finished():
                    return
                out = self.d.process(b"", output_buffer_limit=STEP)
        except brotli.error as e:
            raise FetchError("bad_encoding", f"br 解压失败: {e}") from None

    def finish(self):
        return iter(())


def _decoder(encoding: str):
    e = encoding.strip().lower()
    if e in ("", "identity"):
        return _Identity()
    if e in ("gzip", "x-gzip", "deflate"):
        return _Zlib(e)
    if e == "br":
        return _Brotli()
    raise FetchError("bad_encoding", f"不支持的压缩方式 {encoding!r}")


class BoundedBody:
    """Raw bytes in (as they arrive), decoded bytes collected, FetchError('too_large') past max_bytes."""

    def __init__(self, content_encoding: str | None, max_bytes: int):
        # "gzip, br" means gzip was applied first: undo in reverse order
        self.stages = [_decoder(e) for e in reversed((content_encoding or "").split(","))] or [_Identity()]
        self.max_bytes = max_bytes
        self.size = 0
        self.parts: list[bytes] = []

    def _take(self, chunks) -> None:
        for c in chunks:
            self.size += len(c)
            if self.size > self.max_bytes:
                raise FetchError("too_large", f"响应超过 {self.max_bytes // 1024 // 1024} MB (解压后)")
            self.parts.append(c)

    def _through(self, i: int, chunks):
        if i == len(self.stages):
            yield from chunks
            return
        for c in chunks:
            yield from self._through(i + 1, self.stages[i].feed(c))

    def feed(self, raw: bytes) -> None:
        self._take(self._through(0, (raw,)))

    def finish(self) -> bytes:
        for i, stage in enumerate(self.stages):
            self._take(self._through(i + 1, stage.finish()))
        return b"".join(self.parts)
