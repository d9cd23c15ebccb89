"""HTTP fetching for sources: timeouts, a body-size cap, a redirect limit, conditional GET."""
from __future__ import annotations

import logging

import httpx

from . import __version__
from .errors import FetchError
from .models import FetchResult

log = logging.getLogger(__name__)

USER_AGENT = f"Mozilla/5.0 (compatible; monitor/{__version__}; public-opinion monitor of a government agency)"
MAX_BODY_BYTES = 10 * 1024 * 1024


def make_client(timeout_s: float = 20.0, connect_timeout_s: float = 10.0) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
        follow_redirects=True, max_redirects=5,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
    )


def fetch(client: httpx.Client, source_id: str, url: str, etag: str | None = None,
          last_modified: str | None = None, max_bytes: int = MAX_BODY_BYTES) -> FetchResult:
    """GET `url`; a 304 is a success with an empty body. Raises FetchError with a reason."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with client.stream("GET", url, headers=headers) as resp:
            if resp.status_code == 304:
                return FetchResult(source_id, str(resp.url), 304, b"", "", etag, last_modified)
            if resp.status_code >= 400:
                raise FetchError(f"http_{resp.status_code}", f"{url} 返回 HTTP {resp.status_code}")
            chunks, size = [], 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError("too_large", f"响应超过 {max_bytes // 1024 // 1024} MB")
                chunks.append(chunk)
            return FetchResult(
                source_id, str(resp.url), resp.status_code, b"".join(chunks),
                resp.headers.get("content-type", ""),
                resp.headers.get("etag"), resp.headers.get("last-modified"),
            )
    except httpx.TooManyRedirects:
        raise FetchError("redirect_loop", f"{url} 重定向次数过多") from None
    except httpx.TimeoutException:
        raise FetchError("timeout", f"{url} 超时") from None
    except httpx.HTTPError as e:
        raise FetchError("network", f"{url}: {type(e).__name__}: {e}") from None
