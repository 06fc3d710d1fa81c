"""A post as each network will show it: where it folds behind "see more", what goes over the limit, its
hashtags, mentions and links, the link card and how the feed crops an image.

One component for every page that previews (the composer, the post page, the queue's expanded row): the
pages render ``approvals/_preview.html`` with what ``preview`` returns. The folds and crops are the networks'
feed defaults as they publish or as they are widely measured; they change now and then, so a preview is a
guide, and the platform's own ``char_limit`` in the catalogue stays the rule submit enforces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy

from policies.choices import PlatformKind


@dataclass(frozen=True)
class Network:
    label: str
    fold: int | None = None  # characters the feed shows before its "see more"
    more: str = "… more"  # what the feed says there
    link_length: int | None = None  # every link counts as this many characters (X and Mastodon: 23)
    card: bool = True  # the first link shows as a card
    crop: str = "16x9"  # the feed's image crop, width x height (the CSS class crop-<this>)
    style: str = "feed"  # the component's look: feed, video, article, chat


NETWORKS: dict[str, Network] = {
    "x": Network("X", link_length=23, crop="16x9"),
    "mastodon": Network("Mastodon", link_length=23, crop="16x9"),
    "linkedin": Network("LinkedIn", fold=210, more="…see more", crop="191x100"),
    "facebook": Network("Facebook", fold=477, more="… See more", crop="191x100"),
    "instagram": Network("Instagram", fold=125, more="… more", card=False, crop="4x5"),  # links in captions are text
    "youtube": Network("YouTube", fold=157, more="...more", card=False, crop="16x9", style="video"),
    "tiktok": Network("TikTok", fold=80, more="... more", card=False, crop="9x16", style="video"),
}
BY_KIND: dict[str, Network] = {
    PlatformKind.VIDEO: Network(gettext_lazy("Video"), fold=157, card=False, style="video"),
    PlatformKind.BLOG: Network(gettext_lazy("Blog"), fold=300, more=gettext_lazy("Read more"), style="article"),
    PlatformKind.FORUM: Network(gettext_lazy("Forum"), style="article"),
    PlatformKind.MESSAGING: Network(gettext_lazy("Messaging"), card=False, crop="4x3", style="chat"),
}
GENERIC = Network(gettext_lazy("Post"))

# A link, a #hashtag or an @mention (an @ after a letter is an e-mail address, not a mention).
TOKEN_RE = re.compile(
    r"(?P<link>\bhttps?://[^\s<>\"']+|\bwww\.[^\s<>\"']+)"
    r"|(?<![\w#])(?P<hashtag>#\w+)"
    r"|(?<![\w@])(?P<mention>@\w+(?:@[\w.-]+\w)?)"
)


@dataclass
class Piece:
    text: str
    kind: str = "text"  # text, link, hashtag, mention
    over: bool = False  # past the platform's limit: the network would refuse or cut it


@dataclass
class Preview:
    network: Network
    shown: list[Piece] = field(default_factory=list)  # before the fold
    folded: list[Piece] = field(default_factory=list)  # behind "see more"
    length: int = 0  # as the network counts it
    limit: int | None = None
    card: str = ""  # the first link's host, when the network shows a card
    image: str = ""  # the first image's address
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)

    @property
    def over_by(self) -> int:
        return max(0, self.length - self.limit) if self.limit else 0


def network_for(platform) -> Network:
    if platform is None:
        return GENERIC
    return NETWORKS.get(platform.slug) or BY_KIND.get(platform.kind, GENERIC)


def _host(link: str) -> str:
    try:
        return (urlsplit(link if "://" in link else f"https://{link}").hostname or "").removeprefix("www.")
    except ValueError:
        return ""


def _tokens(body: str) -> list[Piece]:
    pieces, at = [], 0
    for match in TOKEN_RE.finditer(body):
        if match.start() > at:
            pieces.append(Piece(body[at : match.start()]))
        pieces.append(Piece(match.group(0), match.lastgroup))
        at = match.end()
    if at < len(body):
        pieces.append(Piece(body[at:]))
    return pieces


def _weight(piece: Piece, network: Network) -> int:
    if piece.kind == "link" and network.link_length:
        return network.link_length
    return len(piece.text)


def _split(pieces: list[Piece], at: int, network: Network) -> tuple[list[Piece], list[Piece]]:
    """The pieces before and after ``at`` characters as the network counts them (a link or tag is not cut)."""
    before, after, count = [], [], 0
    for piece in pieces:
        weight = _weight(piece, network)
        if count >= at:
            after.append(piece)
        elif count + weight <= at or piece.kind != "text":
            before.append(piece)
        else:
            cut = at - count
            before.append(Piece(piece.text[:cut], piece.kind, piece.over))
            after.append(Piece(piece.text[cut:], piece.kind, piece.over))
        count += weight
    return before, after


def preview(*, platform, body: str, links=(), images=()) -> Preview:
    """``body`` as ``platform``'s feed shows it, with the post's ``links`` (the first makes the card if the
    text has none) and ``images`` (addresses; the first is shown in the network's crop)."""
    network = network_for(platform)
    body = (body or "").replace("\r\n", "\n").strip()
    pieces = _tokens(body)
    length = sum(_weight(p, network) for p in pieces)
    limit = getattr(platform, "char_limit", None)
    if limit and length > limit:
        within, beyond = _split(pieces, limit, network)
        pieces = within + [Piece(p.text, p.kind, over=True) for p in beyond]
    shown, folded = _split(pieces, network.fold, network) if network.fold and length > network.fold else (pieces, [])
    text_links = [p.text for p in pieces if p.kind == "link"]
    first_link = next(iter([*text_links, *links]), "")
    return Preview(
        network=network,
        shown=shown,
        folded=folded,
        length=length,
        limit=limit,
        card=_host(first_link) if network.card and first_link else "",
        image=next(iter(images), ""),
        hashtags=[p.text for p in pieces if p.kind == "hashtag"],
        mentions=[p.text for p in pieces if p.kind == "mention"],
    )
