"""What the register does by itself: the daily reminder of decisions due for review."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.selectors import users_in_group
from it_decisions import selectors
from notifications.selectors import reminded_today
from notifications.services import notify

# what a reminder asks to review, inside its sentence
WHAT = {
    selectors.Kind.PLATFORM: _("platform decision"),
    selectors.Kind.SECURITY_REVIEW: _("channel security review"),
    selectors.Kind.ACCESS: _("access"),
}


def remind_expiring(*, today: date | None = None) -> int:
    """Tell IT security about decisions due for review within ``EXPIRY_WARNING_DAYS`` (or overdue). Once a day;
    returns the count. Safe to run twice in a day: a decision already reminded about today is skipped."""
    today = today or timezone.localdate()
    due = selectors.decisions(due_within_days=selectors.EXPIRY_WARNING_DAYS)
    if not due:
        return 0
    reminded = reminded_today("decision.review_due", today=today)
    recipients = list(users_in_group("it_security"))
    sent = 0
    for d in due:
        key = f"{d.kind}:{d.id}:{d.review_by}"
        if key in reminded:
            continue
        due = (
            _("Review {what}: {subject} was due {day}")
            if d.review_by < today
            else _("Review {what}: {subject} is due {day}")
        )
        title = format_lazy(due, what=WHAT[d.kind], subject=d.subject, day=f"{d.review_by:%Y-%m-%d}")
        notify(
            event="decision.review_due",
            recipients=recipients,
            title=title,
            body=d.rationale,
            url=reverse("it_decisions") + f"?kind={d.kind}",
            data={"key": key, "kind": d.kind, "id": d.id, "review_by": d.review_by},
            action_key=d.action_key,
        )
        sent += 1
    return sent
