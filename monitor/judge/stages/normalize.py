"""Canonical URL, content hash and publication time of a raw item."""
from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..candidate import Candidate, Drop
from ..timeparse import parse_published

_TRACKING = re.compile(r"^(utm_.*|spm|from|source|src|share.*|isappinstalled|scene|wfr|_t|timestamp)$", re.I)


def canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, query, ""))


def content_hash(title: str, body: str) -> str:
    text = re.sub(r"\s+", "", f"{title}\n{body}")
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def stage(c: Candidate, ctx) -> Candidate | Drop:
    if not c.raw.link:
        return Drop.NO_LINK
    try:
        url = canonical_url(c.raw.link)
    except ValueError:
        return Drop.BAD_LINK
    override = ctx.source_tz.get(c.source_id)
    parsed = parse_published(c.raw.published_text, c.seen_at, override or ctx.tz, force_tz=override is not None)
    return c.but(
        canonical_url=url,
        title=c.raw.title,
        body=c.raw.summary,
        content_hash=content_hash(c.raw.title, c.raw.summary),
        published_at=parsed.at if parsed else None,
        published_precision=parsed.precision if parsed else None,
        published_clamped=bool(parsed and parsed.clamped),
    )
