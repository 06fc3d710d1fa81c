"""The sequencer: services write unchained without a shared lock; one sequencer chains committed events."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from accounts.tests.factories import UserFactory
from audit import services as audit
from audit.models import ChainLink, PendingEvent
from audit.services import sequencing
from notifications.tests.test_integration import worker_broker  # noqa: F401 - the real-worker fixture
from socialgov.testing.audit import assert_chain_intact

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


@pytest.mark.django_db
def test_a_burst_of_commits_kicks_the_sequencer_once(monkeypatch):
    # given the PostgreSQL path (a Celery task), its publications counted
    from audit import tasks

    sent = []
    monkeypatch.setattr(sequencing.connection, "vendor", "postgresql")
    monkeypatch.setattr(tasks.sequence_events, "apply_async", lambda *a, **k: sent.append(1))

    # when three commits kick it, then the task clears the key, and another commit kicks
    for _ in range(3):
        audit.kick_sequencer()
    assert sent == [1]
    monkeypatch.setattr(audit, "sequence", lambda **k: 0)
    tasks.sequence_events()
    audit.kick_sequencer()

    # then one task per burst
    assert sent == [1, 1]


@pytest.mark.django_db
def test_a_broker_outage_leaves_the_events_to_beats_run(monkeypatch, caplog):
    from audit import tasks

    monkeypatch.setattr(sequencing.connection, "vendor", "postgresql")

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.sequence_events, "apply_async", down)
    audit.kick_sequencer()  # logged, not raised
    assert "Sequencer not kicked" in caplog.text


@pytest.mark.django_db
def test_a_service_takes_no_shared_lock(employee, django_assert_num_queries):
    # the event, its personal rows, its queue row: no advisory lock, no read of the chain's head
    with django_assert_num_queries(3) as queries:
        audit.record(actor=employee, action="test.happened", target=employee)
    assert not [q for q in queries.captured_queries if "lock" in q["sql"].lower()]


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_and_a_sequencer_at_once_leave_a_whole_gapless_chain():
    # given eight writers recording 25 events each in their own transactions, and a sequencer running meanwhile
    people = [UserFactory(email=f"w{i}@example.com") for i in range(8)]
    done = threading.Event()
    errors = []

    def write(person):
        try:
            for i in range(25):
                with transaction.atomic():
                    audit.record(actor=person, action="test.race", target=person, data={"i": i})
        except Exception as exc:  # noqa: BLE001 - fails the test below
            errors.append(exc)
        finally:
            connections.close_all()

    def sequencer():
        try:
            while not done.is_set():
                audit.sequence(batch=7)
                time.sleep(0.005)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(p,)) for p in people]
    chainer = threading.Thread(target=sequencer)
    chainer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    chainer.join()

    # then every event is chained once, positions 1..200 without a gap, and the chain verifies
    assert errors == []
    result = assert_chain_intact()
    assert result.checked == 200 and result.head_position == 200
    assert list(ChainLink.objects.order_by("position").values_list("position", flat=True)) == list(range(1, 201))
    assert not PendingEvent.objects.exists()


@pytest.mark.integration
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_chains_a_committed_event_within_seconds(worker_broker):  # noqa: F811
    # given a real worker on the audit queue
    from notifications.tests.test_integration import _wait_for, start_worker, stop_worker

    person = UserFactory(email="chained@example.com")
    proc = start_worker()
    try:
        # when an event commits (the commit kicks the sequencer)
        with transaction.atomic():
            event = audit.record(actor=person, action="test.committed", target=person)

        # then the worker chains it
        _wait_for(lambda: ChainLink.objects.filter(event=event).exists(), what="chaining", worker_log=proc.read_log)
    finally:
        stop_worker(proc)
    assert_chain_intact()
