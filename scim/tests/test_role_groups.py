"""Roles as SCIM groups: the company roles (``role-<name>``) and each department's reviewers and managers
(``role-<department id>-<role>``), listed after the departments; their members change through the role services."""

import pytest
from django.test import override_settings

from accounts.models import Membership
from accounts.services import user_role_set
from accounts.tests.factories import DepartmentFactory, UserFactory
from audit.models import AuditEvent
from core.errors import Forbidden
from notifications.models import Notification

pytestmark = pytest.mark.django_db
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
COMPANY = ["role-auditor", "role-communications", "role-compliance", "role-it_security"]


@pytest.fixture
def sales(db):
    return DepartmentFactory(name="Sales", slug="sales")


def _ids(body) -> list[str]:
    return [r["id"] for r in body.get("Resources", [])]


def _add(user, op="add"):
    return [{"op": op, "path": "members", "value": [{"value": str(user.pk)}]}]


# --- listing -----------------------------------------------------------------------------


def test_groups_lists_departments_then_company_roles_then_department_roles(scim, department, sales):
    # when
    body = scim.get("Groups").body

    # then
    d, s = department.pk, sales.pk
    expected = [
        str(d),
        str(s),
        *COMPANY,
        f"role-{d}-reviewer",
        f"role-{s}-reviewer",
        f"role-{d}-manager",
        f"role-{s}-manager",
    ]
    assert body["totalResults"] == 10
    assert _ids(body) == expected
    names = {r["id"]: r["displayName"] for r in body["Resources"]}
    assert names["role-it_security"] == "Role: IT security"
    assert names[f"role-{s}-manager"] == "Role: Sales manager"


def test_paging_runs_across_departments_and_roles(scim, department, sales):
    # when: a page that starts among the company roles and ends among the department roles
    page = scim.get("Groups?startIndex=6&count=4").body

    # then
    assert page["totalResults"] == 10 and page["startIndex"] == 6 and page["itemsPerPage"] == 4
    assert _ids(page) == ["role-it_security", f"role-{department.pk}-reviewer", f"role-{sales.pk}-reviewer"] + [
        f"role-{department.pk}-manager"
    ]

    # and pages of three walk the whole list once
    seen = []
    for start in range(1, 11, 3):
        body = scim.get(f"Groups?startIndex={start}&count=3").body
        assert body["totalResults"] == 10
        seen += _ids(body)
    assert seen == _ids(scim.get("Groups").body)
    assert scim.get("Groups?startIndex=11&count=3").body["totalResults"] == 10
    assert "Resources" not in scim.get("Groups?startIndex=11&count=3").body
    assert _ids(scim.get("Groups?startIndex=2&count=2").body) == [str(sales.pk), "role-auditor"]


def test_filter_by_display_name_finds_departments_and_roles(scim, department, sales):
    role = scim.get('Groups?filter=displayName eq "role: marketing reviewer"').body
    dept = scim.get('Groups?filter=displayName eq "Marketing"').body
    company = scim.get('Groups?filter=displayName eq "Role: Auditor"').body
    roles = scim.get('Groups?filter=displayName sw "Role: "&count=3').body

    assert _ids(role) == [f"role-{department.pk}-reviewer"]
    assert _ids(dept) == [str(department.pk)]
    assert _ids(company) == ["role-auditor"]
    assert roles["totalResults"] == 8 and _ids(roles) == COMPANY[:3]


def test_filter_by_id_and_member(scim, department, reviewer, it_security):
    by_id = scim.get('Groups?filter=id eq "role-it_security"').body
    of_reviewer = scim.get(f'Groups?filter=members[value eq "{reviewer.pk}"]').body
    of_itsec = scim.get(f'Groups?filter=members.value eq "{it_security.pk}"').body

    assert _ids(by_id) == ["role-it_security"]
    assert _ids(of_reviewer) == [str(department.pk), f"role-{department.pk}-reviewer"]
    assert _ids(of_itsec) == ["role-it_security"]


def test_a_role_group_lists_its_holders(scim, department, employee, reviewer, manager, it_security):
    # when
    reviewers = scim.get(f"Groups/role-{department.pk}-reviewer")
    managers = scim.get(f"Groups/role-{department.pk}-manager").body
    itsec = scim.get("Groups/role-it_security").body

    # then
    assert reviewers.status_code == 200, reviewers.body
    assert reviewers.body["displayName"] == "Role: Marketing reviewer"
    assert [m["value"] for m in reviewers.body["members"]] == [str(reviewer.pk)]
    assert reviewers.body["members"][0]["$ref"].endswith(f"/scim/v2/Users/{reviewer.pk}")
    assert reviewers.body["meta"]["location"].endswith(f"/scim/v2/Groups/role-{department.pk}-reviewer")
    assert [m["value"] for m in managers["members"]] == [str(manager.pk)]
    assert [m["value"] for m in itsec["members"]] == [str(it_security.pk)]
    assert "members" not in scim.get("Groups/role-compliance").body


@pytest.mark.parametrize(
    "pk", ["role-nope", "role-999999-reviewer", "role-{d}-member", "role-{d}-owner", "role-", "role-{d}", "role-x-y"]
)
def test_an_unknown_role_group_is_404(scim, department, pk):
    path = f"Groups/{pk.format(d=department.pk)}"
    assert scim.get(path).status_code == 404
    response = scim.patch(path, [{"op": "add", "path": "members", "value": [{"value": "1"}]}])
    assert response.status_code == 404 and response.body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_a_department_deleted_over_scim_has_no_role_groups(scim, department, sales):
    scim.delete(f"Groups/{sales.pk}")
    assert scim.get(f"Groups/role-{sales.pk}-reviewer").status_code == 404
    assert scim.get("Groups").body["totalResults"] == 1 + 4 + 2


# --- department roles ----------------------------------------------------------------------


def test_okta_adds_a_reviewer_once(scim, department, employee, sales):
    # given
    events = AuditEvent.objects.count()

    # when: Okta's shape, the same PATCH twice
    first = scim.patch(f"Groups/role-{department.pk}-reviewer", _add(employee))
    after_first = AuditEvent.objects.count()
    second = scim.patch(f"Groups/role-{department.pk}-reviewer", _add(employee))

    # then
    assert first.status_code == 200 and second.status_code == 200, (first.body, second.body)
    assert Membership.objects.get(user=employee, department=department).role == "reviewer"
    assert [m["value"] for m in second.body["members"]] == [str(employee.pk)]
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)[events:]) == ["membership.set"]
    assert AuditEvent.objects.count() == after_first
    assert Notification.objects.filter(recipient=employee, event="membership.set").count() == 1


def test_joining_a_department_role_joins_the_department(scim, sales, employee):
    response = scim.patch(f"Groups/role-{sales.pk}-manager", _add(employee, "Add"))

    assert response.status_code == 200, response.body
    assert Membership.objects.get(user=employee, department=sales).role == "manager"
    assert str(employee.pk) in [m["value"] for m in scim.get(f"Groups/{sales.pk}").body["members"]]


def test_entra_removes_a_reviewer_by_filter_path_and_they_stay_a_member(scim, department, reviewer):
    # when: Entra ID's shapes, capitalised ops and a members[value eq "…"] path
    removed = scim.patch(
        f"Groups/role-{department.pk}-reviewer", [{"op": "Remove", "path": f'members[value eq "{reviewer.pk}"]'}]
    )
    again = scim.patch(
        f"Groups/role-{department.pk}-reviewer", [{"op": "Remove", "path": f'members[value eq "{reviewer.pk}"]'}]
    )

    # then
    assert removed.status_code == 200 and again.status_code == 200, (removed.body, again.body)
    assert Membership.objects.get(user=reviewer, department=department).role == "member"
    assert "members" not in removed.body
    assert AuditEvent.objects.filter(action="membership.set", target_id=str(reviewer.memberships.get().pk)).count() == 1


def test_entra_removes_with_a_value_list(scim, department, reviewer):
    response = scim.patch(
        f"Groups/role-{department.pk}-reviewer",
        [{"op": "Remove", "path": "members", "value": [{"value": str(reviewer.pk)}]}],
    )
    assert response.status_code == 200, response.body
    assert Membership.objects.get(user=reviewer, department=department).role == "member"


def test_joining_the_managers_leaves_the_reviewers(scim, department, reviewer):
    scim.patch(f"Groups/role-{department.pk}-manager", _add(reviewer, "Add"))

    assert Membership.objects.get(user=reviewer, department=department).role == "manager"
    assert "members" not in scim.get(f"Groups/role-{department.pk}-reviewer").body
    # leaving the reviewers now changes nothing: they are not one
    events = AuditEvent.objects.count()
    leave = [{"op": "Remove", "path": f'members[value eq "{reviewer.pk}"]'}]
    scim.patch(f"Groups/role-{department.pk}-reviewer", leave)
    assert AuditEvent.objects.count() == events
    assert Membership.objects.get(user=reviewer, department=department).role == "manager"


def test_put_replaces_a_role_groups_members(scim, department, reviewer, employee):
    group = scim.get(f"Groups/role-{department.pk}-reviewer").body

    response = scim.put(
        f"Groups/role-{department.pk}-reviewer",
        {"schemas": [GROUP_SCHEMA], "displayName": group["displayName"], "members": [{"value": str(employee.pk)}]},
    )

    assert response.status_code == 200, response.body
    roles = dict(Membership.objects.filter(department=department).values_list("user_id", "role"))
    assert roles == {employee.pk: "reviewer", reviewer.pk: "member"}


def test_okta_replaces_a_role_groups_members_and_keeps_its_name(scim, department, reviewer, employee):
    # Okta's push: a path-less replace with the group's id, name and members
    response = scim.patch(
        f"Groups/role-{department.pk}-reviewer",
        [
            {
                "op": "replace",
                "value": {
                    "id": f"role-{department.pk}-reviewer",
                    "displayName": "Role: Marketing reviewer",
                    "members": [{"value": str(employee.pk)}],
                },
            }
        ],
    )
    assert response.status_code == 200, response.body
    assert [m["value"] for m in response.body["members"]] == [str(employee.pk)]


def test_a_role_groups_name_cannot_change(scim, department):
    response = scim.patch(
        f"Groups/role-{department.pk}-reviewer", [{"op": "Replace", "path": "displayName", "value": "Reviewers"}]
    )
    assert response.status_code == 400 and response.body["scimType"] == "invalidValue"
    assert scim.get(f"Groups/role-{department.pk}-reviewer").body["displayName"] == "Role: Marketing reviewer"


def test_a_role_group_cannot_be_deleted_or_taken_as_a_department_name(scim, department):
    deleted = scim.delete("Groups/role-communications")
    pushed = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "role: Marketing reviewer"})
    renamed = scim.patch(f"Groups/{department.pk}", [{"op": "replace", "path": "displayName", "value": "Role: X"}])

    assert deleted.status_code == 403 and deleted.body["scimType"] == "mutability"
    assert pushed.status_code == 409 and pushed.body["scimType"] == "uniqueness"
    assert renamed.status_code == 409 and renamed.body["scimType"] == "uniqueness"
    department.refresh_from_db()
    assert department.name == "Marketing"


def test_an_unknown_member_of_a_role_group_is_400(scim, department):
    response = scim.patch(
        f"Groups/role-{department.pk}-reviewer", [{"op": "add", "path": "members", "value": [{"value": "999999"}]}]
    )
    assert response.status_code == 400 and response.body["scimType"] == "invalidValue"


# --- company roles -------------------------------------------------------------------------


def test_a_company_role_is_given_and_taken_once(scim, employee, groups):
    # when: Entra ID adds with a capitalised op, twice
    added = scim.patch("Groups/role-communications", _add(employee, "Add"))
    scim.patch("Groups/role-communications", _add(employee, "Add"))

    # then
    assert added.status_code == 200, added.body
    assert list(employee.groups.values_list("name", flat=True)) == ["communications"]
    events = AuditEvent.objects.filter(action="user.roles_changed", target_id=str(employee.pk))
    assert events.count() == 1
    assert events.get().data["added"] == ["communications"] and "Okta" in events.get().data["via"]
    assert Notification.objects.filter(recipient=employee, event="user.roles_changed").count() == 1

    # when: removed by a filter path, twice
    removed = scim.patch("Groups/role-communications", [{"op": "Remove", "path": f'members[value eq "{employee.pk}"]'}])
    scim.patch("Groups/role-communications", [{"op": "Remove", "path": f'members[value eq "{employee.pk}"]'}])

    # then
    assert removed.status_code == 200, removed.body
    assert not employee.groups.exists()
    assert events.count() == 2


@pytest.mark.parametrize("role", ["it_security", "auditor", "compliance"])
def test_a_privileged_role_is_refused_when_the_setting_is_off(scim, employee, it_security, role):
    # given
    holder = it_security if role == "it_security" else UserFactory(email="holder@example.com", groups=[role])
    events = AuditEvent.objects.count()

    # when
    granted = scim.patch(f"Groups/role-{role}", _add(employee, "Add"))
    replaced = scim.patch(f"Groups/role-{role}", [{"op": "Replace", "path": "members", "value": []}])

    # then
    assert granted.status_code == 403 and granted.body["scimType"] == "mutability", granted.body
    assert "SCIM_PRIVILEGED_ROLE_GROUPS" in granted.body["detail"]
    assert replaced.status_code == 403
    assert not employee.groups.exists()
    assert list(holder.groups.values_list("name", flat=True)) == [role]
    assert AuditEvent.objects.count() == events
    # a PATCH that changes nothing is no change: answered as it is
    nobody = [{"op": "Remove", "path": 'members[value eq "999999"]'}]
    assert scim.patch(f"Groups/role-{role}", nobody).status_code == 200


@override_settings(SCIM_PRIVILEGED_ROLE_GROUPS=True)
def test_a_privileged_role_is_given_when_the_setting_allows_it(scim, employee, it_security):
    response = scim.patch("Groups/role-it_security", _add(employee, "Add"))

    assert response.status_code == 200, response.body
    assert sorted(m["value"] for m in response.body["members"]) == sorted([str(employee.pk), str(it_security.pk)])
    assert AuditEvent.objects.filter(action="user.roles_changed", target_id=str(employee.pk)).count() == 1


# --- the service -----------------------------------------------------------------------------


def test_user_role_set_is_it_securitys_and_never_on_oneself(employee, manager, it_security):
    with pytest.raises(Forbidden):
        user_role_set(actor=manager, user=employee, role="communications", held=True)
    with pytest.raises(Forbidden):
        user_role_set(actor=it_security, user=it_security, role="auditor", held=True)

    assert user_role_set(actor=it_security, user=employee, role="auditor", held=True) is True
    assert user_role_set(actor=it_security, user=employee, role="auditor", held=True) is False
    assert AuditEvent.objects.get(action="user.roles_changed").actor == it_security


def test_role_groups_are_on_the_users_too_unchanged(scim, reviewer, department):
    # a person's groups are their departments (role groups are read from the Groups)
    body = scim.get(f"Users/{reviewer.pk}").body
    assert [g["value"] for g in body["groups"]] == [str(department.pk)]


def test_a_person_deleted_over_scim_is_not_listed_in_a_role_group(scim, groups):
    person = UserFactory(email="gone@example.com", groups=["communications"])
    assert [m["value"] for m in scim.get("Groups/role-communications").body["members"]] == [str(person.pk)]
    scim.delete(f"Users/{person.pk}")
    assert "members" not in scim.get("Groups/role-communications").body


def test_entra_checks_a_membership_with_a_filter(scim, department, reviewer, employee, groups):
    # Entra ID's membership check: the group by id and the member, without the members listed
    query = 'Groups?excludedAttributes=members&filter=id eq "role-{g}" and members eq "{u}"'
    held = scim.get(query.format(g=f"{department.pk}-reviewer", u=reviewer.pk)).body
    not_held = scim.get(query.format(g=f"{department.pk}-reviewer", u=employee.pk)).body

    assert held["totalResults"] == 1 and "members" not in held["Resources"][0]
    assert not_held["totalResults"] == 0


def test_groups_with_members(scim, department, reviewer, it_security):
    # members pr (was a 500 on departments too: an id compared with "")
    response = scim.get("Groups?filter=members pr")

    assert response.status_code == 200, response.body
    assert _ids(response.body) == [str(department.pk), "role-it_security", f"role-{department.pk}-reviewer"]


def test_entra_sets_an_external_id_that_changes_nothing(scim, department, reviewer):
    events = AuditEvent.objects.count()

    response = scim.patch(
        f"Groups/role-{department.pk}-reviewer",
        [{"op": "Replace", "path": "externalId", "value": "4f1c2a3e-0000-4000-8000-000000000001"}],
    )

    assert response.status_code == 200, response.body
    assert "externalId" not in response.body
    assert [m["value"] for m in response.body["members"]] == [str(reviewer.pk)]
    assert AuditEvent.objects.count() == events
