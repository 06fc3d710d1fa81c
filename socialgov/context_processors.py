import functools

from accounts import permissions


def navigation(request):
    """What the layout needs: the roles that decide the menu, and the unread count for the bell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @functools.cache  # the layout reads it several times; count once per request
    def unread():
        return user.notifications.filter(read_at__isnull=True).count()

    return {
        "nav": {
            "it_security": permissions.is_it_security(user),
            "auditor": permissions.is_auditor(user),
            "communications": permissions.is_communications(user),
            "audit": permissions.can_read_audit(user),
            "staff": user.is_staff,
        },
        "unread_count": unread,
    }
