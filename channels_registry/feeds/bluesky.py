"""Bluesky profiles: https://bsky.app/profile/<handle>/rss (RSS 2.0; the guid is the post's at:// URI)."""

from django.utils.translation import gettext_lazy

from channels_registry.feeds import Connector, register
from channels_registry.feeds.http import read_with, standard_entry

CONNECTOR = register(
    Connector(
        kind="bluesky", label=gettext_lazy("Bluesky profile"), interval_minutes=15, read=read_with(standard_entry)
    )
)
