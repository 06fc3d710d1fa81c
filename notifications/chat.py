"""What a notification looks like in Slack (Block Kit, through an incoming webhook) and in Microsoft Teams (an
Adaptive Card, through a workflow webhook), and which notifications a department's chat channel hears.

The cards carry the notification's title and body as text (Slack: escaped for mrkdwn as Slack documents it,
https://api.slack.com/reference/surfaces/formatting#escaping) and one button back to the page it is about.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from notifications.choices import ChatKind

# Slack: a section's text holds at most 3,000 characters, the fallback text 40,000 (kept far shorter here);
# Teams: a card is at most about 28 KB. Long bodies are cut with an ellipsis; the button opens the whole thing.
SLACK_SECTION_MAX = 3000
BODY_MAX = 2000
FALLBACK_MAX = 300

# What a department's chat channel hears: reviews and decisions of its posts and channels (not the personal
# notifications of its members: their own targets hear those).
DEPARTMENT_EVENTS = frozenset(
    {
        "post.review_requested",
        "post.review_escalated",
        "post.stage_approved",
        "post.approved",
        "post.changes_requested",
        "post.rejected",
        "post.published",
        "channel.registered",
        "channel.security_review_requested",
        "channel.approved",
        "channel.rejected",
        "channel.activated",
        "channel.retirement_proposed",
    }
)


def department_of(target: Any) -> int | None:
    """The department a notification's target belongs to (a channel's; a post's channel's), or None."""
    if target is None:
        return None
    department_id = getattr(target, "department_id", None)
    if department_id is None and hasattr(target, "channel_id") and target.channel_id:
        department_id = getattr(target.channel, "department_id", None)
    return department_id


def _cut(text: str, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def slack_escape(text: str) -> str:
    """Slack's three control characters, as Slack asks: &, < and > (so no text becomes a link or a mention)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(*, title: str, body: str, url: str) -> dict[str, Any]:
    title, body = _cut(title, 200), _cut(body, BODY_MAX)
    text = f"*{slack_escape(title)}*" + (f"\n{slack_escape(body)}" if body else "")
    return {
        "text": slack_escape(_cut(title, FALLBACK_MAX)),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SLACK_SECTION_MAX)}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _("Open in socialgov"), "emoji": False},
                        "url": url,
                        "action_id": "open",
                    }
                ],
            },
        ],
        "unfurl_links": False,
    }


def teams_payload(*, title: str, body: str, url: str) -> dict[str, Any]:
    title, body = _cut(title, 200), _cut(body, BODY_MAX)
    blocks: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
    ]
    if body:
        blocks.append({"type": "TextBlock", "text": body, "wrap": True})
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": blocks,
                    "actions": [{"type": "Action.OpenUrl", "title": _("Open"), "url": url}],
                },
            }
        ],
    }


def payload_for(kind: str, *, title: str, body: str, url: str) -> dict[str, Any]:
    if kind == ChatKind.SLACK:
        return slack_payload(title=title, body=body, url=url)
    return teams_payload(title=title, body=body, url=url)
