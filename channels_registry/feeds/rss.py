"""Blogs and forums: any RSS 2.0 or Atom feed."""

from django.utils.translation import gettext_lazy

from channels_registry.feeds import Connector, register
from channels_registry.feeds.http import read_with, standard_entry

CONNECTOR = register(
    Connector(
        kind="rss",
        label=gettext_lazy("Blog or forum (RSS or Atom)"),
        interval_minutes=60,
        read=read_with(standard_entry),
    )
)
