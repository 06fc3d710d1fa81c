"""Every model the Django admin offers, walked as a superuser through the admin's own pages (WebTest fills and
submits the admin's real forms): each add, change, delete and action either writes an audit event or is refused.

``TABLE`` names every registered model; a model registered without a row fails ``test_every_admin_model_is_walked``.
While a request runs, every row saved or deleted (Django's signals) and every row of the model changed in bulk by an
action (compared before and after) is counted: a request that wrote anything without an audit event fails.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

# Rows a request may write besides the change itself: the trail, the admin's own history, sessions, the outbox of
# the service's notifications, and the tracker django-celery-beat updates when a task changes.
INCIDENTAL = {
    "audit.auditevent",
    "admin.logentry",
    "sessions.session",
    "usersessions.usersession",
    "notifications.notification",
    "django_celery_beat.periodictasks",
}


@dataclass
class Row:
    """How to walk one admin: ``make`` builds an existing row; ``add`` / ``change`` fill the admin's form (field ->
    value; None: the admin must refuse)."""

    make: Any
    add: Any = None
    change: Any = None
    forced: set[str] = field(default_factory=set)  # fields whose widget offers only some values (autocomplete)


def _world(employee, reviewer, manager, it_security, communications, superuser, department):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession
    from django.contrib.auth.models import Group
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    from accounts.models import Membership
    from accounts.services import token_create
    from approvals import services as approvals
    from approvals.tests.factories import channel_for, submitted
    from channels_registry.tests.factories import build_world
    from notifications.models import NotificationPreference, WebhookDelivery, WebhookEndpoint
    from notifications.services import notify
    from policies.tests.factories import (
        ContentRuleFactory,
        PlatformDecisionFactory,
        TrainingCourseFactory,
        completed,
        platform,
        published_policy,
    )

    w = build_world(employee=employee, manager=manager, reviewer=reviewer, department=department)
    channel = channel_for(employee, department=department)
    post = submitted(employee, channel)
    approvals.stage_decide(actor=reviewer, stage_review=post.stage_reviews.get(state="open"), outcome="approve")
    now = timezone.now()
    stage = approvals.route_stage_add(actor=manager, department=department, name="Legal", role="manager")
    policy = published_policy()
    course = TrainingCourseFactory()
    interval = IntervalSchedule.objects.create(every=7, period="days")
    endpoint = WebhookEndpoint.objects.create(name="Hook", url="https://hooks.example.com/x", secret="s" * 32)
    notify(event="test.walk", recipients=[employee], title="Hello")
    from policies.services import acknowledgement_record

    objects = {
        "auth.group": Group.objects.get(name="communications"),
        "account.emailaddress": EmailAddress.objects.get(user=employee),
        "mfa.authenticator": Authenticator.objects.filter(user=it_security).first(),
        "usersessions.usersession": UserSession.objects.create(
            user=employee, ip="127.0.0.1", session_key="k" * 32, user_agent="walk", last_seen_at=now
        ),
        "django_celery_beat.periodictask": PeriodicTask.objects.create(
            name="walk task", task="socialgov.tasks.noop", interval=interval
        ),
        "django_celery_beat.clockedschedule": ClockedSchedule.objects.create(clocked_time=now + timedelta(days=1)),
        "django_celery_beat.crontabschedule": CrontabSchedule.objects.create(minute="5", hour="4"),
        "django_celery_beat.solarschedule": SolarSchedule.objects.create(event="sunset", latitude=10, longitude=10),
        "django_celery_beat.intervalschedule": interval,
        "audit.auditevent": AuditEvent.objects.first(),
        "notifications.notification": employee.notifications.first(),
        "notifications.notificationpreference": NotificationPreference.objects.create(user=reviewer),
        "notifications.webhookendpoint": endpoint,
        "notifications.webhookdelivery": WebhookDelivery.objects.create(
            endpoint=endpoint, event="post.due", payload={}
        ),
        "accounts.department": department,
        "accounts.membership": Membership.objects.get(user=reviewer),
        "accounts.apitoken": token_create(actor=employee, name="walk", scope="read")[0],
        "accounts.user": w.colleague,
        "policies.platform": platform("x"),
        "policies.platformdecision": PlatformDecisionFactory(platform=platform("x"), decided_by=it_security),
        "policies.contentrule": ContentRuleFactory(),
        "policies.policy": policy,
        "policies.policyversion": policy.current_version,
        "policies.trainingcourse": course,
        "policies.acknowledgement": acknowledgement_record(actor=employee, version=policy.current_version),
        "policies.trainingcompletion": completed(employee, course),
        "channels_registry.channel": w.ours,
        "channels_registry.channelmembership": w.ours.memberships.first(),
        "channels_registry.securityreview": None,
        "channels_registry.channelactivity": None,
        "channels_registry.dormancyfinding": None,
        "channels_registry.accessrequest": w.request_ours,
        "channels_registry.accessgrant": w.grant_ours,
        "channels_registry.recertification": w.recert_ours,
        "channels_registry.rotationtask": w.rotation,
        "channels_registry.reportedaccount": w.report,
        "approvals.post": post,
        "approvals.postrevision": post.current_revision,
        "approvals.attachment": None,
        "approvals.stagereview": post.stage_reviews.first(),
        "approvals.decision": post.stage_reviews.first().decisions.first(),
        "approvals.comment": approvals.comment_add(actor=reviewer, post=post, body="Looks good"),
        "approvals.approvalroute": stage.route,
        "approvals.delegation": approvals.delegation_create(
            actor=reviewer, delegate=employee, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=4)
        ),
        "approvals.lockdown": approvals.lockdown_start(actor=communications, reason="Walk"),
    }
    from channels_registry import services as registry

    objects["channels_registry.channelactivity"] = registry.activity_record(actor=employee, channel=w.ours, note="x")
    objects["channels_registry.dormancyfinding"] = w.ours.dormancy_findings.create(opened_at=now)
    objects["channels_registry.securityreview"] = w.ours.security_reviews.create(
        reviewer=it_security, outcome="passed", checklist={}
    )
    objects["approvals.attachment"] = None
    import datetime as dt

    from records import bundles, subjects
    from records import services as records

    objects["records.legalhold"] = records.hold_set(actor=it_security, channel=channel, reason="Walk case")
    objects["records.retentionrule"] = records.retention_rule_set(
        actor=it_security, record_type="notification", keep_days=400
    )
    objects["records.retentionrun"] = records.retention_apply()
    objects["records.archiveexport"] = bundles.archive_export(
        actor=it_security, channel=channel, date_from=dt.date(2026, 1, 1), date_to=timezone.localdate()
    )[0]
    objects["records.subjectrequest"] = subjects.subject_access_export(actor=it_security, person=employee)[0]
    # read-only records of what went out (receipts, reports, findings, feed checks) and feeds: refused alike
    for label in NOT_MADE:
        objects[label] = None
    return objects, w


NOT_MADE = (
    "channels_registry.channelfeed",
    "approvals.approvalreceipt",
    "approvals.publicationreport",
    "approvals.driftfinding",
    "approvals.feedentrymatch",
)


TABLE: dict[str, Row] = {
    "auth.group": Row(make=None, add={"name": "walkers"}, change={"name": "comms-renamed"}),
    "account.emailaddress": Row(make=None),
    "mfa.authenticator": Row(make=None),
    "usersessions.usersession": Row(make=None),
    "django_celery_beat.periodictask": Row(
        make=None,
        add={"name": "walk 2", "task": "socialgov.tasks.noop", "interval": "$interval"},
        change={"description": "Runs the walk"},
    ),
    "django_celery_beat.clockedschedule": Row(
        make=None,
        add={"clocked_time_0": "2031-01-01", "clocked_time_1": "10:00:00"},
        change={"clocked_time_1": "11:00"},
    ),
    "django_celery_beat.crontabschedule": Row(
        make=None,
        add={"minute": "1", "hour": "2", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
        change={"minute": "9"},
    ),
    "django_celery_beat.solarschedule": Row(
        make=None, add={"event": "sunrise", "latitude": "1", "longitude": "2"}, change={"latitude": "3"}
    ),
    "django_celery_beat.intervalschedule": Row(
        make=None, add={"every": "5", "period": "minutes"}, change={"every": "8"}
    ),
    "audit.auditevent": Row(make=None),
    "notifications.notification": Row(make=None),
    "notifications.notificationpreference": Row(make=None),
    "notifications.webhookendpoint": Row(
        make=None,
        add={
            "name": "Walk hook",
            "url": "https://hooks.example.com/walk",
            "secret": "x" * 32,
            "events": '["post.due"]',
        },
        change={"name": "Hook renamed"},
    ),
    "notifications.webhookdelivery": Row(make=None),
    "accounts.department": Row(make=None, add={"name": "Walk", "slug": "walk"}, change={"description": "Walks"}),
    "accounts.membership": Row(
        make=None,
        add={"user": "$employee_other", "department": "$department", "role": "member"},
        change={"role": "manager"},
        forced={"user", "department"},
    ),
    "accounts.apitoken": Row(make=None),
    "accounts.user": Row(
        make=None,
        add={
            "email": "walker@example.com",
            "full_name": "Walker",
            "password1": "A-long-pass-9",
            "password2": "A-long-pass-9",
        },
        change={"full_name": "Col League", "email": "col.league@example.com"},
    ),
    "policies.platform": Row(
        make=None, add={"name": "Walkie", "slug": "walkie", "kind": "social"}, change={"dormancy_days": "60"}
    ),
    "policies.platformdecision": Row(
        make=None,
        add={"platform": "$platform", "outcome": "allowed", "rationale": "Fine", "effective_from": "2030-01-01"},
        forced={"platform"},
    ),
    "policies.contentrule": Row(
        make=None,
        add={"name": "Walk rule", "kind": "lexicon", "terms": "walkword", "message": "No."},
        change={"message": "Never."},
    ),
    "policies.policy": Row(
        make=None, add={"title": "Walk policy", "slug": "walk-policy"}, change={"summary": "About walks"}
    ),
    "policies.policyversion": Row(
        make=None, add={"policy": "$policy", "body": "Walk.", "audience_everyone": True}, forced={"policy"}
    ),
    "policies.trainingcourse": Row(
        make=None, add={"title": "Walking", "slug": "walking", "validity_days": "30"}, change={"validity_days": "40"}
    ),
    "policies.acknowledgement": Row(make=None),
    "policies.trainingcompletion": Row(make=None),
    "channels_registry.channel": Row(make=None),
    "channels_registry.channelmembership": Row(make=None),
    "channels_registry.securityreview": Row(make=None),
    "channels_registry.channelactivity": Row(make=None),
    "channels_registry.dormancyfinding": Row(make=None),
    "channels_registry.channelfeed": Row(make=None),
    "approvals.approvalreceipt": Row(make=None),
    "approvals.publicationreport": Row(make=None),
    "approvals.driftfinding": Row(make=None),
    "approvals.feedentrymatch": Row(make=None),
    "channels_registry.accessrequest": Row(make=None),
    "channels_registry.accessgrant": Row(make=None),
    "channels_registry.recertification": Row(make=None),
    "channels_registry.rotationtask": Row(make=None),
    "channels_registry.reportedaccount": Row(make=None),
    "approvals.post": Row(make=None),
    "approvals.postrevision": Row(make=None),
    "approvals.attachment": Row(make=None),
    "approvals.stagereview": Row(make=None),
    "approvals.decision": Row(make=None),
    "approvals.comment": Row(make=None),
    "approvals.approvalroute": Row(
        make=None,
        add={"name": "Walk route", "department": "$training"},
        # the case: renamed, and the first stage's SLA cut from 24 h to 1 h
        change={"name": "Marketing (renamed)", "distinct_reviewers": False, "stages-0-sla_hours": "1"},
    ),
    "approvals.delegation": Row(make=None),
    "approvals.lockdown": Row(make=None),
    "records.legalhold": Row(make=None),
    "records.retentionrule": Row(make=None),
    "records.retentionrun": Row(make=None),
    "records.archiveexport": Row(make=None),
    "records.subjectrequest": Row(make=None),
}


def test_every_admin_model_is_walked():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered - set(TABLE) == set(), "add a row to TABLE for these admin models"
    assert set(TABLE) - registered == set()


@contextlib.contextmanager
def _writes():
    """The rows saved or deleted while the block runs (model labels, incidental ones left out)."""
    written: list[str] = []

    def seen(sender, **kwargs):
        label = sender._meta.label_lower
        if label not in INCIDENTAL:
            written.append(label)

    def seen_m2m(sender, instance, action, **kwargs):
        if action.startswith("post_"):
            seen(type(instance))

    post_save.connect(seen, weak=False, dispatch_uid="walk_save")
    post_delete.connect(seen, weak=False, dispatch_uid="walk_delete")
    m2m_changed.connect(seen_m2m, weak=False, dispatch_uid="walk_m2m")
    try:
        yield written
    finally:
        post_save.disconnect(dispatch_uid="walk_save")
        post_delete.disconnect(dispatch_uid="walk_delete")
        m2m_changed.disconnect(dispatch_uid="walk_m2m")


def _rows(model) -> list[tuple]:
    return sorted(model._default_manager.values_list(), key=lambda r: r[0])


class Walk:
    def __init__(self, app, superuser, model, values):
        self.app, self.user, self.model, self.values = app, superuser, model, values
        self.label = model._meta.label_lower
        self.outcomes: list[tuple[str, str]] = []

    def url(self, view, *args):
        meta = self.model._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)

    def _value(self, value):
        return self.values.get(value[1:], value) if isinstance(value, str) and value.startswith("$") else value

    def expect(self, step: str, run) -> None:
        """Run one step; it is refused (403, or not offered), or it wrote an audit event with whatever it wrote."""
        before_events = AuditEvent.objects.count()
        before_rows = _rows(self.model)
        with _writes() as written:
            response = run()
        audited = AuditEvent.objects.count() > before_events
        changed = written or _rows(self.model) != before_rows
        if response is None or response.status_code == 403:
            assert not changed or audited, f"{self.label} {step}: refused, yet wrote {written}"
            self.outcomes.append((step, "refused"))
            return
        assert response.status_code in (200, 302), f"{self.label} {step}: {response.status_code}"
        if response.status_code == 200 and response.forms and "errornote" in response.text:
            pytest.fail(f"{self.label} {step}: the form was not valid: {response.text[:3000]}")
        assert not changed or audited, f"{self.label} {step}: wrote {written or 'rows'} without an audit event"
        self.outcomes.append((step, "audited" if audited else "no change"))

    def fill(self, form, data, forced):
        for name, value in data.items():
            value = self._value(value)
            if name in forced:
                form[name].force_value(str(value))
            elif isinstance(value, bool):
                form[name] = value
            else:
                form[name] = str(value)

    def submit_form(self, page, data, forced, step):
        form = page.forms[f"{self.model._meta.model_name}_form"]
        if "_save" not in form.fields:  # shown read-only: a POST anyway must be refused
            return page.forms[f"{self.model._meta.model_name}_form"].submit(user=self.user, expect_errors=True)
        self.fill(form, data or {}, set())
        return form.submit("_save", user=self.user, expect_errors=True)

    def add(self, row: Row):
        def run():
            page = self.app.get(self.url("add"), user=self.user, expect_errors=True)
            if page.status_code == 403:
                return page
            assert row.add is not None, f"{self.label}: the admin offers add; give TABLE its data (or refuse it)"
            form = page.forms[f"{self.model._meta.model_name}_form"]
            self.fill(form, row.add, row.forced)
            return form.submit("_save", user=self.user, expect_errors=True)

        self.expect("add", run)

    def change(self, row: Row, obj):
        def run():
            page = self.app.get(self.url("change", obj.pk), user=self.user, expect_errors=True)
            if page.status_code == 403:
                return page
            form = page.forms[f"{self.model._meta.model_name}_form"]
            if "_save" not in form.fields:  # read-only: the admin shows it; a POST must still be refused
                return self.app.post(self.url("change", obj.pk), {}, user=self.user, expect_errors=True)
            assert row.change is not None, f"{self.label}: the admin offers change; give TABLE its data"
            self.fill(form, row.change, row.forced)
            return form.submit("_save", user=self.user, expect_errors=True)

        self.expect("change", run)

    def delete(self, obj):
        def run():
            page = self.app.get(self.url("delete", obj.pk), user=self.user, expect_errors=True)
            if page.status_code == 403:
                return page
            return page.forms[0].submit(user=self.user, expect_errors=True)

        self.expect("delete", run)

    def actions(self, obj):
        from django.test import RequestFactory

        request = RequestFactory().get("/")
        request.user = self.user
        names = list(admin.site._registry[self.model].get_actions(request))
        for name in names:

            def run(name=name):
                data = {"action": name, "_selected_action": [str(obj.pk)], "index": "0", "post": "yes"}
                return self.app.post(self.url("changelist"), data, user=self.user, expect_errors=True)

            self.expect(f"action {name}", run)


@pytest.fixture
def walk_world(employee, reviewer, manager, it_security, communications, superuser, department):
    objects, w = _world(employee, reviewer, manager, it_security, communications, superuser, department)
    from accounts.tests.factories import DepartmentFactory, UserFactory
    from policies.tests.factories import platform

    values = {
        "interval": objects["django_celery_beat.intervalschedule"].pk,
        "employee_other": UserFactory(email="joiner@example.com").pk,
        "department": department.pk,
        "training": DepartmentFactory(name="Walk training", slug="walk-training").pk,
        "platform": platform("linkedin").pk,
        "policy": objects["policies.policy"].pk,
    }
    return objects, values


@pytest.mark.parametrize("label", sorted(TABLE))
def test_each_admin_write_is_audited_or_refused(label, walk_world, superuser, django_app_factory):
    objects, values = walk_world
    app = django_app_factory(csrf_checks=False)
    app.get("/admin/", user=superuser)  # signs in (which records the sign-in on the person) before the walk
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    row = TABLE[label]
    walk = Walk(app, superuser, model, values)
    obj = objects[label]

    walk.add(row)
    if obj is not None:
        walk.change(row, obj)
        walk.actions(obj)
        if model._default_manager.filter(pk=obj.pk).exists():
            walk.delete(obj)
    assert walk.outcomes  # every step ended refused, audited or with nothing written


# --- The cases, one by one ----------------------------------------------------------------------------------


def test_a_route_renamed_and_its_sla_cut_in_the_admin_is_on_the_record(
    django_app, superuser, manager, department, mailoutbox
):
    from approvals import services as approvals

    stage = approvals.route_stage_add(actor=manager, department=department, name="Legal", role="manager")
    route = stage.route
    first = route.stages.order_by("position").first()
    assert first.sla_hours == 24
    page = django_app.get(reverse("admin:approvals_approvalroute_change", args=[route.pk]), user=superuser)
    form = page.forms["approvalroute_form"]
    form["name"] = "Marketing fast track"
    form["stages-0-name"] = "Quick look"
    form["stages-0-sla_hours"] = "1"

    form.submit("_save").follow()

    changed = AuditEvent.objects.get(action="route.changed", target_id=str(route.pk))
    assert changed.actor == superuser and changed.data["name"] == ["Marketing route", "Marketing fast track"]
    stage_changed = AuditEvent.objects.get(action="route.stage_changed", target_id=str(route.pk))
    assert stage_changed.data["changes"]["sla_hours"] == [24, 1]
    assert stage_changed.data["changes"]["name"] == ["Department review", "Quick look"]


def test_a_sign_in_address_changed_in_the_admin(
    django_app, superuser, employee, mailoutbox, api_client, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress

    from notifications.models import Notification

    page = django_app.get(reverse("admin:accounts_user_change", args=[employee.pk]), user=superuser)
    form = page.forms["user_form"]
    form["email"] = "Emma.New@example.com"
    with django_capture_on_commit_callbacks(execute=True):
        form.submit("_save").follow()

    # audited, from and to
    event = AuditEvent.objects.get(action="user.email_changed", target_id=str(employee.pk))
    assert (event.actor, event.data) == (superuser, {"from": "employee@example.com", "to": "emma.new@example.com"})
    # the person's address and allauth's are one: the old one no longer signs in, the new one is verified next time
    employee.refresh_from_db()
    assert employee.email == "emma.new@example.com"
    assert list(EmailAddress.objects.filter(user=employee).values_list("email", "primary", "verified")) == [
        ("emma.new@example.com", True, False)
    ]
    # both addresses are told: the old one by e-mail, the new one through the person's notifications
    assert [m.to for m in mailoutbox] == [["employee@example.com"]]
    assert "emma.new@example.com" in mailoutbox[0].body
    assert Notification.objects.filter(recipient=employee, event="user.email_changed").exists()
    # and pages and the API show the new address
    api_client.force_authenticate(employee)
    assert api_client.get("/api/v1/me/").json()["email"] == "emma.new@example.com"


def test_a_second_factor_is_not_deleted_from_the_admin(django_app, django_app_factory, superuser, it_security):
    from allauth.mfa.models import Authenticator

    totp = Authenticator.objects.get(user=it_security, type="totp")
    response = django_app.get(
        reverse("admin:mfa_authenticator_delete", args=[totp.pk]), user=superuser, expect_errors=True
    )
    assert response.status_code == 403
    # removing it (a lost phone) is an action: audited, the person told, and they enrol again
    app = django_app_factory(csrf_checks=False)
    app.post(
        reverse("admin:mfa_authenticator_changelist"),
        {"action": "remove", "_selected_action": [str(totp.pk)], "index": "0"},
        user=superuser,
    )
    assert not Authenticator.objects.filter(user=it_security).exists()
    assert AuditEvent.objects.get(action="user.authenticator_removed").actor == superuser


def test_nobody_sets_someone_else_s_password_in_the_admin(django_app, superuser, employee):
    url = reverse("admin:auth_user_password_change", args=[employee.pk])
    assert django_app.get(url, user=superuser, expect_errors=True).status_code == 403
