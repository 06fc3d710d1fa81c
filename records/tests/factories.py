"""Builders of the records' test data: rows moved back in time, a withdrawn post of a given age."""

import datetime as dt

from django.utils import timezone

from approvals import services as approvals
from approvals.models import Post
from approvals.tests.factories import draft


def aged(obj, days, field="created_at"):
    """Move a row's date back ``days`` days (test set-up: the services stamp the present)."""
    type(obj).objects.filter(pk=obj.pk).update(**{field: timezone.now() - dt.timedelta(days=days)})
    obj.refresh_from_db()
    return obj


def withdrawn_post(author, channel, *, days_old, body="An old announcement."):
    post = draft(author, channel, body)
    approvals.post_withdraw(actor=author, post=post)
    return aged(Post.objects.get(pk=post.pk), days_old)
