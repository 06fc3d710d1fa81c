from django.conf import settings
from django.core.cache import cache

from accounts import permissions
from approvals.selectors import BANNER_KEY, lockdowns_for_banner
from notifications.selectors import unread_badge, unread_key
from records.permissions import can_read_records


def navigation(request):
    """What the layout needs: the roles that decide the menu, the unread count for the bell and, for
    signed-in people, the lockdowns in force for the banner."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"signup_open": bool(settings.SIGNUP_EMAIL_DOMAINS)}

    # The bell's figure and the lockdowns in force, both kept in the cache, read in one round trip.
    kept = cache.get_many([unread_key(user.pk), BANNER_KEY])
    return {
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
        "unread_count": unread_badge(user, kept.get(unread_key(user.pk))),
        # The banner: read from the database (and kept again) only when the cache had nothing.
        "lockdowns_in_force": lockdowns_for_banner(kept=kept.get(BANNER_KEY)),
    }
