"""What another app says on a detail page, without the page's app importing it.

An app above (records: the legal holds that cover a post or a channel) registers a provider in its
``AppConfig.ready``; the page's view asks ``for_object(obj, user)`` and passes the context it returns to its
template, which includes the notice's template by name. Each provider reads what it needs in a bounded number of
queries, in the view, never from the template.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Provider = Callable[[Any, Any], dict[str, Any]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider of a detail page's notice context (once: registering it again changes nothing)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def for_object(obj: Any, user: Any) -> dict[str, Any]:
    """The notices' context for ``obj``'s page as ``user`` sees it."""
    context: dict[str, Any] = {}
    for provider in _providers:
        context.update(provider(obj, user))
    return context
