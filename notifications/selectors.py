from django.db.models import QuerySet

from notifications.choices import EmailMode
from notifications.models import Notification, NotificationPreference


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def preference_of(user) -> str:
    mode = NotificationPreference.objects.filter(user=user).values_list("email_mode", flat=True).first()
    return mode or EmailMode.IMMEDIATE
