"""Training courses and completions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department
from accounts.permissions import ensure_mfa
from audit import services as audit
from core import objects
from core.errors import InvalidInput, ensure
from notifications.services import notify
from policies.choices import CompletionMethod
from policies.models import (
    TrainingCompletion,
    TrainingCourse,
)
from policies.permissions import (
    can_manage_policies,
    manages,
)
from policies.services._common import RESERVED_COURSE_SLUGS, _full_clean


@transaction.atomic
def training_completion_record(
    *,
    actor: Any,
    user: Any,
    course: TrainingCourse,
    completed_on: date | None = None,
    attested: bool = False,
    note: str = "",
) -> TrainingCompletion:
    """A trainee attests their own completion; a trainer of the course or the trainee's manager records it."""
    ensure(getattr(actor, "is_active", False), _("Sign in to record training."))
    today = timezone.localdate()
    completed_on = completed_on or today
    if actor.pk == user.pk:
        method = CompletionMethod.ATTESTED
        if not attested:
            raise InvalidInput(
                _("Confirm that you completed the course."),
                fields={"attested": [_("Tick to confirm you completed it.")]},
            )
    elif course.trainers.filter(pk=actor.pk).exists():
        method = CompletionMethod.TRAINER
    else:
        ensure(manages(actor, user), _("Only the trainee, a trainer of the course or their manager records this."))
        method = CompletionMethod.MANAGER
    ensure(course.is_active, _("This course is no longer offered."))
    if completed_on > today:
        raise InvalidInput(
            _("The course cannot be completed in the future."), fields={"completed_on": [_("In the future.")]}
        )
    if completed_on < today - timedelta(days=course.validity_days):
        raise InvalidInput(_("That completion has already expired."), fields={"completed_on": [_("Already expired.")]})
    completion = TrainingCompletion.objects.create(
        course=course,
        user=user,
        completed_on=completed_on,
        expires_on=completed_on + timedelta(days=course.validity_days),
        method=method,
        recorded_by=actor,
        note=(note or "").strip()[:300],
    )
    audit.record(
        actor=actor,
        action="training.completed",
        target=course,
        data={
            "user": user.pk,
            "method": method,
            "completed_on": completed_on,
            "expires_on": completion.expires_on,
        },
    )
    objects.bump_person(user.pk)
    if actor.pk != user.pk:
        notify(
            event="training.recorded",
            recipients=[user],
            title=format_lazy(
                gettext_lazy("{person} recorded your completion of “{course}”"),
                person=actor.get_full_name(),
                course=course.title,
            ),
            body=format_lazy(gettext_lazy("Valid until {date}."), date=f"{completion.expires_on:%Y-%m-%d}"),
            url=reverse("policies:course_detail", args=[course.slug]),
            target=course,
        )
    return completion


@transaction.atomic
def course_save(
    *,
    actor: Any,
    course: TrainingCourse,
    departments: Iterable[Department] | None = None,
    trainers: Iterable[Any] | None = None,
    changed: list[str] | None = None,
) -> TrainingCourse:
    ensure(can_manage_policies(actor), _("Only communications and IT security manage training courses."))
    ensure_mfa(actor)
    creating = course.pk is None
    _full_clean(course, _("The course is not valid."), RESERVED_COURSE_SLUGS)
    course.save()
    if departments is not None:
        course.departments.set(departments)
    if trainers is not None:
        course.trainers.set(trainers)
    audit.record(
        actor=actor,
        action="training.course_created" if creating else "training.course_changed",
        target=course,
        data={"changed": sorted(changed or []), "validity_days": course.validity_days},
    )
    objects.bump_org()  # what it requires of everyone
    return course
