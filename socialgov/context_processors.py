import functools

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from accounts import permissions
from approvals.selectors import BANNER_KEY, lockdowns_for_banner
from notifications.selectors import unread_badge, unread_key
from records.permissions import can_read_records
from socialgov import cachekit

# The layout's links (templates/base.html: ``{{ nav_links.<key> }}``), by the URL name each reverses.
NAV_LINKS = {
    "dashboard": "dashboard",
    "channel_list": "channels_registry:channel_list",
    "my_channels": "channels_registry:my_channels",
    "platform_list": "policies:platform_list",
    "my_posts": "approvals:my_posts",
    "queue": "approvals:queue",
    "scheduled": "approvals:scheduled",
    "policy_list": "policies:policy_list",
    "course_list": "policies:course_list",
    "it_desk": "channels_registry:it_desk",
    "it_decisions": "it_decisions",
    "reports": "reports:index",
    "audit": "audit:list",
    "records": "records:index",
    "admin": "admin:index",
    "api_docs": "api-docs",
    "notifications": "notifications:list",
    "profile": "accounts:profile",
    "logout": "account_logout",
    "lockdowns": "approvals:lockdowns",
    "drift_list": "approvals:drift_list",
}


@functools.lru_cache(maxsize=16)
def _links(script_prefix: str, urlconf) -> dict[str, str]:
    return {key: reverse(name) for key, name in NAV_LINKS.items()}


@receiver(setting_changed)
def _forget_links(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":  # as Django forgets its own reversing caches (tests)
        _links.cache_clear()


def layout_links() -> dict[str, str]:
    """The layout's links, reversed once a process for each script prefix (and URLconf) they are served under:
    the same text ``{% url %}`` gave, at a dictionary lookup each instead of a reverse each, on every page."""
    return _links(get_script_prefix(), get_urlconf())


def _layout_keys(user) -> list[str]:
    return [unread_key(user.pk), BANNER_KEY]


cachekit.read_along(_layout_keys)


def navigation(request):
    """What the layout needs: its links, the roles that decide the menu, the unread count for the bell and, for
    signed-in people, the lockdowns in force for the banner."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": layout_links(), "signup_open": bool(settings.SIGNUP_EMAIL_DOMAINS)}

    # The bell's figure and the lockdowns in force, both kept in the cache, read in one round trip: the one that read
    # the page's first value kept for this person (socialgov.cachekit.read_along), or their own.
    keys = _layout_keys(user)
    kept = cachekit.along(user, keys)
    if kept is None:
        kept = cache.get_many(keys)
    return {
        "nav_links": layout_links(),
        "nav": {
            "it_security": permissions.is_it_security(user),
            "auditor": permissions.is_auditor(user),
            "communications": permissions.is_communications(user),
            "audit": permissions.can_read_audit(user),
            "records": can_read_records(user),
            "staff": user.is_staff,
        },
        # The bell: at most UNREAD_CAP rows counted, shown as "99+" beyond 99 (a COUNT over someone's 100,000
        # unread rows would cost more than the page), and kept in the cache until their notifications change.
        # Read when shown: a page kept whole renders the bell on each view, not with the page.
        "unread_count": SimpleLazyObject(functools.partial(unread_badge, user, kept.get(unread_key(user.pk)))),
        # The banner: read from the database (and kept again) only when the cache had nothing and the banner is
        # rendered, not at all when the view read the lockdowns itself (the post page passes its own).
        "lockdowns_in_force": SimpleLazyObject(
            functools.partial(lockdowns_for_banner, kept=kept.get(BANNER_KEY), user=user)
        ),
    }


def layout_parts(request, names) -> dict[str, str]:
    """The layout's parts a page kept whole left to each view (``{% per_view %}``: the bell, the banner, the
    messages), rendered for this request from what ``navigation`` gives every page."""
    if not names:
        return {}
    context = {**navigation(request), "messages": get_messages(request), "user": request.user}
    engine = engines["django"]
    return {name: engine.get_template(f"layout/{name}.html").render(context) for name in names}
