"""Feed connectors: read a channel's public feed for activity (and for posts made without approval).

One module per connector kind, each registering a ``Connector`` here: ``rss`` (blogs and forums: RSS or
Atom), ``youtube`` (a channel's Atom feed), ``mastodon`` (an account's RSS), ``bluesky`` (a profile's RSS).
A connector turns a fetched document into ``Entry`` values; fetching (conditional GET, timeouts, size
limit, the address guard) is shared (``feeds.http``). API connectors can register the same way, with a
``read`` of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Entry:
    id: str  # the feed's own id for the entry (guid, Atom id, video id), else its link
    url: str
    title: str
    text: str  # plain text: title and summary or content, markup removed
    published_at: datetime | None


@dataclass
class Result:
    status: str  # a FeedStatus value
    message: str = ""
    entries: list[Entry] = field(default_factory=list)
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Connector:
    kind: str
    label: str  # marked (gettext_lazy): the feed form shows it in the reader's language
    interval_minutes: int  # how often beat reads a feed of this kind
    read: Callable[..., Result]  # read(url, etag=..., last_modified=...) -> Result


REGISTRY: dict[str, Connector] = {}


def register(connector: Connector) -> Connector:
    REGISTRY[connector.kind] = connector
    return connector


def connector(kind: str) -> Connector:
    _load()
    return REGISTRY[kind]


def choices() -> list[tuple[str, str]]:
    _load()
    return [(c.kind, c.label) for c in REGISTRY.values()]


def _load() -> None:
    from channels_registry.feeds import bluesky, mastodon, rss, youtube  # noqa: F401 - they register themselves
