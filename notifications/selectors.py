import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import QuerySet

from notifications.choices import EmailMode
from notifications.models import Notification, NotificationPreference

log = logging.getLogger(__name__)


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def reminded_today(event: str, *, today) -> set:
    """The keys (``data["key"]``) of the ``event`` reminders written on ``today``: a daily reminder skips them."""
    return set(Notification.objects.filter(event=event, created_at__date=today).values_list("payload__key", flat=True))


def preference_of(user) -> str:
    mode = NotificationPreference.objects.filter(user=user).values_list("email_mode", flat=True).first()
    return mode or EmailMode.IMMEDIATE


# The bell on every page: how many unread, counted up to UNREAD_CAP ("99+" beyond), kept in the cache until
# the person's notifications change (notify, mark read: the services forget it on commit) or UNREAD_SECONDS
# pass (the bound on a page that counted just before such a change committed).
UNREAD_CAP = 100
UNREAD_SECONDS = 30


_NOT_READ = object()


def unread_key(user_id: int) -> str:
    """The bell's cache key (the layout reads it together with the lockdown banner's: one round trip)."""
    return f"notifications:unread:{user_id}"


def unread_badge(user, kept=_NOT_READ) -> str | int:
    """The bell's figure: the unread count up to 99, "99+" above. ``kept``: what the cache held under
    ``unread_key`` when the caller read it already (None: nothing)."""
    key = unread_key(user.pk)
    counted = cache.get(key) if kept is _NOT_READ else kept
    if counted is None:
        counted = user.notifications.filter(read_at__isnull=True).values("pk")[:UNREAD_CAP].count()
        cache.set(key, counted, UNREAD_SECONDS)
    return f"{UNREAD_CAP - 1}+" if counted >= UNREAD_CAP else counted


RECENT_UNREAD = 5


def recent_key(user_id: int) -> str:
    return f"notifications:recent:{user_id}"


def recent_unread(user) -> list[dict]:
    """The newest unread notifications' titles and times (the dashboard's card), kept in the cache as the bell's
    figure is: until the person's notifications change or UNREAD_SECONDS pass."""
    key = recent_key(user.pk)
    rows = cache.get(key)
    if rows is None:
        rows = list(notifications_for(user).filter(read_at__isnull=True).values("title", "created_at")[:RECENT_UNREAD])
        cache.set(key, rows, UNREAD_SECONDS)
    return rows


def forget_unread(user_ids: Iterable[int]) -> None:
    """Drop the cached bell figures and recent unread of ``user_ids`` (their notifications changed); runs after a
    commit, so a cache outage is logged, not raised (the figures then expire within UNREAD_SECONDS)."""
    try:
        cache.delete_many([key(pk) for pk in set(user_ids) for key in (unread_key, recent_key)])
    except Exception as exc:  # noqa: BLE001
        log.warning("Could not forget the unread counts of %d people: %s", len(set(user_ids)), exc)
