from django.conf import settings

from accounts import permissions


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
        "unread_count": user.notifications.filter(read_at__isnull=True).count(),
    }
