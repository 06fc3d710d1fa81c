"""YouTube channels: https://www.youtube.com/feeds/videos.xml?channel_id=… (Atom with yt: and media: elements).

The entry id is ``yt:video:<id>``; the text is the title and the video's description (``media:description``).
"""

from django.utils.translation import gettext_lazy

from channels_registry.feeds import Connector, Entry, register
from channels_registry.feeds.http import read_with, standard_entry


def entry_of(item) -> Entry | None:
    return standard_entry(item, text_keys=("media_description", "summary"))


CONNECTOR = register(
    Connector(kind="youtube", label=gettext_lazy("YouTube channel"), interval_minutes=60, read=read_with(entry_of))
)
