from django.conf import settings

from accounts import permissions
from notifications.selectors import unread_badge


def navigation(request):
    """What the layout needs: the roles that decide the menu, and the unread count for the bell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"signup_open": bool(settings.SIGNUP_EMAIL_DOMAINS)}

    return {
        "nav": {
            "it_security": permissions.is_it_security(user),
            "auditor": permissions.is_auditor(user),
            "communications": permissions.is_communications(user),
            "audit": permissions.can_read_audit(user),
            "staff": user.is_staff,
        },
        # The bell: at most UNREAD_CAP rows counted, shown as "99+" beyond 99 (a COUNT over someone's 100,000
        # unread rows would cost more than the page), and kept in the cache until their notifications change.
        "unread_count": unread_badge(user),
    }
