"""A second factor for everyone who decides or exports (settings.MFA_REQUIRED_ROLES), asked on pages and the API."""

import pytest
from django.test import override_settings

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, enrol_totp

pytestmark = pytest.mark.django_db


def _person(role, groups):
    dept = DepartmentFactory(name="Marketing", slug="marketing")
    if role in ("manager", "reviewer", "member"):
        return add_member(UserFactory(email=f"{role}@example.com"), dept, role)
    if role == "staff":
        return UserFactory(email="staff@example.com", is_staff=True)
    if role == "superuser":
        return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    return UserFactory(email=f"{role}@example.com", groups=[role])


DECIDERS = ["manager", "reviewer", "communications", "it_security", "auditor", "staff", "superuser"]


@pytest.mark.parametrize("role", DECIDERS)
def test_each_deciding_role_is_asked_for_a_second_factor(client, token_client, groups, role):
    person = _person(role, groups)

    # a page sends them to enrol first
    client.force_login(person)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")
    # the API answers 403 until they enrol (a token made before they had the role included)
    api = token_client(person, scope="read")
    response = api.get("/api/v1/me/")
    assert (response.status_code, response.json()["code"]) == (403, "mfa_required")

    # once enrolled, both let them in
    enrol_totp(person)
    assert client.get("/").status_code == 200
    assert api.get("/api/v1/me/").status_code == 200


def test_an_employee_is_not_asked(client, groups):
    person = _person("member", groups)
    client.force_login(person)
    assert client.get("/").status_code == 200


def test_one_setting_names_the_roles(client, groups):
    person = _person("reviewer", groups)
    client.force_login(person)
    with override_settings(MFA_REQUIRED_ROLES=frozenset({"it_security", "staff"})):
        assert client.get("/").status_code == 200
    assert client.get("/").status_code == 302


def test_a_deciding_service_refuses_without_it(groups, employee, department):
    from channels_registry import services
    from channels_registry.tests.factories import channel_with_custodians
    from core.errors import Forbidden

    manager = add_member(UserFactory(email="m2@example.com"), department, "manager")
    colleague = add_member(UserFactory(email="c2@example.com"), department, "member")
    channel = channel_with_custodians(employee, colleague, department=department, state="proposed")
    with pytest.raises(Forbidden, match="two-factor"):
        services.channel_approve(actor=manager, channel=channel)
