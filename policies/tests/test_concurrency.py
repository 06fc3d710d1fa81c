"""On real PostgreSQL: racing publications and acknowledgements leave one result."""

import threading

import pytest
from django.db import connection, connections

from core.errors import Conflict
from policies import services
from policies.models import Acknowledgement
from policies.tests.factories import published_policy
from socialgov.testing.audit import assert_chain_intact

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def race(target, *args_list):
    barrier = threading.Barrier(len(args_list))
    outcomes = []

    def run(args):
        try:
            barrier.wait()
            target(*args)
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_publishing_the_same_draft_twice_at_once_publishes_it_once(it_security, communications):
    policy = services.policy_create(actor=communications, title="Raced", slug="raced")
    draft = services.policy_version_draft(actor=communications, policy=policy, body="x")

    def publish(person):
        services.policy_version_publish(actor=person, version=draft)

    assert race(publish, (it_security,), (communications,)) == ["conflict", "won"]
    policy.refresh_from_db()
    assert policy.current_version_id == draft.pk
    assert_chain_intact()


def test_acknowledging_twice_at_once_keeps_one_row(employee):
    version = published_policy().current_version

    def acknowledge():
        services.acknowledgement_record(actor=employee, version=version)

    assert race(acknowledge, (), ()) == ["won", "won"]
    assert Acknowledgement.objects.filter(user=employee, version=version).count() == 1
    assert_chain_intact()


def test_two_it_members_ending_the_same_decision_at_once_end_it_once(it_security, groups, department):
    from accounts.tests.factories import UserFactory, enrol_totp
    from audit.models import AuditEvent
    from policies.tests.factories import PlatformDecisionFactory

    other = enrol_totp(UserFactory(email="itsec2@example.com", groups=["it_security"]))
    decision = PlatformDecisionFactory(decided_by=it_security, departments=[department])

    def end(person):
        services.platform_decision_end(actor=person, decision=decision, reason=f"Ended by {person.email}")

    assert race(end, (it_security,), (other,)) == ["conflict", "won"]
    assert AuditEvent.objects.filter(action="platform.decision_ended").count() == 1
    assert_chain_intact()
