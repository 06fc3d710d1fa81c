"""Fetching a feed: conditional GET, timeouts, a size limit and the outbound address guard on every hop.

``fetch`` never raises for what a feed or a network can do wrong: it answers a ``Result`` whose status
says what happened (ok, not modified, blocked, too large, timed out, unreachable, HTTP error, too many
redirects), so the periodic task goes on with the next feed.
"""

from __future__ import annotations

import time
from calendar import timegm
from datetime import UTC, datetime
from html import unescape

import feedparser
import requests
from django.conf import settings
from django.utils.html import strip_tags

from channels_registry.choices import FeedStatus
from channels_registry.feeds import Entry, Result
from core.outbound import OutboundRefused
from core.outbound import get as outbound_get

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "socialgov-feed-reader/1 (+https://github.com/socialgov)"


class _Stop(Exception):
    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _get(url: str, headers: dict[str, str]) -> requests.Response:
    timeout = settings.FEED_TIMEOUT_SECONDS
    try:
        return outbound_get(url, max_redirects=MAX_REDIRECTS, headers=headers, timeout=(timeout, timeout), stream=True)
    except OutboundRefused as exc:
        raise _Stop(FeedStatus.BLOCKED, str(exc)) from exc
    except requests.TooManyRedirects as exc:
        raise _Stop(FeedStatus.TOO_MANY_REDIRECTS, str(exc)) from exc


def _body(response: requests.Response, deadline: float) -> bytes:
    limit = settings.FEED_MAX_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _Stop(FeedStatus.TOO_LARGE, f"The feed is {int(declared):,} bytes; at most {limit:,} are read.")
    data = bytearray()
    for chunk in response.iter_content(CHUNK):
        data += chunk
        if len(data) > limit:
            raise _Stop(FeedStatus.TOO_LARGE, f"The feed is larger than {limit:,} bytes; at most that is read.")
        if time.monotonic() > deadline:  # a server that drips: the whole read has one time limit
            raise _Stop(FeedStatus.TIMEOUT, f"The feed took longer than {settings.FEED_TIMEOUT_SECONDS} s to read.")
    return bytes(data)


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> tuple[Result, bytes]:
    """The document at ``url`` (empty when not modified or on failure) and the Result so far."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + settings.FEED_TIMEOUT_SECONDS
    try:
        response = _get(url, headers)
        with response:
            if response.status_code == 304:
                return Result(
                    FeedStatus.NOT_MODIFIED, "Not modified since the last read.", [], etag, last_modified
                ), b""
            if response.status_code != 200:
                return Result(FeedStatus.HTTP_ERROR, f"The server answered {response.status_code}."), b""
            body = _body(response, deadline)
            new_etag = response.headers.get("ETag", "")[:200]
            new_modified = response.headers.get("Last-Modified", "")[:100]
    except _Stop as stop:
        return Result(stop.status, stop.message), b""
    except requests.Timeout:
        return Result(FeedStatus.TIMEOUT, f"No answer within {settings.FEED_TIMEOUT_SECONDS} s."), b""
    except requests.RequestException as exc:
        return Result(FeedStatus.UNREACHABLE, f"Could not connect: {type(exc).__name__}."), b""
    return Result(FeedStatus.OK, "", [], new_etag, new_modified), body


def _when(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(timegm(parsed), tz=UTC) if parsed else None


def plain(html: str) -> str:
    return " ".join(unescape(strip_tags(html or "")).split())


def parse(body: bytes, url: str, entry_of) -> tuple[list[Entry], str, str]:
    """Entries (``entry_of`` turns a feedparser entry into an Entry or None), and a status and message
    when the document is not well-formed (the entries the lenient parser still found are kept)."""
    document = feedparser.parse(body, response_headers={"content-location": url})
    entries = [e for e in (entry_of(item) for item in document.entries) if e is not None]
    # a feed served as text/plain, or in another encoding than it declares, is still read
    harmless = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    if document.bozo and not isinstance(document.bozo_exception, harmless):
        problem = str(document.bozo_exception)[:200]
        return entries, FeedStatus.MALFORMED, f"The feed is not well-formed XML: {problem}"
    if not document.version and not entries:
        return [], FeedStatus.MALFORMED, "This is not an RSS or Atom feed."
    return entries, FeedStatus.OK, ""


def read_with(entry_of):
    """A connector's ``read``: fetch, then parse with the connector's ``entry_of``."""

    def read(url: str, *, etag: str = "", last_modified: str = "") -> Result:
        result, body = fetch(url, etag=etag, last_modified=last_modified)
        if result.status != FeedStatus.OK:
            return result
        result.entries, result.status, result.message = parse(body, url, entry_of)
        return result

    return read


def standard_entry(item, *, text_keys=("summary",)) -> Entry | None:
    link = item.get("link", "")
    ident = item.get("id") or link
    if not ident:
        return None
    title = plain(item.get("title", ""))
    parts = [title]
    content = item.get("content")
    if content:
        parts.append(plain(content[0].get("value", "")))
    else:
        parts += [plain(item.get(k, "")) for k in text_keys]
    text = " ".join(p for p in dict.fromkeys(parts) if p)
    return Entry(id=str(ident)[:500], url=link[:500], title=title[:300], text=text[:10_000], published_at=_when(item))
