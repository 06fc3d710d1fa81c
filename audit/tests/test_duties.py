"""The separation-of-duties rules themselves (``audit.duties``), apart from any app."""

import pytest
from django.db import transaction

from accounts.tests.factories import UserFactory
from audit import duties
from audit.models import ANOMALY_ACTIONS, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return [UserFactory(email=f"p{i}@example.com") for i in range(4)]


def test_each_party_is_barred_with_its_own_reason(people):
    a, b, c, d = people
    decision = duties.Decision(kind="access_request", target=a, requested_by=[a], subjects=[b], other_stages=[c])
    assert decision.rule_against(a) == "requester"
    assert decision.rule_against(b) == "subject"
    assert decision.rule_against(c) == "other_stage"
    assert decision.may_decide(d)
    with pytest.raises(duties.SeparationOfDuties) as refused:
        duties.ensure_may_decide(a, decision)
    assert (refused.value.status, refused.value.code, refused.value.rule) == (403, "separation_of_duties", "requester")
    assert refused.value.message == "This is your own request: someone else must decide this access request."
    # deciding on someone's behalf: the person decided for counts too
    with pytest.raises(duties.SeparationOfDuties):
        duties.ensure_may_decide(d, decision, on_behalf_of=b)


def test_an_unknown_kind_is_a_programming_error(people):
    with pytest.raises(ValueError):
        duties.Decision(kind="coffee", target=people[0])


def test_the_route_is_the_first_level_with_someone_who_is_no_party(people):
    a, b, c, d = people
    decision = duties.Decision(kind="channel_approval", target=a, registered_by=[a])
    usual = duties.route(decision, [("managers", [a, b]), ("IT", [c])])
    assert (usual.level, usual.people, usual.escalated) == ("managers", (b,), False)
    up = duties.route(decision, [("managers", [a]), ("IT", [a, c]), ("admins", [d])])
    assert (up.level, up.people, up.escalated) == ("IT", (c,), True)
    assert "since no one else at the usual level may" in up.told("it")
    assert duties.route(decision, [("managers", [a])]) is duties.NOBODY
    assert "No one but you" in duties.NOBODY.told("it")


def test_a_refused_attempt_outlives_the_refused_transaction(people):
    a = people[0]

    @duties.refusals_recorded
    @transaction.atomic
    def decide(*, actor):
        AuditEvent.objects.count()  # something the service did first, rolled back with it
        duties.ensure_may_decide(actor, duties.Decision(kind="grant", target=actor, subjects=[actor]))

    with pytest.raises(duties.SeparationOfDuties):
        decide(actor=a)
    [event] = AuditEvent.objects.all()
    assert (event.action, event.actor, event.data["rule"]) == ("access.self_grant_refused", a, "subject")
    assert event.action in ANOMALY_ACTIONS


def test_every_refusal_action_is_an_anomaly():
    assert set(duties.REFUSAL_ACTIONS) <= set(ANOMALY_ACTIONS)
