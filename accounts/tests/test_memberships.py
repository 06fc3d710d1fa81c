"""Memberships through their services: who may add, change and remove whom, and what each change leaves behind."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from accounts.services import membership_add, membership_change_role, membership_remove, membership_set
from audit.duties import SeparationOfDuties
from audit.models import AuditEvent
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from notifications.models import Notification

from .factories import DepartmentFactory, UserFactory, add_member, enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    return UserFactory(email="newcomer@example.com")


def test_a_manager_adds_someone_by_address_audited_and_told_on_commit(
    manager, department, newcomer, django_capture_on_commit_callbacks
):
    # when: the address as typed, in another case
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        membership = membership_add(actor=manager, department=department, email=" NewComer@Example.com ")
    # then
    assert (membership.user, membership.department, membership.role) == (newcomer, department, "member")
    event = AuditEvent.objects.get(action="membership.set")
    assert (event.actor_id, event.data["before"], event.data["after"]) == (manager.pk, None, "member")
    told = Notification.objects.get(recipient=newcomer)
    assert told.event == "membership.set" and told.title == "You are now member of Marketing"
    assert callbacks, "delivery is queued on commit"


def test_an_address_nobody_signs_in_with_is_a_field_error(manager, department):
    with pytest.raises(InvalidInput) as refused:
        membership_add(actor=manager, department=department, email="nobody@example.com")
    assert "nobody@example.com" in refused.value.fields["email"][0]
    assert not AuditEvent.objects.filter(action="membership.set").exists()


def test_a_deactivated_person_is_refused_with_the_reason(manager, department, newcomer):
    newcomer.is_active = False
    newcomer.save()
    with pytest.raises(Conflict) as refused:
        membership_add(actor=manager, department=department, email=newcomer.email)
    assert refused.value.code == "deactivated" and "deactivated" in refused.value.fields["email"][0]
    with pytest.raises(Conflict):
        membership_set(actor=manager, user=newcomer, department=department, role="member")
    assert not Membership.objects.filter(user=newcomer).exists()


def test_adding_a_member_twice_is_a_conflict(manager, department, employee):
    with pytest.raises(Conflict) as refused:
        membership_add(actor=manager, department=department, email=employee.email, role="reviewer")
    assert refused.value.code == "already_member"
    assert Membership.objects.get(user=employee).role == "member"


def test_a_manager_of_another_department_and_a_member_are_refused(department, employee, newcomer):
    other = enrol_totp(add_member(UserFactory(), DepartmentFactory(name="Legal", slug="legal"), "manager"))
    membership = Membership.objects.get(user=employee)
    for actor in (other, employee):
        with pytest.raises(Forbidden):
            membership_add(actor=actor, department=department, email=newcomer.email)
        with pytest.raises(Forbidden):
            membership_change_role(actor=actor, membership=membership, role="reviewer")
        with pytest.raises(Forbidden):
            membership_remove(actor=actor, membership=membership)
    assert Membership.objects.get(user=employee).role == "member"


def test_a_manager_without_a_second_factor_is_sent_to_enrol(department, employee):
    manager = add_member(UserFactory(), department, "manager")
    with pytest.raises(Forbidden) as refused:
        membership_change_role(actor=manager, membership=Membership.objects.get(user=employee), role="reviewer")
    assert refused.value.code == "mfa_required"


def test_a_manager_changes_a_role_and_removes_a_member(manager, department, employee):
    membership = Membership.objects.get(user=employee)
    membership_change_role(actor=manager, membership=membership, role="reviewer")
    assert Membership.objects.get(pk=membership.pk).role == "reviewer"
    membership_remove(actor=manager, membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="membership.").order_by("id").values_list("action", flat=True)
    ) == [
        "membership.set",
        "membership.removed",
    ]
    assert list(Notification.objects.filter(recipient=employee).values_list("event", flat=True).order_by("id")) == [
        "membership.set",
        "membership.removed",
    ]
    with pytest.raises(NotFound):  # removed meanwhile
        membership_change_role(actor=manager, membership=membership, role="member")


def test_only_it_makes_managers_or_changes_a_managers_membership(manager, department, employee, it_security):
    other_manager = enrol_totp(add_member(UserFactory(), department, "manager"))
    with pytest.raises(Forbidden):
        membership_change_role(actor=manager, membership=Membership.objects.get(user=employee), role="manager")
    with pytest.raises(Forbidden):
        membership_add(actor=manager, department=department, email=UserFactory().email, role="manager")
    theirs = Membership.objects.get(user=other_manager)
    with pytest.raises(Forbidden):
        membership_change_role(actor=manager, membership=theirs, role="member")
    with pytest.raises(Forbidden):
        membership_remove(actor=manager, membership=theirs)
    # IT security may
    membership_change_role(actor=it_security, membership=Membership.objects.get(user=employee), role="manager")
    membership_remove(actor=it_security, membership=theirs)
    assert Membership.objects.get(user=employee).role == "manager"


@pytest.mark.parametrize("who", ["manager", "superuser", "it_security"])
def test_nobody_changes_their_own_membership(who, department, request):
    actor = request.getfixturevalue(who)
    add_member(actor, department, "manager")
    mine = Membership.objects.get(user=actor, department=department)
    with pytest.raises(SeparationOfDuties) as refused:
        membership_change_role(actor=actor, membership=mine, role="member")
    assert refused.value.rule == "subject"
    with pytest.raises(SeparationOfDuties):
        membership_remove(actor=actor, membership=mine)
    with pytest.raises(SeparationOfDuties):
        membership_set(actor=actor, user=actor, department=department, role="reviewer")
    assert Membership.objects.get(pk=mine.pk).role == "manager"
    # each refused attempt is on the record, for the auditors' anomalies
    assert AuditEvent.objects.filter(action="membership.self_change_refused").count() == 3


def test_the_identity_provider_adds_and_removes_without_a_person(department, newcomer):
    membership = membership_set(actor=None, user=newcomer, department=department, role="member")
    membership_remove(actor=None, membership=membership)
    membership_remove(actor=None, membership=membership)  # gone already: nothing to do
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_change_locks_only_the_membership(manager, department, employee):
    membership = Membership.objects.get(user=employee)
    with CaptureQueriesContext(connection) as queries:
        membership_change_role(actor=manager, membership=membership, role="reviewer")
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    if connection.features.has_select_for_update_of:
        assert len(locking) == 1 and locking[0].endswith('FOR UPDATE OF "accounts_membership"')
    else:  # SQLite locks the database for the transaction: nothing to see in the SQL
        assert locking == []


def test_the_admin_refuses_ones_own_membership_with_a_403(client, superuser, department):
    add_member(superuser, department, "manager")
    mine = Membership.objects.get(user=superuser)
    client.force_login(superuser)
    response = client.post(
        f"/admin/accounts/membership/{mine.pk}/change/",
        {"user": superuser.pk, "department": department.pk, "role": "member"},
    )
    assert response.status_code == 403
    assert Membership.objects.get(pk=mine.pk).role == "manager"
    response = client.post(f"/admin/accounts/membership/{mine.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Membership.objects.filter(pk=mine.pk).exists()
