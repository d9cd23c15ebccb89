"""HTTP fetching for sources.

Timeouts, a body-size cap, a redirect limit, retries with exponential backoff and jitter for
transient failures (timeouts, resets, 5xx, 429 honouring Retry-After), per-host politeness
(one request at a time per host, a minimum delay between them), robots.txt with wildcards
(protego, the parser Scrapy uses; a source may opt out: the agency's own site), a real User-Agent, compression, and conditional GET (ETag /
Last-Modified; a 304 is a success with no work). Waiting goes through an injected `sleep`.
"""
from __future__ import annotations

import ipaddress
import logging
import random
import socket
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from protego import Protego

from .. import __version__
from ..config.schema import FetchPolicy
from ..errors import FetchError
from .decode import BoundedBody

log = logging.getLogger(__name__)

USER_AGENT = f"Mozilla/5.0 (compatible; monitor/{__version__}; public-opinion monitor of a government agency)"
ROBOT_NAME = "monitor"
ROBOTS_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class FetchResult:
    source_id: str
    url: str                  # final URL after redirects
    status: int
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304



def make_client(policy: FetchPolicy = FetchPolicy()) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(policy.timeout_s, connect=policy.connect_timeout_s),
        follow_redirects=True, max_redirects=5,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate, br"},   # decoded in decode.py
    )


class _Transient(Exception):
    def __init__(self, reason: str, detail: str, wait_s: float | None = None):
        self.reason, self.detail, self.wait_s = reason, detail, wait_s


class Fetcher:
    def __init__(self, client: httpx.Client | None = None, policy: FetchPolicy = FetchPolicy(),
                 sleep=time.sleep, monotonic=time.monotonic, rng: random.Random | None = None):
        self.policy = policy
        self.client = client or make_client(policy)
        self.sleep, self.monotonic = sleep, monotonic
        self.rng = rng or random.Random()
        self._guard = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._host_last: dict[str, float] = {}
        self._robots: dict[str, Protego | None] = {}
        self._origin = threading.local()        # the host:port the source being fetched is configured on
        self.client.event_hooks.setdefault("request", []).append(self._refuse_internal_target)

    def _refuse_internal_target(self, request: httpx.Request) -> None:
        """SSRF: every request (a redirect, an article link) to a loopback, link-local, private or reserved
        address is refused unless it is the host and port the source itself is configured on (agencies run
        RSSHub on 127.0.0.1:1200: a source configured there stays allowed)."""
        target = (request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80))
        if target == getattr(self._origin, "value", None):
            return
        if internal_address(request.url.host, target[1]):
            raise FetchError("blocked_target", f"拒绝访问内部地址 {request.url.host}:{target[1]} "
                                               "(重定向或链接指向本机或内网, 与来源配置的地址不同)")

    def close(self) -> None:
        self.client.close()

    def _host_lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._host_locks.setdefault(host, threading.Lock())

    def _polite(self, host: str) -> None:
        last = self._host_last.get(host)
        if last is not None:
            wait = self.policy.host_delay_s - (self.monotonic() - last)
            if wait > 0:
                self.sleep(wait)
        self._host_last[host] = self.monotonic()

    def fetch(self, source_id: str, url: str, etag: str | None = None, last_modified: str | None = None,
              robots: bool = True, origin: str | None = None) -> FetchResult:
        """`origin`: the source's configured URL when `url` is another (an article, a next page)."""
        configured = httpx.URL(origin or url)
        self._origin.value = (configured.host, configured.port or (443 if configured.scheme == "https" else 80))
        host = urlsplit(url).netloc
        with self._host_lock(host):                 # one request at a time per host
            if robots and not self._allowed(url, host):
                raise FetchError("robots", f"robots.txt 不允许抓取 {url} (可在来源上设置 robots: false)")
            attempt = 0
            while True:
                self._polite(host)
                try:
                    return self._within_total(url, self._get, source_id, url, etag, last_modified)
                except _Transient as t:
                    if attempt >= self.policy.retries:
                        raise FetchError(t.reason, t.detail) from None
                    backoff = min(self.policy.backoff_max_s, self.policy.backoff_base_s * 2 ** attempt)
                    wait = t.wait_s if t.wait_s is not None else backoff * (0.5 + self.rng.random())
                    log.info("fetch retry source=%s reason=%s wait_s=%.1f", source_id, t.reason, wait)
                    self.sleep(min(wait, self.policy.backoff_max_s))
                    attempt += 1

    def _within_total(self, url: str, fn, *args):
        """`fn(*args)` bounded by the total time in real seconds. The body is cut in `_read`; this bounds
        what httpx cannot: response headers (and a robots.txt's) dripped a byte at a time, each byte
        restarting the read timeout. The request left behind ends in its own thread."""
        outcome: dict = {}
        origin = getattr(self._origin, "value", None)

        def run() -> None:
            self._origin.value = origin         # the SSRF guard's allowed host:port, in this thread too
            try:
                outcome["value"] = fn(*args)
            except BaseException as e:      # noqa: BLE001 - re-raised in the caller's thread
                outcome["error"] = e
        worker = threading.Thread(target=run, name="fetch", daemon=True)
        worker.start()
        worker.join(self.policy.total_timeout_s + 1.0)
        if worker.is_alive():
            raise _Transient("timeout", f"{url} 超过总时限 {self.policy.total_timeout_s:.0f} 秒仍未传完 (响应头迟迟不完整)")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _read(self, resp: httpx.Response, url: str, started: float, max_bytes: int | None = None) -> bytes:
        """The body, decoded as it streams (bounded output: see decode.py), within the total time: the
        read timeout restarts with every byte, so a server dripping one byte a second is cut off here."""
        body = BoundedBody(resp.headers.get("content-encoding"), max_bytes or self.policy.max_bytes)
        for raw in resp.iter_raw():             # as each network read arrives (a chunk_size would re-buffer)
            body.feed(raw)
            if self.monotonic() - started > self.policy.total_timeout_s:
                raise _Transient("timeout", f"{url} 超过总时限 {self.policy.total_timeout_s:.0f} 秒仍未传完")
        return body.finish()

    def _get(self, source_id: str, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        started = self.monotonic()
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            with self.client.stream("GET", url, headers=headers, timeout=self._deadline(started)) as resp:
                if resp.status_code == 304:
                    return FetchResult(source_id, str(resp.url), 304, b"", "", etag, last_modified)
                if resp.status_code == 429 or resp.status_code >= 500:
                    raise _Transient(f"http_{resp.status_code}", f"{url} 返回 HTTP {resp.status_code}",
                                     _retry_after(resp.headers.get("retry-after")))
                if resp.status_code >= 400:
                    raise FetchError(f"http_{resp.status_code}", f"{url} 返回 HTTP {resp.status_code}")
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.policy.max_bytes:
                    raise FetchError("too_large", f"响应 {int(declared) // 1024 // 1024} MB 超过上限")
                body = self._read(resp, url, started)
                return FetchResult(source_id, str(resp.url), resp.status_code, body,
                                   resp.headers.get("content-type", ""), resp.headers.get("etag"),
                                   resp.headers.get("last-modified"))
        except httpx.TooManyRedirects:
            raise FetchError("redirect_loop", f"{url} 重定向次数过多") from None
        except httpx.TimeoutException:
            raise _Transient("timeout", f"{url} 超时") from None
        except httpx.HTTPError as e:
            raise _Transient("network", f"{url}: {type(e).__name__}: {e}") from None

    def _robots_txt(self, url: str) -> Protego | None:
        """robots.txt within the same limits as any fetch, and at most ROBOTS_MAX_BYTES of it (RFC 9309
        asks crawlers to read at least 500 KiB); none to be read means everything is allowed."""
        started = self.monotonic()
        try:
            with self.client.stream("GET", url, timeout=self._deadline(started)) as resp:
                if resp.status_code != 200:
                    return None
                body = self._read(resp, url, started, ROBOTS_MAX_BYTES)
        except FetchError as e:
            if e.reason != "too_large":
                return None
            log.info("robots.txt too large, ignored url=%s", url)
            return None
        except (_Transient, httpx.HTTPError):
            return None
        return Protego.parse(body.decode("utf-8", errors="replace"))

    def _deadline(self, started: float) -> httpx.Timeout:
        """httpx's per-phase timeouts, shortened so that connecting and the headers also fit the total."""
        left = max(0.5, self.policy.total_timeout_s - (self.monotonic() - started))
        return httpx.Timeout(min(self.policy.timeout_s, left), connect=min(self.policy.connect_timeout_s, left))

    def _allowed(self, url: str, host: str) -> bool:
        if host not in self._robots:
            parts = urlsplit(url)
            parser: Protego | None = None
            robots_url = f"{parts.scheme}://{host}/robots.txt"
            try:
                parser = self._within_total(robots_url, self._robots_txt, robots_url)
            except _Transient:
                parser = None               # none to be read in time: everything is allowed
            self._robots[host] = parser
        parser = self._robots[host]
        return parser is None or parser.can_fetch(url, ROBOT_NAME)


def internal_address(host: str, port: int) -> bool:
    """Whether the host is, or resolves to, a loopback, link-local, private, reserved or unspecified address."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return False                        # unresolvable: the request fails on its own
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_reserved or ip.is_unspecified \
                or ip.is_multicast:
            return True
    return False


def _retry_after(value: str | None, now_s: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds, or an HTTP-date (RFC 9110)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - (time.time() if now_s is None else now_s))
    except (TypeError, ValueError, IndexError):
        return None
