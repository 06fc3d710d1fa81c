"""On real PostgreSQL: two managers approve the same channel at once; exactly one wins."""

import threading

import pytest
from django.db import connection, connections

from accounts.tests.factories import enrol_totp
from channels_registry import services
from channels_registry.tests.factories import channel_with_custodians
from core.errors import Conflict
from socialgov.testing.audit import assert_chain_intact

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_racing_approvals_exactly_one_wins(department, manager, employee, colleague):
    from accounts.tests.factories import UserFactory, add_member

    second = enrol_totp(add_member(UserFactory(email="manager2@example.com"), department, "manager"))
    channel = channel_with_custodians(employee, colleague, department=department, state="proposed")
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(person):
        try:
            barrier.wait()
            services.channel_approve(actor=person, channel=channel)
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(p,)) for p in (manager, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["conflict", "won"]
    channel.refresh_from_db()
    assert channel.state == "in_security_review"
    assert_chain_intact()
