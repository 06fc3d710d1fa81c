"""SCIM Groups are departments; membership patches go through the membership services."""

import pytest

from accounts.models import Department, Membership
from accounts.tests.factories import DepartmentFactory, UserFactory
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture
def sales(db):
    return DepartmentFactory(name="Sales", slug="sales")


def test_a_pushed_group_becomes_a_department_with_its_members(scim, employee):
    # when
    response = scim.post(
        "Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Legal", "members": [{"value": str(employee.pk)}]}
    )

    # then
    assert response.status_code == 201, response.body
    legal = Department.objects.get(name="Legal")
    assert response.body["id"] == str(legal.pk)
    assert Membership.objects.get(department=legal, user=employee).role == "member"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "department.created" in actions and "membership.set" in actions


def test_a_patch_moves_a_person_between_departments(scim, employee, department, sales):
    # when: Entra ID's shapes (capitalised ops, remove with a value)
    removed = scim.patch(
        f"Groups/{department.pk}", [{"op": "Remove", "path": "members", "value": [{"value": str(employee.pk)}]}]
    )
    added = scim.patch(f"Groups/{sales.pk}", [{"op": "Add", "path": "members", "value": [{"value": str(employee.pk)}]}])

    # then
    assert removed.status_code == 200 and added.status_code == 200, (removed.body, added.body)
    assert list(employee.memberships.values_list("department__slug", flat=True)) == ["sales"]
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("membership.removed") == 1 and actions.count("membership.set") == 1
    user = scim.get(f"Users/{employee.pk}").body
    assert [g["display"] for g in user["groups"]] == ["Sales"]


def test_adding_a_member_twice_changes_nothing_and_keeps_their_role(scim, manager, department):
    events = AuditEvent.objects.count()
    operations = [{"op": "add", "path": "members", "value": [{"value": str(manager.pk)}]}]

    scim.patch(f"Groups/{department.pk}", operations)
    scim.patch(f"Groups/{department.pk}", operations)

    assert Membership.objects.get(user=manager, department=department).role == "manager"
    assert AuditEvent.objects.count() == events


def test_removing_by_filter_path(scim, employee, department):
    response = scim.patch(f"Groups/{department.pk}", [{"op": "remove", "path": f'members[value eq "{employee.pk}"]'}])
    assert response.status_code == 200, response.body
    assert not employee.memberships.exists()


def test_an_unknown_member_is_400(scim, department):
    response = scim.patch(f"Groups/{department.pk}", [{"op": "add", "path": "members", "value": [{"value": "999999"}]}])
    assert response.status_code == 400 and response.body["scimType"] == "invalidValue"


def test_a_taken_name_is_409(scim, department):
    response = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "marketing"})
    assert response.status_code == 409 and response.body["scimType"] == "uniqueness"


def test_deleting_a_group_ends_its_memberships_and_keeps_the_department(scim, employee, department):
    response = scim.delete(f"Groups/{department.pk}")

    assert response.status_code == 204
    assert Department.objects.filter(pk=department.pk).exists()
    assert not Membership.objects.filter(department=department).exists()
    assert scim.get(f"Groups/{department.pk}").status_code == 404
    # pushed again, it is the same department
    again = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Marketing"})
    assert again.status_code == 201 and again.body["id"] == str(department.pk)


def test_groups_filter_by_display_name(scim, department, sales):
    found = scim.get('Groups?filter=displayName eq "sales"').body
    assert [g["id"] for g in found["Resources"]] == [str(sales.pk)]


def test_a_person_deleted_over_scim_cannot_be_added(scim, department):
    person = UserFactory(email="gone@example.com")
    scim.delete(f"Users/{person.pk}")
    response = scim.patch(
        f"Groups/{department.pk}", [{"op": "add", "path": "members", "value": [{"value": str(person.pk)}]}]
    )
    assert response.status_code == 400


def test_okta_renames_a_group_with_its_id_in_the_value(scim, department):
    # Okta's documented group rename: a path-less replace carrying the group's own id
    response = scim.patch(
        f"Groups/{department.pk}", [{"op": "replace", "value": {"id": str(department.pk), "displayName": "Brand"}}]
    )
    assert response.status_code == 200, response.body
    department.refresh_from_db()
    assert department.name == "Brand"


def test_okta_replaces_the_members(scim, department, employee, manager):
    response = scim.patch(
        f"Groups/{department.pk}", [{"op": "replace", "path": "members", "value": [{"value": str(manager.pk)}]}]
    )
    assert response.status_code == 200, response.body
    assert list(department.memberships.values_list("user_id", flat=True)) == [manager.pk]
