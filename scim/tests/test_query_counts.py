"""The SCIM lists cost the same number of queries for 3 people as for 30 (and 3 departments as 30)."""

import pytest

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db

# token, count, page, memberships with their departments (Users) or members (Groups), the log row
QUERIES = 5
# Groups: token; then count, page and members for each of the departments, the company roles, the departments'
# reviewers and their managers; the log row
GROUP_QUERIES = 1 + 4 * 3 + 1


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


@pytest.mark.parametrize("rows", [3, 30])
def test_listing_groups(warm, django_assert_num_queries, rows):
    # given: departments of a member, a reviewer and a manager each; company roles held by as many people
    people = [UserFactory(email=f"p{i}@example.com") for i in range(3)]
    for i in range(rows):
        department = DepartmentFactory(name=f"Dept {i}", slug=f"dept-{i}")
        for person, role in zip(people, ["member", "reviewer", "manager"], strict=True):
            add_member(person, department, role)
    for i in range(rows):
        UserFactory(email=f"c{i}@example.com", groups=["communications", "compliance"])

    # when
    with django_assert_num_queries(GROUP_QUERIES):
        response = warm.get("Groups?count=200")

    # then: the departments, the four company roles, each department's reviewers and managers
    assert response.body["totalResults"] == rows * 3 + 4
    groups = response.body["Resources"]
    assert [len(r["members"]) for r in groups[:rows]] == [3] * rows
    company = {r["id"]: len(r.get("members", [])) for r in groups[rows : rows + 4]}
    assert company == {"role-auditor": 0, "role-communications": rows, "role-compliance": rows, "role-it_security": 1}
    assert [len(r["members"]) for r in groups[rows + 4 :]] == [1] * (2 * rows)


@pytest.mark.parametrize("rows", [3, 30])
def test_listing_groups_by_filter(warm, django_assert_num_queries, rows):
    for i in range(rows):
        DepartmentFactory(name=f"Dept {i}", slug=f"dept-{i}")

    # no company role matches: it is counted, neither read nor its members
    with django_assert_num_queries(GROUP_QUERIES - 2):
        response = warm.get('Groups?filter=displayName co "dept"&count=200')

    assert response.body["totalResults"] == rows * 3  # the departments and their reviewers' and managers' groups
