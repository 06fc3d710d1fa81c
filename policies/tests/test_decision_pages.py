"""IT security records, changes and ends platform decisions from pages (no admin)."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from policies.models import PlatformDecision
from policies.tests.factories import PlatformDecisionFactory, platform

pytestmark = pytest.mark.django_db

NEW = "/policies/platforms/decisions/new/"


def _ticked(body: str, name: str, value: str) -> bool:
    """Whether the form's input ``name`` with ``value`` is ticked (a checkbox or radio button)."""
    return any("checked" in tag for tag in re.findall(rf'<input[^>]*name="{name}" value="{value}"[^>]*>', body))


def _change(d):
    return f"/policies/platforms/decisions/{d.pk}/change/"


def _end(d):
    return f"/policies/platforms/decisions/{d.pk}/end/"


def test_the_platform_list_links_it_to_the_page_not_the_admin(client, it_security, employee):
    client.force_login(it_security)
    body = client.get("/policies/platforms/").content.decode()
    assert f'href="{NEW}"' in body and "/admin/" not in body
    client.force_login(employee)
    assert NEW not in client.get("/policies/platforms/").content.decode()


def test_the_register_links_to_recording_changing_and_ending(client, it_security, department):
    decision = PlatformDecisionFactory(decided_by=it_security, departments=[department])
    client.force_login(it_security)
    body = client.get(reverse("it_decisions")).content.decode()
    assert NEW in body and _change(decision) in body and _end(decision) in body


def test_it_records_a_block_from_the_page(client, it_security, department):
    # given IT security on the form, with the platform and department chosen from the platform list's link
    client.force_login(it_security)
    form = client.get(NEW + "?platform=tiktok&department=marketing").content.decode()
    assert 'value="tiktok" selected' in form and _ticked(form, "departments", "marketing")
    # when they record a block
    response = client.post(
        NEW,
        {"platform": "tiktok", "departments": ["marketing"], "outcome": "blocked", "rationale": "Data residency"},
    )
    # then it is recorded through the service and audited, and they are back on the platform's decisions
    assert response.status_code == 302 and response["Location"] == "/policies/platforms/?platform=tiktok"
    decision = PlatformDecision.objects.get()
    assert (decision.outcome, decision.decided_by, list(decision.departments.all())) == (
        "blocked",
        it_security,
        [department],
    )
    assert AuditEvent.objects.filter(action="platform.decided").exists()


def test_a_refused_decision_keeps_what_was_typed(client, it_security, department):
    # given a conditional decision without its conditions, expiring before it starts
    client.force_login(it_security)
    response = client.post(
        NEW,
        {
            "platform": "tiktok",
            "departments": ["marketing"],
            "outcome": "conditional",
            "rationale": "Only with <b>company</b> phones",
            "effective_from": "2030-05-10",
            "expires_on": "2030-05-01",
        },
    )
    # then the form comes back with the service's messages on their fields, and everything as typed (escaped)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Name the conditions." in body and "It cannot expire before it takes effect." in body
    assert "Only with &lt;b&gt;company&lt;/b&gt; phones" in body
    assert 'value="2030-05-10"' in body and 'value="2030-05-01"' in body
    assert _ticked(body, "outcome", "conditional") and _ticked(body, "departments", "marketing")
    assert not PlatformDecision.objects.exists()


@pytest.mark.parametrize("role", ["employee", "manager", "communications", "auditor"])
def test_only_it_security_reaches_the_decision_pages(client, role, request, it_security):
    decision = PlatformDecisionFactory(decided_by=it_security)
    client.force_login(request.getfixturevalue(role))
    for url in (NEW, _change(decision), _end(decision)):
        assert client.get(url).status_code == 403
    assert client.post(_end(decision), {"reason": "x"}).status_code == 403
    assert PlatformDecision.objects.get().ended_at is None


def test_a_decision_that_does_not_exist_is_404(client, it_security):
    client.force_login(it_security)
    assert client.get("/policies/platforms/decisions/4040/change/").status_code == 404
    assert client.post("/policies/platforms/decisions/4040/end/", {"reason": "x"}).status_code == 404


def test_it_changes_a_decision_from_its_page(client, it_security, department):
    decision = PlatformDecisionFactory(decided_by=it_security, platform=platform("tiktok"), departments=[department])
    client.force_login(it_security)
    # the form starts from the decision as it is
    form = client.get(_change(decision)).content.decode()
    assert "Data is stored outside the EU." in form and _ticked(form, "departments", "marketing")
    assert _ticked(form, "outcome", "blocked")
    response = client.post(
        _change(decision),
        {"departments": ["marketing"], "outcome": "allowed", "rationale": "Moved to the EU", "review_by": "2031-01-01"},
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.outcome, str(decision.review_by)) == ("allowed", "2031-01-01")
    assert AuditEvent.objects.get(action="platform.decision_changed").data["changes"]["outcome"] == [
        "blocked",
        "allowed",
    ]


def test_a_refused_change_keeps_what_was_typed(client, it_security, department):
    decision = PlatformDecisionFactory(decided_by=it_security, departments=[department])
    client.force_login(it_security)
    response = client.post(
        _change(decision),
        {"departments": [], "outcome": "conditional", "rationale": "Typed reason", "review_by": "2031-02-03"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Name the conditions." in body
    assert "Typed reason" in body and 'value="2031-02-03"' in body
    assert not _ticked(body, "departments", "marketing") and _ticked(body, "outcome", "conditional")
    decision.refresh_from_db()
    assert decision.outcome == "blocked"


def test_ending_asks_for_a_reason_then_ends_it_and_a_second_end_is_refused_on_the_form(client, it_security, department):
    decision = PlatformDecisionFactory(decided_by=it_security, departments=[department])
    client.force_login(it_security)
    assert "Data is stored outside the EU." in client.get(_end(decision)).content.decode()
    response = client.post(_end(decision), {"reason": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert client.post(_end(decision), {"reason": "Pilot over"}).status_code == 302
    decision.refresh_from_db()
    assert decision.end_reason == "Pilot over"
    # the page now says it ended; a stale form posting again is told, with the reason as typed
    assert "This decision was ended on" in client.get(_end(decision)).content.decode()
    response = client.post(_change(decision), {"outcome": "allowed", "rationale": "Stale tab"})
    body = response.content.decode()
    assert response.status_code == 200 and "record a new one instead" in body and "Stale tab" in body


def test_the_requester_of_a_decision_is_refused_with_a_403(client, it_security, groups, department):
    from accounts.tests.factories import UserFactory, enrol_totp

    requester = enrol_totp(UserFactory(email="itsec2@example.com", groups=["it_security"]))
    decision = PlatformDecisionFactory(decided_by=it_security, requested_by=requester)
    client.force_login(requester)
    response = client.post(_end(decision), {"reason": "Mine"})
    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.ended_at is None
    # and the list offers them no change for it
    assert _change(decision) not in client.get("/policies/platforms/").content.decode()


def test_the_new_decision_form_costs_the_same_with_3_or_30_departments(client, it_security, django_assert_num_queries):
    from accounts.tests.factories import DepartmentFactory

    client.force_login(it_security)
    assert client.get(NEW).status_code == 200
    for n in (3, 27):
        DepartmentFactory.create_batch(n)
        with django_assert_num_queries(NEW_FORM_QUERIES):
            assert client.get(NEW).status_code == 200


def test_the_change_form_costs_the_same_with_3_or_30_departments(client, it_security, django_assert_num_queries):
    from accounts.tests.factories import DepartmentFactory

    decision = PlatformDecisionFactory(decided_by=it_security)
    client.force_login(it_security)
    assert client.get(_change(decision)).status_code == 200
    for n in (3, 27):
        decision.departments.add(*DepartmentFactory.create_batch(n))
        with django_assert_num_queries(CHANGE_FORM_QUERIES):
            assert client.get(_change(decision)).status_code == 200


# the user (the session, bell, banner and memberships come from the cache after the first view); the form's
# platforms and departments: one each
NEW_FORM_QUERIES = 3
# the user; the decision with its platform and deciders; its departments (prefetched); the form's departments
CHANGE_FORM_QUERIES = 4
