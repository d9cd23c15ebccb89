"""The fetcher against a local server that misbehaves on purpose. Waiting (backoff, politeness,
Retry-After) goes through an injected sleep that records instead of sleeping."""
from __future__ import annotations

import gzip
import time
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import brotli
import pytest

from conftest import Route
from monitor.collect.decode import STEP, BoundedBody
from monitor.collect.fetch import Fetcher, _retry_after
from monitor.errors import FetchError
from monitor.config.schema import FetchPolicy

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 2))


@pytest.fixture
def sleeps():
    return Sleeps()


def fetcher(sleeps, **policy) -> Fetcher:
    policy = {"host_delay_s": 0.0, "timeout_s": 2.0, **policy}
    return Fetcher(policy=FetchPolicy(**policy), sleep=sleeps)


def test_server_errors_are_retried_with_growing_jittered_backoff_then_reported(web, sleeps):
    url = web.set("/e.xml", "oops", "text/plain", status=503)
    with pytest.raises(FetchError) as e:
        fetcher(sleeps, retries=2, backoff_base_s=1.0).fetch("s", url)
    assert e.value.reason == "http_503" and web.hits["/e.xml"] == 3
    assert 0.5 <= sleeps[0] <= 1.5 and 1.0 <= sleeps[1] <= 3.0


def test_429_honours_retry_after_and_then_succeeds(web, sleeps):
    web.routes["/r.xml"] = Route(429, b"slow down", "text/plain", headers=(("Retry-After", "7"),), then=Route(200, FEED))
    result = fetcher(sleeps).fetch("s", web.base_url + "/r.xml")
    assert result.status == 200 and sleeps == [7.0]


def test_a_reset_connection_is_retried_and_recovers(web, sleeps):
    web.routes["/x.xml"] = Route(misbehave="reset", then=Route(200, FEED))
    assert fetcher(sleeps).fetch("s", web.base_url + "/x.xml").body == FEED
    assert len(sleeps) == 1


def test_a_truncated_body_is_an_error_not_a_short_feed(web, sleeps):
    web.routes["/t.xml"] = Route(body=FEED, misbehave="truncate")
    with pytest.raises(FetchError) as e:
        fetcher(sleeps, retries=0).fetch("s", web.base_url + "/t.xml")
    assert e.value.reason == "network"


def test_a_hanging_server_times_out(web, sleeps):
    web.routes["/slow.xml"] = Route(body=FEED, delay_s=3.0)
    with pytest.raises(FetchError) as e:
        fetcher(sleeps, retries=0, timeout_s=0.5).fetch("s", web.base_url + "/slow.xml")
    assert e.value.reason == "timeout"


def test_a_50mb_body_is_cut_off_at_the_size_cap(web, sleeps):
    web.routes["/big.xml"] = Route(misbehave="stream_50mb")
    with pytest.raises(FetchError) as e:
        fetcher(sleeps, retries=0, max_bytes=5 * 1024 * 1024).fetch("s", web.base_url + "/big.xml")
    assert e.value.reason == "too_large"


def test_a_redirect_loop_is_reported(web, sleeps):
    web.routes["/a"] = Route(302, b"", headers=(("Location", "/b"),))
    web.routes["/b"] = Route(302, b"", headers=(("Location", "/a"),))
    with pytest.raises(FetchError) as e:
        fetcher(sleeps).fetch("s", web.base_url + "/a")
    assert e.value.reason == "redirect_loop"


def test_robots_txt_is_honoured_unless_the_source_opts_out(web, sleeps):
    web.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    url = web.set("/private/feed.xml", FEED)
    f = fetcher(sleeps)
    with pytest.raises(FetchError) as e:
        f.fetch("s", url)
    assert e.value.reason == "robots"
    assert f.fetch("own", url, robots=False).status == 200
    assert f.fetch("s", web.set("/public.xml", FEED)).status == 200


def test_requests_to_one_host_keep_the_minimum_delay(web, sleeps):
    url = web.set("/p.xml", FEED)
    now = [0.0]

    def sleep(seconds):
        sleeps(seconds)
        now[0] += seconds

    f = Fetcher(policy=FetchPolicy(host_delay_s=1.0), sleep=sleep, monotonic=lambda: now[0])
    f.fetch("s", url, robots=False)
    now[0] += 0.2
    f.fetch("s", url, robots=False)        # 0.2 s after the first: waits the other 0.8 s
    now[0] += 5.0
    f.fetch("s", url, robots=False)        # late enough: no wait
    assert sleeps == [0.8]


def test_conditional_get_turns_an_unchanged_feed_into_a_304(web, sleeps):
    web.routes["/c.xml"] = Route(body=FEED, headers=(("ETag", '"v1"'),))
    f = fetcher(sleeps)
    first = f.fetch("s", web.base_url + "/c.xml")
    web.routes["/c.xml"] = Route(304, b"")
    second = f.fetch("s", web.base_url + "/c.xml", etag=first.etag)
    assert first.etag == '"v1"' and second.not_modified and second.body == b""


def test_robots_txt_wildcards_and_end_anchors_are_honoured(web, sleeps):
    web.set("/robots.txt", "User-agent: *\nDisallow: /*.xml$\nDisallow: /*?print=\n", "text/plain")
    f = fetcher(sleeps)
    for path in ("/feeds/news.xml", "/a/page.html?print=1"):
        with pytest.raises(FetchError) as e:
            f.fetch("s", web.set(path, FEED))
        assert e.value.reason == "robots", path
    assert f.fetch("s", web.set("/feeds/news.xml?page=2", FEED)).status == 200     # `$` anchors the end
    assert f.fetch("s", web.set("/a/page.html", FEED)).status == 200


def test_429_with_an_http_date_retry_after_waits_until_that_date(web, sleeps):
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=20), usegmt=True)
    web.routes["/d.xml"] = Route(429, b"slow down", "text/plain", headers=(("Retry-After", when),),
                                 then=Route(200, FEED))
    result = fetcher(sleeps, backoff_max_s=60.0).fetch("s", web.base_url + "/d.xml")
    assert result.status == 200 and len(sleeps) == 1 and 15.0 <= sleeps[0] <= 20.0


def test_a_retry_after_date_in_the_past_means_retry_at_once():
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now_s=1_800_000_000) == 0.0
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now_s=1445412470) == 10.0
    assert _retry_after("120") == 120.0 and _retry_after("soon") is None and _retry_after(None) is None


def test_a_server_dripping_one_byte_at_a_time_is_cut_off_at_the_total_time(web, sleeps):
    # 300 bytes at 10 a second would take 30 s; each byte comes well within the read timeout
    web.routes["/drip.xml"] = Route(body=FEED + b" " * (300 - len(FEED)), misbehave="drip")
    started = time.monotonic()
    with pytest.raises(FetchError) as e:
        fetcher(sleeps, retries=0, timeout_s=5.0, total_timeout_s=1.0).fetch("s", web.base_url + "/drip.xml")
    assert e.value.reason == "timeout" and "总时限" in str(e.value)
    assert time.monotonic() - started < 10


def _bomb(encoding: str, size: int = 64 * 1024 * 1024) -> bytes:
    zeros = b"\0" * size
    if encoding == "br":
        return brotli.compress(zeros, quality=1)
    if encoding == "gzip":
        return gzip.compress(zeros, compresslevel=1)
    return zlib.compress(zeros, 1)


@pytest.mark.parametrize("encoding", ["br", "gzip", "deflate"])
def test_a_compressed_bomb_stops_at_the_cap_while_it_inflates(encoding):
    bomb = _bomb(encoding)
    body = BoundedBody(encoding, 1024 * 1024)
    with pytest.raises(FetchError) as e:
        body.feed(bomb)                     # the whole bomb in one network chunk
    assert e.value.reason == "too_large"
    assert body.size <= 1024 * 1024 + STEP  # never more than one step past the cap


@pytest.mark.parametrize("encoding", ["br", "gzip", "deflate"])
def test_a_compressed_feed_is_read_and_a_bomb_over_http_is_too_large(web, sleeps, encoding):
    packed = {"br": brotli.compress, "gzip": gzip.compress, "deflate": zlib.compress}[encoding](FEED)
    web.routes["/c.xml"] = Route(body=packed, headers=(("Content-Encoding", encoding),))
    assert fetcher(sleeps, retries=0).fetch("s", web.base_url + "/c.xml").body == FEED
    web.routes["/bomb.xml"] = Route(body=_bomb(encoding), headers=(("Content-Encoding", encoding),))
    with pytest.raises(FetchError) as e:
        fetcher(sleeps, retries=0, max_bytes=1024 * 1024).fetch("s", web.base_url + "/bomb.xml")
    assert e.value.reason == "too_large"


def test_a_huge_dripping_or_bombed_robots_txt_costs_a_bounded_read_and_allows(web, sleeps):
    web.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private\n" + b"#" * (3 * 1024 * 1024),
                                      content_type="text/plain")
    web.routes["/f.xml"] = Route(body=FEED)
    assert fetcher(sleeps, retries=0).fetch("s", web.base_url + "/f.xml").body == FEED
    web.routes["/robots.txt"] = Route(body=_bomb("br"), content_type="text/plain",
                                      headers=(("Content-Encoding", "br"),))
    assert fetcher(sleeps, retries=0).fetch("s", web.base_url + "/f.xml").body == FEED
    web.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /\n" + b"#" * 300, content_type="text/plain",
                                      misbehave="drip")
    started = time.monotonic()
    f = fetcher(sleeps, retries=0, timeout_s=5.0, total_timeout_s=1.0)
    assert f.fetch("s", web.base_url + "/f.xml").body == FEED
    assert time.monotonic() - started < 10


def test_a_redirect_to_another_internal_address_is_refused_and_nothing_from_it_is_stored(web, tmp_path, run):
    """SSRF: the feed answers 302 to a page on another port of this machine (an internal service); the source
    is configured on 127.0.0.1 too, but only its own host and port are allowed."""
    from conftest import WebServer, rss, write_config
    internal = WebServer()
    try:
        secret = internal.set("/admin.xml", rss([("青禾县审计局 内部系统 管理员密码", "http://intra.example/1", "",
                                                 "青禾县审计局 内网页面")]))
        web.set("/f.xml", b"", status=302, headers=(("Location", secret),))
        config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{web.base_url}/f.xml"}}\n')
        r = run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
        assert "拒绝访问内部地址" in r.output and internal.hits.get("/admin.xml") is None, r.output
        import sqlite3
        assert sqlite3.connect(tmp_path / "monitor.db").execute("select count(*) from posts").fetchone() == (0,)
        # the same host and port the source is configured on stays allowed (RSSHub on 127.0.0.1:1200)
        web.set("/f.xml", b"", status=302, headers=(("Location", f"{web.base_url}/g.xml"),))
        web.set("/g.xml", rss([("青禾县审计局通报", "http://a.example.cn/1", "", "青禾县审计局")]))
        r = run("--now", "2026-03-16T08:10+08:00", "collect", config=config)
        assert "正常" in r.output, r.output
    finally:
        internal.close()


def test_response_headers_dripped_a_byte_at_a_time_are_cut_at_the_total_time(sleeps):
    """httpx restarts its read timeout with every byte, headers included: the total bound covers them too,
    for the feed and for its robots.txt."""
    from conftest import HeaderDrip
    server = HeaderDrip()
    try:
        url = f"{server.base}/f.xml"
        started = time.monotonic()
        with pytest.raises(FetchError) as e:
            fetcher(sleeps, retries=0, timeout_s=5.0, total_timeout_s=1.0).fetch("s", url, robots=False)
        assert e.value.reason == "timeout" and "总时限" in str(e.value)
        # its robots.txt dripping the same way reads as none (allowed) within the total time, then the feed
        # is refused in time as well
        with pytest.raises(FetchError) as e:
            fetcher(sleeps, retries=0, timeout_s=5.0, total_timeout_s=1.0).fetch("s", url, robots=True)
        assert e.value.reason == "timeout"
        assert time.monotonic() - started < 30           # 2 × 60 s of headers, each byte within the read timeout
    finally:
        server.close()
