"""The signed-in person is read with their groups and two-factor enrolment in one query (accounts.backends),
whichever backend their session names."""

from __future__ import annotations

import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.backends import AuthenticationBackend, ModelBackend
from accounts.sessions import SessionStore
from accounts.tests.factories import enrol_totp

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_get_user_reads_the_groups_and_two_factor_with_the_person(
    backend, it_security, auditor, employee, superuser, django_assert_num_queries
):
    for person in (it_security, auditor, employee, superuser):
        # when (someone not enrolled in two-factor: whether their department roles need it is read too, once)
        with django_assert_num_queries(1 if is_mfa_enabled(person) else 2):
            user = backend().get_user(person.pk)
            # then: the group and two-factor checks ask nothing more
            names = permissions.group_names(user)
            mfa = permissions.has_mfa(user)
            satisfied = permissions.mfa_satisfied(user)
        assert user == person
        assert names == set(person.groups.values_list("name", flat=True))
        fresh = type(person).objects.get(pk=person.pk)
        assert mfa is is_mfa_enabled(person) and satisfied is permissions.mfa_satisfied(fresh)


def test_the_persons_query_reads_their_groups_and_second_factor(it_security, auditor, employee, superuser, groups):
    # given: people with groups and two-factor sign-in, with groups only, with two groups, with neither, and one
    # deactivated
    from accounts.selectors import group_names_from, user_with_groups

    superuser.groups.add(groups["auditor"], groups["communications"])
    type(employee).objects.filter(pk=employee.pk).update(is_active=False, deactivated_at=timezone.now())
    for person in (it_security, auditor, employee, superuser):
        # when
        user = user_with_groups(str(person.pk))  # as the session holds it
        # then
        assert user.pk == person.pk and user.email == person.email
        assert group_names_from(user.sg_group_names) == set(person.groups.values_list("name", flat=True))
        assert bool(user.sg_has_mfa) is is_mfa_enabled(person)
    assert group_names_from(user_with_groups(superuser.pk).sg_group_names) == {"auditor", "communications"}
    assert user_with_groups(10**9) is None and user_with_groups("nobody") is None


def test_several_groups_and_none(employee, groups):
    several = UserFactory(email="several@example.com", groups=["auditor", "communications", "it_security"])
    assert permissions.group_names(ModelBackend().get_user(several.pk)) == {"auditor", "communications", "it_security"}
    assert permissions.group_names(ModelBackend().get_user(employee.pk)) == frozenset()


def test_get_user_refuses_the_inactive_and_the_missing(employee):
    employee.is_active = False
    employee.save()
    assert ModelBackend().get_user(employee.pk) is None
    assert AuthenticationBackend().get_user(employee.pk) is None
    assert ModelBackend().get_user(10**9) is None


def test_signing_in_still_goes_through_allauth_and_names_our_backend(client, employee):
    response = client.post(reverse("account_login"), {"login": "EMPLOYEE@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[BACKEND_SESSION_KEY] in settings.AUTHENTICATION_BACKENDS


@pytest.mark.parametrize(
    "named",
    ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"],
)
def test_a_session_naming_django_or_allauth_backend_stays_signed_in(client, employee, named, django_assert_num_queries):
    # given a session written before our backends (or by bench.run), in the database only
    store = SessionStore()
    store[SESSION_KEY] = str(employee.pk)
    store[BACKEND_SESSION_KEY] = named
    store[HASH_SESSION_KEY] = employee.get_session_auth_hash()
    store.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key

    # when / then: the person is signed in, read by our backend
    assert client.get(reverse("notifications:list")).status_code == 200
    assert SessionStore(store.session_key).load()[BACKEND_SESSION_KEY] in settings.AUTHENTICATION_BACKENDS
    with django_assert_num_queries(2):  # the user with their groups, the page's count (memberships kept)
        assert client.get(reverse("notifications:list")).status_code == 200


def test_a_changed_group_counts_from_the_next_request(client, employee, groups):
    enrol_totp(employee)  # an auditor signs in with a second factor
    client.force_login(employee)
    assert b"Audit trail" not in client.get(reverse("notifications:list")).content
    employee.groups.add(Group.objects.get(name="auditor"))
    assert b"Audit trail" in client.get(reverse("notifications:list")).content


def test_memberships_are_kept_per_person_until_an_audited_change(
    reviewer, employee, manager, department, groups, it_security
):
    # given: each person's memberships read once (and kept)
    from accounts.models import Membership, User
    from accounts.services import department_save, membership_remove, membership_set

    def roles(person):  # a new request: a fresh user object
        return permissions.membership_rows(User.objects.get(pk=person.pk))

    assert roles(reviewer) == [(department.pk, department.name, "reviewer")]
    assert roles(employee) == [(department.pk, department.name, "member")]  # another person: their own

    # when / then: every change through the services shows on the next request
    membership_set(actor=it_security, user=reviewer, department=department, role="manager")  # IT makes managers
    assert roles(reviewer) == [(department.pk, department.name, "manager")]
    department.name = "Brand marketing"
    department_save(actor=UserFactory(is_staff=True, is_superuser=True), department=department, changed=["name"])
    assert roles(reviewer) == [(department.pk, "Brand marketing", "manager")]
    membership_remove(actor=it_security, membership=Membership.objects.get(user=reviewer, department=department))
    assert roles(reviewer) == []
    assert roles(employee) == [(department.pk, "Brand marketing", "member")]
