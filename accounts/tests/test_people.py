from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from accounts.models import ApiToken, Department, Membership, User
from accounts.services import membership_set, token_create, user_deactivate, user_reactivate
from audit.models import AuditEvent
from core.errors import Forbidden
from notifications.models import Notification

from .factories import PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_sign_in_with_email_and_see_the_dashboard(client, employee):
    response = login(client, "EMPLOYEE@example.com")
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "My work" in page.content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_deactivating_ends_sessions_and_tokens(client, employee, it_security):
    # given a signed-in employee with a token
    login(client, employee.email)
    assert client.get("/").status_code == 200
    token, key = token_create(actor=employee, name="t", scope="read")

    # when IT deactivates them
    deactivated = user_deactivate(actor=it_security, user=employee, reason="left the company")

    # then the session is gone, the token is revoked, and it is audited
    assert deactivated.is_active is False
    assert client.get("/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="user.deactivated")
    assert event.data == {"reason": "left the company", "tokens_revoked": 1, "sessions_ended": 1}
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/me/").status_code == 401
    # and signing in again is refused
    again = login(client, employee.email)
    assert again.status_code == 302 and again["Location"] == "/accounts/inactive/"
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_deactivation_ends_the_session_in_the_cache_and_the_database(
    client, employee, it_security, django_capture_on_commit_callbacks
):
    # given a signed-in employee whose session the cached engine holds in the cache and the database
    assert issubclass(import_module(settings.SESSION_ENGINE).SessionStore, cached_db.SessionStore)
    login(client, employee.email)
    assert client.get("/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    data = cache.get(cached_db.KEY_PREFIX + key)
    assert data is not None and Session.objects.filter(session_key=key).exists()

    # when IT deactivates them, and a request on another connection reads the session before that commits
    # (the row still there for it: it puts the session back in the cache)
    with django_capture_on_commit_callbacks(execute=True):
        user_deactivate(actor=it_security, user=employee, reason="left")
        cache.set(cached_db.KEY_PREFIX + key, data)

    # then the session is gone from both, and even a reactivated person is not signed in by it
    assert cache.get(cached_db.KEY_PREFIX + key) is None and not Session.objects.filter(session_key=key).exists()
    user_reactivate(actor=it_security, user=employee)
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_signing_out_ends_the_cached_session(client, employee):
    login(client, employee.email)
    assert client.get("/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post("/accounts/logout/")

    assert cache.get(cached_db.KEY_PREFIX + key) is None and not Session.objects.filter(session_key=key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = key  # the old cookie, replayed
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_deactivation_is_for_it_only_and_not_yourself(employee, reviewer, it_security):
    with pytest.raises(Forbidden):
        user_deactivate(actor=reviewer, user=employee)
    with pytest.raises(Forbidden):
        user_deactivate(actor=it_security, user=it_security)
    employee.refresh_from_db()
    assert employee.is_active


def test_deactivation_notifies_it_and_twice_is_a_no_op(employee, it_security, django_capture_on_commit_callbacks):
    other_it = UserFactory(email="it2@example.com", groups=["it_security"])
    with django_capture_on_commit_callbacks(execute=True):
        user_deactivate(actor=it_security, user=employee)
        user_deactivate(actor=it_security, user=employee)
    assert list(Notification.objects.values_list("recipient__email", "event")) == [(other_it.email, "user.deactivated")]
    assert AuditEvent.objects.filter(action="user.deactivated").count() == 1
    user_reactivate(actor=it_security, user=employee)
    employee.refresh_from_db()
    assert employee.is_active and employee.deactivated_at is None


def test_membership_set_is_audited_and_notified(manager, employee, department):
    membership_set(actor=manager, user=employee, department=department, role="reviewer")
    assert Membership.objects.get(user=employee).role == "reviewer"
    event = AuditEvent.objects.get(action="membership.set")
    assert event.data["before"] == "member" and event.data["after"] == "reviewer"
    assert Notification.objects.get(recipient=employee).event == "membership.set"


def test_a_member_cannot_change_memberships(employee, reviewer, department):
    with pytest.raises(Forbidden):
        membership_set(actor=employee, user=reviewer, department=department, role="manager")


# --- two-factor --------------------------------------------------------------------


def test_it_security_without_mfa_is_sent_to_enrol_and_cannot_use_admin_or_api(client, groups):
    user = UserFactory(email="newit@example.com", groups=["it_security"], is_staff=True)
    login(client, user.email)

    for path in ["/", "/audit/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["code"] == "mfa_required"
    # enrolling is a sensitive step: allauth asks for the password again first
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200 and "Authenticator" in page.content.decode()


def test_staff_with_mfa_signs_in_with_a_code_and_reaches_the_admin(client, superuser):
    response = login(client, superuser.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_member_is_not_staff_for_the_admin(client, employee):
    login(client, employee.email)
    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403


# --- sign-up, verification, password reset, rate limits ----------------------------


def test_sign_up_is_closed_without_corporate_domains(client):
    response = client.get("/accounts/signup/")
    assert "closed" in response.content.decode().lower()


@override_settings(SIGNUP_EMAIL_DOMAINS=["example.com"])
def test_sign_up_needs_a_corporate_address_and_a_verified_email(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    from accounts import tasks

    # the worker sends allauth's e-mails: here, at once
    monkeypatch.setattr(tasks.send_email, "apply_async", lambda args: tasks.send_email(*args))
    bad = client.post(
        "/accounts/signup/",
        {"email": "me@gmail.com", "password1": "a-long-passphrase-1", "password2": "a-long-passphrase-1"},
    )
    assert bad.status_code == 200 and "company e-mail" in bad.content.decode()
    assert not User.objects.filter(email="me@gmail.com").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {"email": "new@example.com", "password1": "a-long-passphrase-1", "password2": "a-long-passphrase-1"},
        )
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1 and "new@example.com" in mail.outbox[0].to
    assert client.get("/").status_code == 302  # not signed in until verified
    address = EmailAddress.objects.get(email="new@example.com")
    assert not address.verified


def test_password_reset_sends_a_link_from_the_worker(client, employee, django_capture_on_commit_callbacks, monkeypatch):
    from accounts import tasks

    # given: what is handed to the worker
    queued = []
    monkeypatch.setattr(tasks.send_email, "apply_async", lambda args: queued.append(args[0]))

    # when: a reset for a known address and one for an unknown address
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": employee.email})
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    # then: the same answer, nothing sent in the request; the worker's task sends each
    assert response.status_code == unknown.status_code == 302
    assert mail.outbox == []
    assert [m["to"] for m in queued] == [[employee.email], ["nobody@example.com"]]
    for message in queued:
        tasks.send_email(message)
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


def test_account_email_is_sent_in_the_request_when_the_broker_is_away(
    client, employee, django_capture_on_commit_callbacks
):
    from conftest import use_broker

    use_broker("redis://127.0.0.1:1/0")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/password/reset/", {"email": employee.email})
    finally:
        use_broker("memory://")
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body


def test_failed_logins_are_rate_limited(client, employee):
    # allauth: 5 failures per 5 minutes per account (and 10/minute per IP), counted in the cache
    pages = [login(client, employee.email, "wrong-password").content.decode() for _ in range(6)]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    # even the right password is refused while limited
    response = login(client, employee.email)
    assert response.status_code == 200 and "Too many failed login attempts" in response.content.decode()


def test_groups_exist_with_audit_permission(groups):
    assert set(groups) >= {"communications", "it_security", "auditor"}
    auditor_perms = set(Group.objects.get(name="auditor").permissions.values_list("codename", flat=True))
    assert "view_auditevent" in auditor_perms


def test_deleting_a_token_row_is_not_offered(superuser):
    from django.contrib.admin.sites import site

    from accounts.admin import ApiTokenAdmin

    assert ApiTokenAdmin(ApiToken, site).has_delete_permission(None) is False


def test_it_security_without_mfa_cannot_deactivate(employee, groups):
    it_without_mfa = UserFactory(email="it-nomfa@example.com", groups=["it_security"])
    with pytest.raises(Forbidden, match="two-factor"):
        user_deactivate(actor=it_without_mfa, user=employee)


def test_admin_deactivate_action_calls_the_service(client, superuser, employee):
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/", {"action": "deactivate", "_selected_action": [employee.pk]}, follow=True
    )
    assert response.status_code == 200
    employee.refresh_from_db()
    assert not employee.is_active
    assert AuditEvent.objects.filter(action="user.deactivated", actor=superuser).exists()


def test_admin_membership_change_is_audited(client, superuser, employee, department):
    client.force_login(superuser)
    membership = Membership.objects.get(user=employee)
    response = client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {"user": employee.pk, "department": department.pk, "role": "manager"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == "manager"
    assert AuditEvent.objects.get(action="membership.set").actor == superuser


def test_admin_cannot_delete_a_department(client, superuser, employee, department):
    # deleting one would drop its memberships with no service and no audit event
    client.force_login(superuser)
    assert client.get(f"/admin/accounts/department/{department.pk}/delete/").status_code == 403
    response = client.post(
        "/admin/accounts/department/", {"action": "delete_selected", "_selected_action": [department.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert Department.objects.filter(pk=department.pk).exists()
    assert Membership.objects.filter(department=department).exists()


def test_admin_role_group_change_is_audited(client, superuser, employee, groups):
    client.force_login(superuser)
    response = client.post(
        f"/admin/accounts/user/{employee.pk}/change/",
        {
            "email": employee.email,
            "full_name": "E",
            "groups": [groups["auditor"].pk],
            "memberships-TOTAL_FORMS": 1,
            "memberships-INITIAL_FORMS": 1,
            "memberships-MIN_NUM_FORMS": 0,
            "memberships-MAX_NUM_FORMS": 1000,
            "memberships-0-id": Membership.objects.get(user=employee).pk,
            "memberships-0-user": employee.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="user.roles_changed")
    assert event.data == {"added": ["auditor"], "removed": []}


def test_profile_shows_own_history(client, employee, it_security):
    from audit import services as audit

    audit.record(actor=it_security, action="user.roles_changed", target=employee, data={"added": ["auditor"]})
    client.force_login(employee)
    page = client.get("/profile/").content.decode()
    assert "user.roles_changed" in page and it_security.email in page


def test_missing_page_uses_the_house_404(client, employee):
    client.force_login(employee)
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and "not yours to see" in response.content.decode()
