"""Mastodon accounts: https://<instance>/@<account>.rss (RSS 2.0; a status has no title, its HTML in description).

The entry id is the status URL (``guid``).
"""

from django.utils.translation import gettext_lazy

from channels_registry.feeds import Connector, register
from channels_registry.feeds.http import read_with, standard_entry

CONNECTOR = register(
    Connector(
        kind="mastodon", label=gettext_lazy("Mastodon account"), interval_minutes=15, read=read_with(standard_entry)
    )
)
