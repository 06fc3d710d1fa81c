"""The SCIM lists cost the same number of queries for 3 people as for 30 (and 3 departments as 30)."""

import pytest

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db

# token, count, page, memberships with their departments (Users) or members (Groups), the log row
QUERIES = 5


@pytest.fixture
def warm(scim):
    scim.get("ServiceProviderConfig")  # the token's last use is written at most once a minute: done here
    return scim


@pytest.mark.parametrize("people", [3, 30])
def test_listing_users(warm, django_assert_num_queries, people, department):
    # given
    second = DepartmentFactory(name="Sales", slug="sales")
    for i in range(people):
        add_member(add_member(UserFactory(email=f"p{i}@example.com"), department, "member"), second, "reviewer")

    # when
    with django_assert_num_queries(QUERIES):
        response = warm.get("Users?count=100")

    # then (it_security, who made the token, is listed too)
    assert response.body["totalResults"] == people + 1
    assert len(response.body["Resources"]) == people + 1
    assert {len(r.get("groups", [])) for r in response.body["Resources"]} == {0, 2}


@pytest.mark.parametrize("people", [3, 30])
def test_listing_users_by_filter(warm, django_assert_num_queries, people):
    for i in range(people):
        UserFactory(email=f"p{i}@example.com")

    with django_assert_num_queries(QUERIES):
        response = warm.get('Users?filter=userName sw "p"')

    assert response.body["totalResults"] == people


@pytest.mark.parametrize("departments", [3, 30])
def test_listing_groups(warm, django_assert_num_queries, departments):
    people = [UserFactory(email=f"p{i}@example.com") for i in range(3)]
    for i in range(departments):
        department = DepartmentFactory(name=f"Dept {i}", slug=f"dept-{i}")
        for person in people:
            add_member(person, department, "member")

    with django_assert_num_queries(QUERIES):
        response = warm.get("Groups?count=100")

    assert response.body["totalResults"] == departments
    assert {len(r["members"]) for r in response.body["Resources"]} == {3}
