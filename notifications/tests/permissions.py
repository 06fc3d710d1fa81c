"""The chat channels' rows of the permission table, and the objects their URLs point at.

The table's manager belongs to Marketing; "Legal" is a department none of them manages; the employee has a Slack
channel of their own, Marketing a Teams channel."""

from __future__ import annotations

import pytest

from accounts.tests.factories import DepartmentFactory
from notifications import services
from socialgov.testing.permissions import Route, only, page

MANAGERS = {"manager", "it_security", "superuser"}  # Marketing's manager, and IT in every department
EVERYWHERE = {"it_security", "superuser"}
PUBLIC = "93.184.215.14"  # a public address literal: no name to resolve
HOOK = f"https://{PUBLIC}/services/T0/B0/x"


def department_chat(o, department="department"):
    return f"/notifications/chat/departments/{o[department].pk}/"


ROUTES: list[Route] = [
    Route("notifications:chat", "get", lambda o: "/notifications/chat/", page()),
    Route(
        "notifications:chat",
        "post",
        lambda o: "/notifications/chat/",
        page(ok=302),
        data={"kind": "slack", "url": HOOK},
    ),
    Route("notifications:department_chat", "get", department_chat, only(MANAGERS)),
    Route("notifications:department_chat", "get", lambda o: department_chat(o, "legal"), only(EVERYWHERE)),
    Route("notifications:department_chat", "get", lambda o: "/notifications/chat/departments/999999/", page(ok=404)),
    Route(
        "notifications:department_chat",
        "post",
        department_chat,
        only(MANAGERS, ok=302),
        data={"kind": "teams", "url": HOOK},
    ),
    Route(
        "notifications:department_chat",
        "post",
        lambda o: department_chat(o, "legal"),
        only(EVERYWHERE, ok=302),
        data={"kind": "slack", "url": HOOK},
    ),
    # the employee's own channel: theirs alone (404 to everyone else)
    Route(
        "notifications:chat_remove",
        "post",
        lambda o: f"/notifications/chat/{o['own_chat'].pk}/remove/",
        page(ok=404, employee=302),
    ),
    Route(
        "notifications:chat_remove",
        "post",
        lambda o: f"/notifications/chat/{o['department_chat'].pk}/remove/",
        only(MANAGERS, ok=302),
    ),
]


@pytest.fixture
def objects(department, employee, manager):
    legal = DepartmentFactory(name="Legal", slug="legal")
    return {
        "department": department,
        "legal": legal,
        "own_chat": services.chat_target_save(actor=employee, kind="slack", url=f"https://{PUBLIC}/e", user=employee),
        "department_chat": services.chat_target_save(
            actor=manager, kind="teams", url=f"https://{PUBLIC}/m", department=department
        ),
    }
