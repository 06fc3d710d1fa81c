"""The departments' and memberships' rows of the permission table, and the objects their URLs point at.

The table's manager, reviewer and employee belong to Marketing; "Legal" is a department none of them manages."""

from __future__ import annotations

import pytest

from accounts.models import Membership
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from socialgov.testing.permissions import Route, api, only, page

MANAGERS = {"manager", "it_security", "superuser"}  # Marketing's manager, and IT in every department
EVERYWHERE = {"it_security", "superuser"}
READERS = {*MANAGERS, "auditor"}


def members(o, department="department"):
    return f"/departments/{o[department].pk}/members/"


def member(o, suffix, membership="target"):
    return f"{members(o)}{o[membership].pk}/{suffix}"


ROUTES: list[Route] = [
    Route("departments:list", "get", lambda o: "/departments/", page()),
    Route("departments:members", "get", members, only(READERS)),
    Route("departments:members", "get", lambda o: f"{members(o)}?page=2", only(READERS)),
    Route("departments:members", "get", lambda o: members(o, "legal"), only({*EVERYWHERE, "auditor"})),
    Route("departments:members", "get", lambda o: "/departments/999999/members/", page(ok=404)),
    Route(
        "departments:members",
        "post",
        members,
        only(MANAGERS, ok=302),
        data={"email": "newcomer@example.com", "role": "member"},
    ),
    Route(
        "departments:members",
        "post",
        lambda o: members(o, "legal"),
        only(EVERYWHERE, ok=302),
        data={"email": "newcomer@example.com", "role": "reviewer"},
    ),
    Route(
        "departments:member_role",
        "post",
        lambda o: member(o, "role/"),
        only(MANAGERS, ok=302),
        data={"role": "reviewer"},
    ),
    # Legal's member through Marketing's address: not one of its members
    Route(
        "departments:member_role",
        "post",
        lambda o: member(o, "role/", "legal_member"),
        only(MANAGERS, ok=404),
        data={"role": "reviewer"},
    ),
    Route("departments:member_remove_confirm", "get", lambda o: member(o, "remove/confirm/"), only(MANAGERS)),
    Route("departments:member_remove", "post", lambda o: member(o, "remove/"), only(MANAGERS, ok=302)),
    # API
    Route("membership-list", "get", lambda o: "/api/v1/memberships/", api(), api=True),
    Route("membership-list", "get", lambda o: "/api/v1/memberships/?department=legal&role=member", api(), api=True),
    Route(
        "membership-list",
        "post",
        lambda o: "/api/v1/memberships/",
        only(MANAGERS, ok=201, anon=401),
        data={"department": "marketing", "email": "newcomer@example.com", "role": "member"},
        api=True,
    ),
    Route(
        "membership-detail",
        "get",
        lambda o: f"/api/v1/memberships/{o['target'].pk}/",
        only(READERS, anon=401, denied=404),
        api=True,
    ),
    Route(
        "membership-detail",
        "get",
        lambda o: f"/api/v1/memberships/{o['legal_member'].pk}/",
        only({*EVERYWHERE, "auditor"}, anon=401, denied=404),
        api=True,
    ),
    Route(
        "membership-detail",
        "patch",
        lambda o: f"/api/v1/memberships/{o['target'].pk}/",
        {**only(MANAGERS, anon=401, denied=404), "auditor": 403},
        data={"role": "reviewer"},
        api=True,
    ),
    Route(
        "membership-detail",
        "delete",
        lambda o: f"/api/v1/memberships/{o['target'].pk}/",
        {**only(MANAGERS, ok=204, anon=401, denied=404), "auditor": 403},
        api=True,
    ),
]


@pytest.fixture
def objects(department):
    legal = DepartmentFactory(name="Legal", slug="legal")
    target = add_member(UserFactory(email="target@example.com", full_name="Tara Target"), department, "member")
    other = add_member(UserFactory(email="counsel@example.com"), legal, "member")
    UserFactory(email="newcomer@example.com", full_name="Nia Newcomer")
    return {
        "department": department,
        "legal": legal,
        "target": Membership.objects.get(user=target),
        "legal_member": Membership.objects.get(user=other),
    }
