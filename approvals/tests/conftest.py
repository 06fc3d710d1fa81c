import pytest

from accounts.tests.factories import UserFactory, add_member, enrol_totp
from approvals.tests.factories import channel_for
from approvals.tests.permissions import objects  # noqa: F401 - the permission table's objects, for every test here


@pytest.fixture
def channel(employee, department):
    """A public (X) channel of Marketing that the employee contributes to."""
    return channel_for(employee, department=department)


@pytest.fixture
def colleague(department):
    return add_member(UserFactory(email="colleague@example.com"), department, "member")


@pytest.fixture
def second_reviewer(department):
    return enrol_totp(add_member(UserFactory(email="reviewer2@example.com"), department, "reviewer"))
