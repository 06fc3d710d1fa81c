"""Each step of a channel's life, an access request and a recertification tells the people it concerns who
decided and what they wrote; the deciders' requests leave their unread once someone decides."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory, add_member, enrol_totp
from channels_registry import services
from channels_registry.choices import CHECKLIST
from channels_registry.models import AccessGrant, Recertification, RotationTask
from channels_registry.tests.factories import add_custodian, channel_with_custodians
from notifications.models import Notification

pytestmark = pytest.mark.django_db

ALL_PASSED = {item: {"passed": True, "note": ""} for item in CHECKLIST}


def told(user, event):
    return list(Notification.objects.filter(recipient=user, event=event).order_by("pk"))


def unread(user, event):
    return Notification.objects.filter(recipient=user, event=event, read_at__isnull=True).count()


@pytest.fixture
def second_manager(department):
    return enrol_totp(add_member(UserFactory(email="manager2@example.com"), department, "manager"))


@pytest.fixture
def proposed(employee, colleague, registration, manager, second_manager):
    return services.channel_register(actor=employee, **registration)


def test_the_registrant_hears_the_managers_approval_with_their_note(
    proposed, employee, manager, second_manager, it_security
):
    assert [unread(m, "channel.registered") for m in (manager, second_manager)] == [1, 1]

    # when one manager approves with a note
    services.channel_approve(actor=manager, channel=proposed, note="Good plan, keep it on-brand.")

    # then the registrant (also its owner: one notification) hears who approved, what they said, what is next
    [note] = told(employee, "channel.approved")
    assert note.title == f"{manager.get_full_name()} approved Acme News: IT's security review is next"
    assert note.body == f"{manager.get_full_name()}: “Good plan, keep it on-brand.”"
    assert note.payload == {"decided_by": manager.pk, "comment": "Good plan, keep it on-brand."}
    assert not told(manager, "channel.approved")
    # and neither manager is still asked to approve; IT is asked to review, with the note
    assert [unread(m, "channel.registered") for m in (manager, second_manager)] == [0, 0]
    [review] = told(it_security, "channel.security_review_requested")
    assert "Good plan, keep it on-brand." in review.body and review.read_at is None


def test_the_security_review_names_the_reviewer_and_marks_its_request_read(proposed, employee, manager, it_security):
    services.channel_approve(actor=manager, channel=proposed)
    services.security_review_decide(actor=it_security, channel=proposed, checklist=ALL_PASSED, note="All in order.")
    [note] = told(employee, "channel.activated")
    assert note.title == f"Acme News is active after IT's security review by {it_security.get_full_name()}"
    assert note.body == f"{it_security.get_full_name()}: “All in order.”"
    assert unread(it_security, "channel.security_review_requested") == 0


def test_a_rejection_names_the_manager_and_ends_every_managers_request(
    proposed, employee, colleague, manager, second_manager
):
    services.channel_reject(actor=second_manager, channel=proposed, reason="We have one already.")
    [note] = told(employee, "channel.rejected")
    assert note.title == f"Acme News was not approved: rejected by {second_manager.get_full_name()}"
    assert note.body == f"{second_manager.get_full_name()}: “We have one already.”"
    assert [unread(m, "channel.registered") for m in (manager, second_manager)] == [0, 0]


@pytest.mark.parametrize("step", ["suspend", "reinstate", "retire"])
def test_it_decisions_on_a_live_channel_name_the_decider_and_the_reason(
    it_security, employee, colleague, manager, department, step
):
    channel = channel_with_custodians(employee, colleague, department=department)
    if step == "reinstate":
        services.channel_suspend(actor=it_security, channel=channel, reason="Leaked password")
    getattr(services, f"channel_{step}")(actor=it_security, channel=channel, reason="Checked by IT")
    done = {"suspend": "suspended", "reinstate": "reinstated", "retire": "retired"}[step]
    for person in (employee, manager):  # the owner and the department's manager
        [note] = told(person, f"channel.{done}")
        assert note.title == f"{channel.display_name} is {done} by {it_security.get_full_name()}"
        assert note.body == f"{it_security.get_full_name()}: “Checked by IT”"
        assert note.payload == {"decided_by": it_security.pk, "comment": "Checked by IT"}


def test_closing_a_rotation_tells_the_remaining_custodians_and_managers(
    it_security, employee, colleague, manager, department
):
    leaver = add_member(UserFactory(email="leaver@example.com"), department, "member")
    channel = channel_with_custodians(employee, colleague, department=department)
    add_custodian(channel, leaver)
    services.user_offboard(actor=it_security, user=leaver)
    task = RotationTask.objects.get(channel=channel)
    # before: nothing told anyone that the rotation was done
    services.rotation_task_close(actor=it_security, task=task, note="Password & recovery codes changed")
    for person in (employee, colleague, manager):
        [note] = told(person, "channel.rotation_done")
        assert note.title == f"Credentials of {channel.display_name} rotated by {it_security.get_full_name()}"
        assert note.body == f"{it_security.get_full_name()}: “Password & recovery codes changed”"
    assert not told(it_security, "channel.rotation_done")


def test_an_access_decision_names_the_decider_and_ends_the_other_deciders_request(
    employee, colleague, reviewer, it_security
):
    channel = channel_with_custodians(employee, colleague)
    request = services.access_request_create(
        actor=reviewer, kind="channel_role", channel=channel, role="publisher", reason="I run the launch"
    )
    assert [unread(p, "access.requested") for p in (employee, it_security)] == [1, 1]
    services.access_request_decide(actor=employee, request=request, grant=False, reason="Ask again in May")
    [note] = told(reviewer, "access.decided")
    assert note.title == f"Your request was refused by {employee.get_full_name()}"
    assert note.body == f"{employee.get_full_name()}: “Ask again in May”"
    assert note.payload == {"decided_by": employee.pk, "comment": "Ask again in May", "granted": False}
    assert [unread(p, "access.requested") for p in (employee, it_security)] == [0, 0]


def test_recertification_notes_are_read_once_every_grant_they_ask_about_is_decided(
    employee, colleague, it_security, time_machine
):
    # given two channels the employee owns, so one note asks about two grants (the colleague's on each)
    first = channel_with_custodians(employee, colleague)
    second = channel_with_custodians(employee, colleague)
    time_machine.move_to(timezone.now() + timedelta(days=91))
    services.recertifications_open()
    [asked] = told(employee, "access.recertification_due")
    assert len(asked.payload["grants"]) == 2
    on_first, on_second = (
        Recertification.objects.get(grant__channel=c, grant__user=colleague) for c in (first, second)
    )

    # when the owner confirms one: the note still asks about the other
    services.recertification_decide(actor=employee, recertification=on_first, confirm=True, note="Still on the team")
    assert unread(employee, "access.recertification_due") == 1
    # and the holder hears who confirmed it and why
    [confirmed] = told(colleague, "access.recertified")
    assert confirmed.title == f"{employee.get_full_name()} confirmed your access to {first.display_name}"
    assert confirmed.body.startswith(f"{employee.get_full_name()}: “Still on the team”\nNext review by ")

    # when the other is revoked: the note is done; the holder hears who revoked it and why
    services.recertification_decide(actor=employee, recertification=on_second, confirm=False, note="Moved team")
    assert unread(employee, "access.recertification_due") == 0
    [revoked] = told(colleague, "access.revoked")
    assert revoked.body == f"{employee.get_full_name()}: “Not recertified: Moved team”"
    # IT's note about the employee's own grants is untouched: those are still open
    assert unread(it_security, "access.recertification_due") == 1
    assert AccessGrant.objects.filter(user=employee, revoked_at__isnull=True).count() == 2


def test_a_triage_names_the_it_member_and_their_note(employee, it_security):
    from policies.tests.factories import platform

    report = services.reported_account_create(
        actor=employee, platform=platform("x"), url="https://x.com/Acme_Official", note="Uses our logo"
    )
    services.reported_account_triage(actor=it_security, report=report, outcome="takedown", note="Asked X to remove it")
    [note] = told(employee, "reported_account.triaged")
    assert note.title == (
        f"Your report of https://x.com/Acme_Official was triaged by {it_security.get_full_name()}: takedown requested"
    )
    assert note.body == f"{it_security.get_full_name()}: “Asked X to remove it”"
