"""The members pages and the memberships API: what each page and endpoint does (the permission table's rows are in
permissions.py)."""

from __future__ import annotations

import pytest

from accounts.models import Membership
from accounts.tests.factories import UserFactory, add_member, enrol_totp
from audit.models import AuditEvent
from notifications.models import Notification

pytestmark = pytest.mark.django_db


# --- the members page -------------------------------------------------------------------------------------------


def test_an_unknown_address_is_a_form_error_that_keeps_what_was_typed(client, manager, objects):
    client.force_login(manager)
    response = client.post(members_url(objects), {"email": "nobdy@exmple.com", "role": "reviewer"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "Nobody signs in as nobdy@exmple.com" in form.errors["email"][0]
    html = response.content.decode()
    assert 'value="nobdy@exmple.com"' in html
    assert '<option value="reviewer" selected>' in html
    assert not Membership.objects.filter(user__email="nobdy@exmple.com").exists()


def test_a_deactivated_person_is_refused_clearly(client, manager, objects):
    UserFactory(email="gone@example.com", is_active=False)
    client.force_login(manager)
    response = client.post(members_url(objects), {"email": "gone@example.com", "role": "member"})
    assert response.status_code == 200
    assert "gone@example.com is deactivated" in response.context["form"].errors["email"][0]
    assert 'value="gone@example.com"' in response.content.decode()


def test_adding_oneself_is_refused_on_the_form(client, it_security, objects):
    client.force_login(it_security)
    response = client.post(members_url(objects), {"email": it_security.email, "role": "member"})
    assert response.status_code == 200
    assert "concerns you" in str(response.context["form"].errors)


def test_a_manager_adds_changes_and_removes_from_the_page(client, manager, objects):
    client.force_login(manager)
    # add
    response = client.post(members_url(objects), {"email": "NEWCOMER@example.com", "role": "member"}, follow=True)
    assert "Nia Newcomer is now member." in response.content.decode()
    membership = Membership.objects.get(user__email="newcomer@example.com", department=objects["department"])
    # change the role
    response = client.post(f"{members_url(objects)}{membership.pk}/role/", {"role": "reviewer"}, follow=True)
    assert "Nia Newcomer is now reviewer." in response.content.decode()
    assert Membership.objects.get(pk=membership.pk).role == "reviewer"
    # remove: a confirmation first, then the button
    confirm = client.get(f"{members_url(objects)}{membership.pk}/remove/confirm/")
    assert confirm.status_code == 200
    assert f'action="{members_url(objects)}{membership.pk}/remove/"' in confirm.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()  # looking changes nothing
    assert client.get(f"{members_url(objects)}{membership.pk}/remove/").status_code == 405
    response = client.post(f"{members_url(objects)}{membership.pk}/remove/", follow=True)
    assert "Nia Newcomer is no longer a member of Marketing." in response.content.decode()
    assert not Membership.objects.filter(pk=membership.pk).exists()
    events = AuditEvent.objects.filter(action__startswith="membership.").order_by("id")
    assert [e.action for e in events] == ["membership.set", "membership.set", "membership.removed"]
    told = Notification.objects.filter(recipient__email="newcomer@example.com").order_by("id")
    assert [n.event for n in told] == ["membership.set", "membership.set", "membership.removed"]


def test_a_manager_is_offered_member_and_reviewer_and_cannot_touch_managers(client, manager, objects):
    other = enrol_totp(add_member(UserFactory(email="co-manager@example.com"), objects["department"], "manager"))
    client.force_login(manager)
    html = client.get(members_url(objects)).content.decode()
    assert '<option value="manager"' not in html
    assert "Managers are changed by IT security." in html and "Your own membership" in html
    theirs = Membership.objects.get(user=other)
    response = client.post(f"{members_url(objects)}{theirs.pk}/role/", {"role": "member"}, follow=True)
    assert "Choose a role you may give" not in response.content.decode()
    assert "Only IT security" in response.content.decode()
    assert Membership.objects.get(pk=theirs.pk).role == "manager"
    # the role form refuses a role the manager may not give
    target = objects["target"]
    response = client.post(f"{members_url(objects)}{target.pk}/role/", {"role": "manager"}, follow=True)
    assert "Choose a role you may give" in response.content.decode()
    assert Membership.objects.get(pk=target.pk).role == "member"


def test_the_auditor_reads_the_members_and_is_offered_no_change(client, auditor, objects):
    client.force_login(auditor)
    html = client.get(members_url(objects)).content.decode()
    assert "target@example.com" in html and "Add a member" not in html and "Change role" not in html


@pytest.mark.parametrize("count", [3, 30])
def test_the_members_page_costs_the_same_with_3_or_30_members(
    client, manager, department, count, django_assert_num_queries
):
    for i in range(count - 1):  # the manager is one of them
        add_member(UserFactory(email=f"m{i:02}@example.com"), department, "member")
    client.force_login(manager)
    # the person (with groups), the department, the manager's memberships, the page's count and rows; the layout's
    # bell and lockdown banner (each kept in the cache afterwards)
    with django_assert_num_queries(7):
        response = client.get(f"/departments/{department.pk}/members/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(count, 25)


def test_links_to_the_members_page_for_managers(client, manager, employee, department):
    client.force_login(manager)
    url = f"/departments/{department.pk}/members/"
    assert url in client.get("/").content.decode()  # the dashboard's departments card
    assert url in client.get("/profile/").content.decode()
    assert url in client.get("/departments/").content.decode()
    client.force_login(employee)
    assert url not in client.get("/").content.decode()
    assert url not in client.get("/departments/").content.decode()


def members_url(objects):
    return f"/departments/{objects['department'].pk}/members/"


# --- the API ------------------------------------------------------------------------------------------------------


def test_the_api_adds_changes_and_removes_through_the_services(token_client, manager, objects):
    client = token_client(manager)
    created = client.post(
        "/api/v1/memberships/", {"department": "marketing", "email": "newcomer@example.com"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["email"], body["role"], body["department"]) == ("newcomer@example.com", "member", "marketing")
    changed = client.patch(f"/api/v1/memberships/{body['id']}/", {"role": "reviewer"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "reviewer"
    assert client.delete(f"/api/v1/memberships/{body['id']}/").status_code == 204
    actions = (
        AuditEvent.objects.filter(action__startswith="membership.").order_by("id").values_list("action", flat=True)
    )
    assert list(actions) == ["membership.set", "membership.set", "membership.removed"]


def test_the_api_answers_400_403_404_409(token_client, manager, objects):
    client = token_client(manager)
    unknown = client.post("/api/v1/memberships/", {"department": "marketing", "email": "x@nowhere"}, format="json")
    assert unknown.status_code == 400 and "email" in unknown.json()["fields"]
    bad_role = client.patch(f"/api/v1/memberships/{objects['target'].pk}/", {"role": "boss"}, format="json")
    assert bad_role.status_code == 400 and "role" in bad_role.json()["fields"]
    no_dept = client.post(
        "/api/v1/memberships/", {"department": "nope", "email": "newcomer@example.com"}, format="json"
    )
    assert no_dept.status_code == 400 and "department" in no_dept.json()["fields"]
    elsewhere = client.post(
        "/api/v1/memberships/", {"department": "legal", "email": "newcomer@example.com"}, format="json"
    )
    assert elsewhere.status_code == 403
    manager_role = client.post(
        "/api/v1/memberships/",
        {"department": "marketing", "email": "newcomer@example.com", "role": "manager"},
        format="json",
    )
    assert manager_role.status_code == 403
    mine = Membership.objects.get(user=manager)
    own = client.patch(f"/api/v1/memberships/{mine.pk}/", {"role": "member"}, format="json")
    assert own.status_code == 403 and own.json()["code"] == "separation_of_duties" and own.json()["rule"] == "subject"
    assert client.delete(f"/api/v1/memberships/{objects['legal_member'].pk}/").status_code == 404
    again = client.post(
        "/api/v1/memberships/", {"department": "marketing", "email": "target@example.com"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_member"
    UserFactory(email="gone@example.com", is_active=False)
    gone = client.post("/api/v1/memberships/", {"department": "marketing", "email": "gone@example.com"}, format="json")
    assert gone.status_code == 409 and gone.json()["code"] == "deactivated"


@pytest.mark.parametrize("count", [3, 30])
def test_the_memberships_list_costs_the_same_with_3_or_30(
    token_client, manager, department, count, django_assert_num_queries
):
    for i in range(count - 1):
        add_member(UserFactory(email=f"m{i:02}@example.com"), department, "member")
    client = token_client(manager)
    # the token with its person and its last use, the manager's memberships, the filter's department, the rows
    with django_assert_num_queries(5):
        response = client.get("/api/v1/memberships/?department=marketing")
    assert response.status_code == 200 and len(response.json()["results"]) == count
