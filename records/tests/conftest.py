import pytest

from accounts.tests.factories import UserFactory, enrol_totp
from approvals.tests.factories import channel_for
from records.tests.permissions import objects  # noqa: F401 - the permission table's objects, for every test here


@pytest.fixture
def compliance(groups):
    return enrol_totp(UserFactory(email="compliance@example.com", groups=["compliance"]))


@pytest.fixture
def channel(employee, department):
    return channel_for(employee, department=department)
