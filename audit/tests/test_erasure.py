"""A person's data can be erased from the trail, and the trail still verifies."""

import pytest
from django.db import connection

from accounts.services import membership_set, user_email_changed
from audit import services as audit
from audit.models import AuditEvent, AuditPersonal
from audit.selectors import events_for, trail
from core.errors import Forbidden

pytestmark = pytest.mark.django_db


def test_personal_values_live_apart_from_the_event(manager, employee, department):
    # when a manager changes someone's membership (the label and data name the member)
    membership_set(actor=manager, user=employee, department=department, role="reviewer")

    # then the event row holds no address; the rows hold them, each with its commitment, and readers see them
    event = AuditEvent.objects.get(action="membership.set")
    assert "example.com" not in f"{event.target_text} {event.data}"
    rows = {r.ref: r for r in AuditPersonal.objects.filter(event=event)}
    assert rows["actor"].person_id == manager.pk and rows["actor"].label == manager.email
    assert rows["subject"].person_id == employee.pk and rows["subject"].data == {"user": employee.email}
    shown = trail().get(pk=event.pk)
    assert shown.actor_label == manager.email
    assert shown.details == {"user": employee.email, "department": "marketing", "before": "member", "after": "reviewer"}
    assert str(employee) in shown.target_label


def test_an_erasure_blanks_a_persons_data_and_the_chain_still_verifies(manager, employee, department, it_security):
    # given a trail that names the employee as subject and as actor, and names others too
    membership_set(actor=manager, user=employee, department=department, role="reviewer")
    user_email_changed(user=employee, before="employee@example.com", after="employee2@example.com")
    audit.record(actor=manager, action="test.unrelated", target=manager)
    audit.sequence()
    assert audit.verify_chain().broken is None

    # when IT security erases the employee's data
    erased = audit.audit_erase_person(actor=it_security, person=employee, reason="data-subject request")

    # then every row naming them is blank (values and salt), nothing else changed, and the chain verifies
    assert erased == 3  # the membership's subject row, the e-mail change's actor and subject rows
    assert not AuditPersonal.objects.filter(person=employee).exclude(label="[erased]").exists()
    assert not AuditPersonal.objects.filter(person=employee).exclude(salt="").exists()
    assert AuditPersonal.objects.get(event__action="membership.set", ref="actor").label == manager.email
    texts = " ".join(
        f"{e.actor_label} {e.target_label} {e.details}"
        for e in trail().filter(action__in=["membership.set", "user.email_changed"])
    )
    assert "employee" not in texts and "[erased]" in texts and manager.email in texts
    audit.sequence()
    result = audit.verify_chain()
    assert result.broken is None and result.erased == 3 and result.pending == 0

    # and the erasure itself is in the trail, naming the person by number only
    event = trail().get(action="audit.person_erased")
    assert event.target_id == str(employee.pk) and event.target_label == f"person #{employee.pk}"
    assert event.details == {"rows": 3, "reason": "data-subject request"}


def test_the_history_panel_shows_erased_values_as_erased(manager, employee, department, it_security):
    membership_set(actor=manager, user=employee, department=department, role="reviewer")
    audit.audit_erase_person(actor=it_security, person=employee)
    membership = employee.memberships.get(department=department)
    (event,) = events_for(membership)
    assert (event.actor_label, event.target_label) == (manager.email, "[erased]")
    assert event.details == {"department": "marketing", "before": "member", "after": "reviewer"}


def test_only_it_security_erases_and_nobody_their_own(employee, it_security, auditor, superuser):
    with pytest.raises(Forbidden):
        audit.audit_erase_person(actor=auditor, person=employee)
    with pytest.raises(Forbidden):
        audit.audit_erase_person(actor=it_security, person=it_security)
    assert audit.audit_erase_person(actor=superuser, person=employee) >= 0


def test_an_edited_personal_value_breaks_the_chain(manager, employee, department):
    # given a chained trail
    membership_set(actor=manager, user=employee, department=department, role="reviewer")
    audit.sequence()
    row = AuditPersonal.objects.get(event__action="membership.set", ref="subject")

    # when someone changes a personal value behind the triggers (not an erasure: the salt stays)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditpersonal DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditpersonal SET label = %s WHERE id = %s", ["Someone Else", row.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditpersonal ENABLE TRIGGER USER")

    # then verification names the event
    broken = audit.verify_chain().broken
    assert broken.event_id == row.event_id and "personal row 'subject' was edited" in broken.reason


def test_personal_values_need_a_subject(employee):
    with pytest.raises(ValueError, match="need a subject"):
        audit.record(actor=employee, action="x.y", target_type="a.b", target_id=1, data={"who": audit.personal("x")})
