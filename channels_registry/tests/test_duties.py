"""Separation of duties in the registry: each case of issue 17 refused on the page and over the API, with its
reason and a refused attempt on the record; and the decisions that go up a level instead of dead-ending."""

import pytest
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, enrol_totp
from audit import duties
from audit.models import AuditEvent
from channels_registry import services
from channels_registry.choices import CHECKLIST, ChannelState
from channels_registry.models import AccessGrant, AccessRequest, Channel, Recertification
from channels_registry.tests.factories import channel_with_custodians
from notifications.models import Notification
from policies.tests.factories import platform

pytestmark = pytest.mark.django_db

CHECKLIST_OK = {f"{item}_passed": "1" for item in CHECKLIST}


def refused(response, reason: str, rule: str) -> None:
    """An API refusal by separation of duties: 403, its code, its rule and its reason."""
    assert response.status_code == 403, response.content
    body = response.json()
    assert (body["code"], body["rule"]) == ("separation_of_duties", rule)
    assert reason in body["detail"]


def refused_page(response, reason: str) -> None:
    assert response.status_code == 403
    assert reason in response.content.decode()


def attempts(action: str, actor) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, actor=actor))


def _proposed(registrant, *custodians, department):
    return channel_with_custodians(
        *custodians, department=department, registered_by=registrant, state=ChannelState.PROPOSED, activated_at=None
    )


# --- A manager approving the registration they made ---------------------------------------------------------------


def test_a_manager_may_not_approve_a_channel_they_registered_page(client, manager, employee, colleague, department):
    channel = _proposed(manager, employee, colleague, department=department)
    client.force_login(manager)

    response = client.post(f"/registry/channels/{channel.pk}/approve/", {"reason": "fine"})

    refused_page(response, "You registered it")
    channel.refresh_from_db()
    assert channel.state == ChannelState.PROPOSED
    [event] = attempts("channel.self_approval_refused", manager)
    assert event.target_id == str(channel.pk)
    assert event.data["rule"] == "registrant"


def test_a_manager_may_not_approve_a_channel_they_registered_api(api_client, manager, employee, colleague, department):
    channel = _proposed(manager, employee, colleague, department=department)
    api_client.force_authenticate(manager)

    response = api_client.post(f"/api/v1/channels/{channel.pk}/approve/", {"reason": "fine"})

    refused(response, "You registered it", "registrant")
    assert Channel.objects.get(pk=channel.pk).state == ChannelState.PROPOSED
    assert len(attempts("channel.self_approval_refused", manager)) == 1


def test_a_manager_named_custodian_may_not_approve_it_either(manager, employee, department):
    channel = _proposed(employee, manager, employee, department=department)
    with pytest.raises(duties.SeparationOfDuties, match="concerns you"):
        services.channel_approve(actor=manager, channel=channel)


def test_superusers_are_not_exempt(superuser, employee, colleague, department):
    channel = _proposed(superuser, employee, colleague, department=department)
    with pytest.raises(duties.SeparationOfDuties):
        services.channel_approve(actor=superuser, channel=channel)
    assert len(attempts("channel.self_approval_refused", superuser)) == 1


# --- IT security reviewing a channel it registered with itself as custodian ----------------------------------------


@pytest.fixture
def it_channel(it_security, groups):
    it = DepartmentFactory(name="IT", slug="it")
    add_member(it_security, it, "member")
    other = add_member(UserFactory(email="it-colleague@example.com"), it, "member")
    channel = channel_with_custodians(
        it_security, other, department=it, registered_by=it_security, state=ChannelState.IN_SECURITY_REVIEW
    )
    return channel


def test_it_security_may_not_review_its_own_channel_page(client, it_security, it_channel):
    client.force_login(it_security)

    response = client.post(f"/registry/channels/{it_channel.pk}/security-review/", CHECKLIST_OK)

    refused_page(response, "You registered it")
    assert Channel.objects.get(pk=it_channel.pk).state == ChannelState.IN_SECURITY_REVIEW
    assert len(attempts("channel.self_review_refused", it_security)) == 1


def test_it_security_may_not_review_its_own_channel_api(api_client, it_security, it_channel):
    api_client.force_authenticate(it_security)
    checklist = {k: {"passed": True} for k in CHECKLIST}

    response = api_client.post(f"/api/v1/channels/{it_channel.pk}/security-review/", {"checklist": checklist})

    refused(response, "You registered it", "registrant")
    assert len(attempts("channel.self_review_refused", it_security)) == 1


def test_a_custodian_or_the_approver_may_not_review(it_security, employee, colleague, department, groups):
    # a custodian who is IT security
    channel = _proposed(employee, it_security, colleague, department=department)
    Channel.objects.filter(pk=channel.pk).update(state=ChannelState.IN_SECURITY_REVIEW)
    with pytest.raises(duties.SeparationOfDuties, match="concerns you"):
        services.security_review_decide(actor=it_security, channel=channel, checklist={})
    # the IT member who approved the registration (it went up to IT): another IT member reviews it
    other = enrol_totp(UserFactory(email="it2@example.com", groups=["it_security"]))
    channel = _proposed(employee, employee, colleague, department=department)
    Channel.objects.filter(pk=channel.pk).update(state=ChannelState.IN_SECURITY_REVIEW, approved_by=other)
    with pytest.raises(duties.SeparationOfDuties, match="another stage"):
        services.security_review_decide(actor=other, channel=channel, checklist={})
    assert AuditEvent.objects.get(action="channel.second_stage_refused", actor=other).data["kind"] == "security_review"


# --- IT security granting itself the access it asked for -----------------------------------------------------------


@pytest.fixture
def it_asks(it_security, employee, colleague):
    channel = channel_with_custodians(employee, colleague)
    request = services.access_request_create(
        actor=it_security, kind="channel_role", channel=channel, role="owner", reason="Incident response"
    )
    return request


def test_it_security_may_not_grant_itself_page(client, it_security, it_asks):
    client.force_login(it_security)

    response = client.post(
        f"/registry/access-requests/{it_asks.pk}/decide/", {"decision": "grant", "reason": "I need it"}
    )

    refused_page(response, "This is your own request")
    assert AccessRequest.objects.get(pk=it_asks.pk).state == "pending"
    assert not AccessGrant.objects.filter(user=it_security).exists()
    assert len(attempts("access.self_decision_refused", it_security)) == 1


def test_it_security_may_not_grant_itself_api(api_client, it_security, it_asks):
    api_client.force_authenticate(it_security)

    response = api_client.post(f"/api/v1/access-requests/{it_asks.pk}/decide/", {"grant": True, "reason": "mine"})

    refused(response, "This is your own request", "requester")
    assert len(attempts("access.self_decision_refused", it_security)) == 1


def test_another_it_member_grants_it(it_security, it_asks, groups):
    other = enrol_totp(UserFactory(email="it2@example.com", groups=["it_security"]))
    services.access_request_decide(actor=other, request=it_asks, grant=True, reason="Incident 42")
    assert AccessGrant.objects.get(user=it_security, revoked_at__isnull=True).granted_by == other


def test_nobody_grants_a_role_to_themselves_directly(it_security, employee, colleague):
    channel = channel_with_custodians(employee, colleague)
    with pytest.raises(duties.SeparationOfDuties, match="concerns you"):
        services.grant_create(actor=it_security, channel=channel, user=it_security, role="owner", reason="me")
    assert len(attempts("access.self_grant_refused", it_security)) == 1


def test_a_refusal_inside_another_decision_is_recorded_once(it_security, employee, colleague):
    # granting a request calls grant_create: its refusal is on the record once, by the outermost service
    channel = channel_with_custodians(employee, colleague)
    request = AccessRequest.objects.create(
        kind="channel_role", requester=employee, channel=channel, role="owner", reason="x"
    )
    with pytest.raises(duties.SeparationOfDuties):
        services.access_request_decide(actor=employee, request=request, grant=True, reason="mine")
    assert AuditEvent.objects.filter(action__endswith="_refused").count() == 1


# --- An owner confirming their own grant in recertification ------------------------------------------------------


@pytest.fixture
def own_item(employee, colleague):
    channel = channel_with_custodians(employee, colleague)
    grant = AccessGrant.objects.get(channel=channel, user=employee)
    now = timezone.now()
    return Recertification.objects.create(grant=grant, opened_at=now, escalate_at=now)


def test_an_owner_may_not_recertify_their_own_grant_page(client, employee, own_item):
    client.force_login(employee)

    response = client.post(f"/registry/recertifications/{own_item.pk}/decide/", {"decision": "confirm"})

    refused_page(response, "concerns you")
    assert Recertification.objects.get(pk=own_item.pk).state == "open"
    assert len(attempts("access.self_recertification_refused", employee)) == 1


def test_an_owner_may_not_recertify_their_own_grant_api(api_client, employee, own_item):
    api_client.force_authenticate(employee)

    response = api_client.post(f"/api/v1/recertifications/{own_item.pk}/decide/", {"confirm": True})

    refused(response, "concerns you", "subject")
    assert len(attempts("access.self_recertification_refused", employee)) == 1


# --- Going up a level instead of dead-ending -----------------------------------------------------------------------


@pytest.fixture
def one_person_department(groups):
    """A department whose only person is its manager."""
    solo = DepartmentFactory(name="Legal", slug="legal")
    boss = enrol_totp(add_member(UserFactory(email="boss@example.com"), solo, "manager"))
    other = add_member(UserFactory(email="helper@example.com"), DepartmentFactory(name="Ops", slug="ops"), "member")
    return solo, boss, other


def test_a_sole_manager_s_registration_goes_to_it_security(
    client, one_person_department, it_security, django_capture_on_commit_callbacks
):
    solo, boss, other = one_person_department
    client.force_login(boss)
    data = {
        "platform": platform("linkedin").pk,
        "handle": "acme-legal",
        "url": "https://www.linkedin.com/company/acme-legal",
        "display_name": "Acme Legal",
        "department": solo.pk,
        "purpose": "Legal notices.",
        "audience": "Press",
        "custodians": "boss@example.com, helper@example.com",
        "recovery_contact": "legal@example.com",
        "mfa_enabled": "on",
        "credentials_location": "vault://legal/linkedin",
    }

    # when the department's only manager registers a channel
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/registry/register/", data, follow=True)

    # then they are told IT security will approve it, and IT security is asked
    channel = Channel.objects.get(handle="acme-legal")
    assert "will decide its approval, since no one else at the usual level may" in response.content.decode()
    assert "IT security" in response.content.decode()
    assert Notification.objects.filter(recipient=it_security, event="channel.registered").exists()
    assert not Notification.objects.filter(recipient=boss, event="channel.registered").exists()
    assert AuditEvent.objects.get(action="channel.approval_escalated").data["to"] == [it_security.pk]
    # and IT security may approve it (it could not before), while the manager still may not
    with pytest.raises(duties.SeparationOfDuties):
        services.channel_approve(actor=boss, channel=channel)
    services.channel_approve(actor=it_security, channel=channel)
    assert Channel.objects.get(pk=channel.pk).approved_by == it_security


def test_a_sole_manager_s_registration_over_the_api_says_who_decides(api_client, one_person_department, it_security):
    solo, boss, other = one_person_department
    api_client.force_authenticate(boss)
    response = api_client.post(
        "/api/v1/channels/",
        {
            "platform": "linkedin",
            "handle": "acme-legal",
            "url": "https://www.linkedin.com/company/acme-legal",
            "display_name": "Acme Legal",
            "department": "legal",
            "purpose": "Legal notices.",
            "audience": "Press",
            "custodians": ["boss@example.com", "helper@example.com"],
            "recovery_contact": "legal@example.com",
            "mfa_enabled": True,
            "credentials_location": "vault://legal/linkedin",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["deciders"] == {"level": "IT security", "escalated": True, "people": [it_security.email]}


def test_the_usual_approver_is_told_too(api_client, employee, colleague, manager, department):
    api_client.force_authenticate(employee)
    response = api_client.post(
        "/api/v1/channels/",
        {
            "platform": "linkedin",
            "handle": "acme-news",
            "url": "https://www.linkedin.com/company/acme-news",
            "display_name": "Acme News",
            "department": "marketing",
            "purpose": "News.",
            "audience": "Press",
            "custodians": ["employee@example.com", "colleague@example.com"],
            "recovery_contact": "social@example.com",
            "mfa_enabled": True,
            "credentials_location": "vault://marketing/linkedin",
        },
    )
    assert response.json()["deciders"] == {
        "level": "the department's managers",
        "escalated": False,
        "people": [manager.email],
    }


def test_the_only_it_member_asking_goes_to_an_administrator(
    client, it_security, superuser, groups, django_capture_on_commit_callbacks
):
    from accounts.tests.factories import DepartmentFactory as Departments

    dept = Departments(name="Ops", slug="ops")
    client.force_login(it_security)
    # when the only IT security member asks for a platform for a department
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/registry/access-requests/",
            {"kind": "platform", "platform": platform("x").pk, "department": dept.pk, "reason": "Campaign"},
            follow=True,
        )
    # then they are told an administrator decides, and the administrator is asked
    request = AccessRequest.objects.get(requester=it_security)
    assert "(an administrator) will decide it" in response.content.decode()
    assert Notification.objects.filter(recipient=superuser, event="access.requested", target_id=str(request.pk))
    assert not Notification.objects.filter(recipient=it_security, event="access.requested").exists()
    services.access_request_decide(actor=superuser, request=request, grant=True, reason="Approved")


def test_the_only_it_member_asking_over_the_api_is_told(api_client, it_security, superuser, groups):
    dept = DepartmentFactory(name="Ops", slug="ops")
    add_member(it_security, dept, "member")
    api_client.force_authenticate(it_security)
    response = api_client.post(
        "/api/v1/access-requests/", {"kind": "platform", "platform": "x", "department": "ops", "reason": "Campaign"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["deciders"] == {"level": "an administrator", "escalated": True, "people": [superuser.email]}
    assert AuditEvent.objects.get(action="access.request_escalated").data["to"] == [superuser.pk]
