import pytest

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from channels_registry.tests.permissions import objects  # noqa: F401 - the permission table's objects, for every test here


@pytest.fixture
def other_department(db):
    return DepartmentFactory(name="Training", slug="training")


@pytest.fixture
def colleague(department):
    return add_member(UserFactory(email="colleague@example.com"), department, "member")


@pytest.fixture
def registration(employee, colleague, department):
    """What an employee types to register an X account for Marketing."""
    from policies.tests.factories import platform

    return {
        "platform": platform("x"),
        "handle": "@Acme_News",
        "url": "https://x.com/acme_news",
        "display_name": "Acme News",
        "department": department,
        "purpose": "Product news and answers to customers.",
        "audience": "Customers and press",
        "custodians": [employee, colleague],
        "recovery_contact": "social-team@example.com",
        "mfa_enabled": True,
        "credentials_location": "vault://marketing/x-acme-news",
        "tools_connected": "Buffer",
    }
