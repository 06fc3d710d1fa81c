"""The trail's actor filter picks a person by name (README, "Filters pick by name"), as the other person filters do."""

import pytest

from accounts.tests.factories import UserFactory
from audit import services as audit

pytestmark = pytest.mark.django_db


def test_the_trail_filters_by_an_actor_chosen_by_name(client, auditor, employee, manager):
    # given events by two people, one with a full name
    employee.full_name = "Emma Example"
    employee.save(update_fields=["full_name"])
    audit.record(actor=employee, action="test.by_emma", target=employee)
    audit.record(actor=manager, action="test.by_manager", target=employee)
    client.force_login(auditor)

    # when the auditor types part of her name (no script: what was typed is submitted)
    response = client.get("/audit/?actor=emma ex")

    # then only her events are listed, and the input shows her name, never her id
    assert response.status_code == 200
    actions = {e.action for e in response.context["events"]}
    assert "test.by_emma" in actions and "test.by_manager" not in actions
    page = response.content.decode()
    assert 'value="Emma Example &lt;employee@example.com&gt;"' in page
    assert 'data-picker-url="/search/person/"' in page
    # the script's answer (the picked id) reads the same
    by_id = client.get(f"/audit/?actor={employee.pk}")
    assert {e.action for e in by_id.context["events"]} == actions


def test_an_actor_no_one_or_several_are_called_is_a_form_error_that_keeps_the_text(client, auditor, employee):
    UserFactory(email="employee2@example.com")
    audit.record(actor=employee, action="test.one", target=employee)
    client.force_login(auditor)

    nobody = client.get("/audit/?actor=nobody-here")
    several = client.get("/audit/?actor=employee")

    assert nobody.status_code == several.status_code == 200
    assert nobody.context["filter"].errors["actor"] == ["No person you may see is called “nobody-here”."]
    assert several.context["filter"].errors["actor"][0].startswith("Several people match “employee”")
    assert 'value="nobody-here"' in nobody.content.decode()
