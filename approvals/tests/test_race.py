"""Decisions race safely: on PostgreSQL, concurrent deciders get exactly as many successes as the stage allows."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from accounts.tests.factories import UserFactory, add_member, enrol_totp
from approvals import services
from approvals.models import Decision, RouteStage, StageReview
from approvals.tests.factories import channel_for, open_stage, submitted
from core.errors import Conflict
from policies.tests.factories import PlatformFactory
from socialgov.testing.audit import assert_chain_intact

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(stage_pk: int, people) -> list[str]:
    barrier = threading.Barrier(len(people))
    results: list[str] = []
    lock = threading.Lock()

    def decide(person):
        try:
            barrier.wait()
            stage = StageReview.objects.get(pk=stage_pk)
            services.stage_decide(actor=person, stage_review=stage, outcome="approve")
            outcome = "ok"
        except Conflict:
            outcome = "conflict"
        except Exception as exc:  # noqa: BLE001 - anything else fails the test below
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()  # each thread had its own connection
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=decide, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize(("mode", "required", "wins"), [("any", 1, 1), ("n_of", 3, 3)])
def test_ten_deciders_race_the_same_stage(department, employee, mode, required, wins):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks (select_for_update) only race for real on PostgreSQL; SQLite has one writer at a time.")
    # given a stage ten reviewers may decide
    reviewers = [
        enrol_totp(add_member(UserFactory(email=f"r{i}@example.com"), department, "reviewer")) for i in range(10)
    ]
    with transaction.atomic():
        route = services._department_route(department)
    RouteStage.objects.filter(route=route, position=1).update(mode=mode, required=required)
    network = PlatformFactory(slug="race-net", kind="social")  # migrations' rows are flushed between such tests
    post = submitted(employee, channel_for(employee, department=department, platform=network))
    stage = open_stage(post)

    # when all ten approve at once
    results = _race(stage.pk, reviewers)

    # then exactly as many succeed as the mode allows; the rest get a conflict and change nothing,
    # and the audit chain the racing writers appended to still verifies
    assert sorted(results) == ["conflict"] * (10 - wins) + ["ok"] * wins, results
    stage.refresh_from_db()
    assert stage.state == "approved"
    assert stage.approvals == required
    assert Decision.objects.filter(stage_review=stage).count() == wins
    assert StageReview.objects.get(revision=stage.revision, position=2).state == "open"
    assert_chain_intact()
