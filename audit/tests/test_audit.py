import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from audit import services as audit
from audit.models import AppendOnlyError, AuditEvent, ChainLink, PendingEvent
from audit.selectors import events_for
from audit.services import GENESIS, verification, verify_chain

pytestmark = pytest.mark.django_db


def make_events(actor, n=3, *, chain=True):
    events = [audit.record(actor=actor, action="test.happened", target=actor, data={"n": i}) for i in range(n)]
    if chain:
        audit.sequence()
    return events


def intact(checked, pending=0):
    result = verify_chain()
    assert (result.checked, result.broken, result.pending) == (checked, None, pending), result
    return result


def test_the_sequencer_chains_each_event_to_the_one_before(employee):
    # when two events are recorded, then sequenced
    first, second = make_events(employee, 2)

    # then each link names the one before it, in order
    links = list(ChainLink.objects.order_by("position"))
    assert [(link.position, link.event_id) for link in links] == [(1, first.pk), (2, second.pk)]
    assert links[0].prev_hash == GENESIS and links[1].prev_hash == links[0].hash
    assert first.target_type == "accounts.user" and first.target_id == str(employee.pk)
    assert first.actor_label == employee.email
    assert not PendingEvent.objects.exists()
    intact(2)


def test_recorded_events_wait_for_the_sequencer_as_pending_not_broken(employee):
    # given events recorded and not sequenced yet
    make_events(employee, 3, chain=False)

    # then the trail is intact with three pending, and the sequencer chains them
    intact(0, pending=3)
    assert audit.sequence() == 3
    intact(3)
    assert audit.sequence() == 0


def test_an_event_committed_late_gets_a_later_position(employee):
    # given an event recorded, then another that is chained before the first one is queued
    early = audit.record(actor=employee, action="test.early", target=employee)
    PendingEvent.objects.filter(event=early).delete()  # as if its transaction had not committed yet
    late = audit.record(actor=employee, action="test.late", target=employee)
    audit.sequence()

    # when the first one "commits" (its queue row appears) and the sequencer runs again
    PendingEvent.objects.create(event=early)
    audit.sequence()

    # then it is chained after the later one, and the chain holds
    positions = dict(ChainLink.objects.values_list("event_id", "position"))
    assert positions == {late.pk: 1, early.pk: 2}
    intact(2)


def test_record_keeps_request_id_and_ip_from_the_request(client, employee):
    # given a request that changes something (creating a token is audited)
    client.force_login(employee)

    # when
    response = client.post(
        "/profile/",
        {"name": "ci", "scope": "read", "days": 30},
        HTTP_X_REQUEST_ID="req-12345678",
        REMOTE_ADDR="10.1.2.3",
    )

    # then
    assert response.status_code == 302
    from audit.models import AuditPersonal
    from audit.selectors import trail

    event = trail().get(action="token.created")
    assert (event.request_id, event.ip) == ("req-12345678", "10.1.2.3")
    # the client address is the actor's personal data: in their row, not in the event
    assert AuditPersonal.objects.get(event=event, ref="actor").ip == "10.1.2.3"
    assert response["X-Request-ID"] == "req-12345678"


def test_events_refuse_update_and_delete_in_python(employee):
    event = AuditEvent.objects.get(pk=make_events(employee, 1)[0].pk)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        ChainLink.objects.filter(event=event).update(hash="x")


def _raw_update(event_id, action):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", [action, event_id])


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgres_refuses_a_raw_update_and_delete(employee):
    event = make_events(employee, 1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw_update(event.pk, "forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    for table in ("audit_chainlink",):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _sql(f"UPDATE {table} SET hash = 'x'")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _sql(f"DELETE FROM {table}")
    # personal rows: only an erasure (salt blanked, erased_at set, the commitment kept) passes
    with pytest.raises(DatabaseError, match="only ever erased"), transaction.atomic():
        _sql("UPDATE audit_auditpersonal SET label = 'someone else'")
    with pytest.raises(DatabaseError, match="only ever erased"), transaction.atomic():
        _sql("DELETE FROM audit_auditpersonal")
    with pytest.raises(DatabaseError, match="only ever erased"), transaction.atomic():
        _sql("UPDATE audit_auditpersonal SET salt = '', erased_at = now(), commitment = 'x'")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.happened"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize(
    "table", ["audit_auditevent", "audit_auditpersonal", "audit_chainlink", "audit_auditcheckpoint"]
)
def test_postgres_refuses_truncate(employee, table):
    # given a trail (its foreign keys checked now: PostgreSQL truncates nothing with checks pending)
    make_events(employee, 2)
    _sql("SET CONSTRAINTS ALL IMMEDIATE")

    # when someone truncates one of its tables (CASCADE reaches the others), then the database refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql(f"TRUNCATE {table} CASCADE")
    intact(2)


def test_verify_audit_names_an_edited_event(employee):
    # given three events, the second edited behind the application's back
    events = make_events(employee, 3)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks before ALTER
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        _raw_update(events[1].pk, "forged")
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
    else:
        _raw_update(events[1].pk, "forged")

    # when / then
    broken = verify_chain().broken
    assert broken is not None and broken.event_id == events[1].pk
    assert "edited" in broken.reason
    with pytest.raises(CommandError, match=f"event #{events[1].pk}"):
        call_command("verify_audit")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses the delete on PostgreSQL")
def test_verify_audit_names_the_link_after_a_removed_one(employee):
    events = make_events(employee, 4)
    _sql("DELETE FROM audit_auditpersonal WHERE event_id = %s", [events[1].pk])
    _sql("DELETE FROM audit_chainlink WHERE event_id = %s", [events[1].pk])
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    broken = verify_chain().broken
    assert broken.event_id == events[2].pk and "missing" in broken.reason


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the triggers refuse these edits on PostgreSQL")
def test_verify_audit_names_every_kind_of_tampering_in_one_walk(employee):
    # given five events: a link's hash edited, a personal row added, an event removed with its rows left
    events = make_events(employee, 5)
    ids = [e.pk for e in events]
    position = {e: p for p, e in ChainLink.objects.values_list("position", "event_id")}
    _sql("UPDATE audit_chainlink SET hash = %s WHERE event_id = %s", ["f" * 64, ids[1]])
    _sql(
        "INSERT INTO audit_auditpersonal (event_id, ref, salt, commitment, label, data) "
        "VALUES (%s, 'other', '', '', '', '{}')",
        [ids[2]],
    )
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [ids[3]])

    # when
    result = audit.verify_range(ids[0], ids[4])

    # then each is named at its event and position, and the first is the one reported
    assert sorted(((b.event_id, b.position, b.reason) for b in result.breaks), key=lambda b: (b[0], b[2])) == [
        (ids[1], position[ids[1]], "its link's hash does not match (the link was edited)"),
        (ids[2], position[ids[2]], "a personal row 'other' was added to it"),
        (ids[2], position[ids[2]], "its content or its personal rows do not match its hash (edited or removed)"),
        (ids[2], position[ids[2]], "its personal row 'other' was edited"),
        (ids[3], position[ids[3]], "it was removed (its link remains)"),
        (ids[3], None, "it was removed (its personal rows remain)"),
    ]
    assert result.broken.event_id == ids[1] and result.checked == 4
    _sql("DELETE FROM audit_auditpersonal WHERE event_id = %s", [ids[3]])  # the test database's FK check
    _sql("DELETE FROM audit_chainlink WHERE event_id = %s", [ids[3]])


def test_verify_audit_reports_an_intact_chain(employee):
    make_events(employee, 4)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "4 events verified" in out.getvalue()


def test_data_is_stored_exactly_as_hashed(employee):
    from datetime import UTC, datetime

    event = audit.record(
        actor=employee,
        action="x.y",
        target=employee,
        data={"when": datetime(2026, 1, 2, tzinfo=UTC), "n": 1.5, "é": ["<b>"]},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == {"when": "2026-01-02T00:00:00Z", "n": 1.5, "é": ["<b>"]}
    audit.sequence()
    intact(1)


# --- pages and exports -----------------------------------------------------------


def test_export_csv_neutralises_formulas_and_keeps_every_event(client, auditor, employee):
    audit.record(
        actor=employee,
        action="post.submitted",
        target=employee,
        target_label='=HYPERLINK("http://x")',
        data={"body": "<script>alert(1)</script>"},
    )
    client.force_login(auditor)

    response = client.get("/audit/export.csv")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = next(r for r in rows if r["action"] == "post.submitted")
    assert row["target_label"] == '\'=HYPERLINK("http://x")'
    assert "<script>" in row["data"]  # CSV is data, not HTML: kept verbatim but inert


def test_export_jsonl_has_one_event_per_line(client, auditor, employee):
    make_events(employee, 3)
    client.force_login(auditor)
    response = client.get("/audit/export.jsonl?action=test.")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["test.happened"] * 3


def test_list_page_escapes_user_text(client, auditor, employee):
    audit.record(actor=employee, action="x.y", target=employee, target_label="<script>alert(1)</script>")
    client.force_login(auditor)
    body = client.get("/audit/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_list_page_pages_by_id(client, auditor, employee):
    events = make_events(employee, 60)
    client.force_login(auditor)
    first = client.get("/audit/?action=test.")
    assert first.context["events"][0].pk == events[-1].pk and len(first.context["events"]) == 50
    assert first.context["next_query"]
    second = client.get("/audit/?" + first.context["next_query"])
    assert [e.pk for e in second.context["events"]] == [e.pk for e in reversed(events[:10])]
    assert second.context["next_query"] == ""


def test_history_panel_renders_the_events_its_view_read_without_a_query(employee, django_assert_num_queries):
    from django.template.loader import render_to_string

    make_events(employee, 2)
    events = events_for(employee)
    with django_assert_num_queries(0):
        html = render_to_string("audit/history_panel.html", {"events": events})
    assert html.count("test.happened") == 2


def test_the_profile_and_channel_pages_show_their_history_in_the_page_not_its_title(client, employee):
    from channels_registry.tests.factories import ChannelFactory

    make_events(employee, 1)
    channel = ChannelFactory()
    audit.record(actor=employee, action="channel.noted", target=channel)
    client.force_login(employee)

    profile = client.get(reverse("accounts:profile")).content.decode()
    page = client.get(reverse("channels_registry:channel_detail", args=[channel.pk])).content.decode()

    title = profile.split("<title>")[1].split("</title>")[0]
    assert "History" not in title and "test.happened" not in title
    assert 'id="history-h"' in profile and "test.happened" in profile
    assert "channel.noted" in page


@pytest.mark.django_db(transaction=True)
def test_history_panels_show_an_event_as_soon_as_its_change_commits(employee, manager, department):
    # given a change committed and not chained yet (no sequencer runs: on PostgreSQL it is a Celery task)
    from django.template.loader import render_to_string

    from accounts.services import membership_set

    audit.record  # noqa: B018 - the service below records through it
    membership_set(actor=manager, user=employee, department=department, role="reviewer")
    membership = employee.memberships.get(department=department)
    if connection.vendor == "postgresql":
        assert PendingEvent.objects.exists()

    # then the membership's history shows it at once, its personal values included
    html = render_to_string("audit/history_panel.html", {"events": events_for(membership)})
    assert "membership.set" in html and "manager@example.com" in html and "employee@example.com" in html


# --- bulk appends and the fast verification ---------------------------------------


def test_record_many_chains_every_event_in_one_insert(employee, django_assert_num_queries):
    # given one event already in the trail
    first = make_events(employee, 1)[0]

    # when three are appended at once (the events, their actor rows: none for the system, their queue rows)
    with django_assert_num_queries(2):
        written = audit.record_many(
            actor=None,
            action="channel.went_dormant",
            target_type="channels_registry.channel",
            entries=[(i, f"Channel {i}", {"i": i}) for i in range(3)],
        )

    # then the sequencer chains them after the first, in order, and the chain holds
    from audit.selectors import trail

    assert written == 3
    audit.sequence()
    events = list(trail().filter(action="channel.went_dormant").order_by("id"))
    assert [e.target_id for e in events] == ["0", "1", "2"]
    assert [e.position for e in events] == [2, 3, 4] and events[1].prev_hash == events[0].hash
    assert ChainLink.objects.get(event=first).hash == events[0].prev_hash
    assert events[0].actor_label == "system" and events[2].details == {"i": 2}
    intact(4)


def test_values_the_fast_encoder_writes_differently_still_verify(employee):
    # orjson writes 1e-07 as 1e-7 and cannot hold 2**70: the canonical encoder decides those events
    audit.record(actor=employee, action="x.y", target=employee, data={"small": 1e-7, "wide": 2**70, "s": "\u2028"})
    audit.sequence()
    intact(1)


def test_slices_of_the_chain_verify_like_the_whole(employee):
    # given ten events, the seventh edited
    events = make_events(employee, 10)
    ids = [e.pk for e in events]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        _raw_update(ids[6], "forged")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")

    # when the two halves are checked apart
    head = audit.verify_range(ids[0], ids[4])
    tail = audit.verify_range(ids[5], ids[9])

    # then the first half holds, the second names the edited event, as one walk does
    assert (head.checked, head.broken) == (5, None)
    assert tail.checked == 5 and tail.broken.event_id == ids[6]
    assert verify_chain().broken == tail.broken


@pytest.mark.skipif(connection.vendor != "postgresql", reason="processes check slices on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_processes_checking_slices_answer_as_one_walk(employee, monkeypatch):
    # given a committed trail, and the parallel path switched on for a short one
    events = make_events(employee, 30)
    monkeypatch.setattr(verification, "PARALLEL_FROM", 1)

    # when / then
    result = verify_chain(workers=3)
    assert (result.checked, result.broken, result.head_position) == (30, None, 30)
    out = io.StringIO()
    call_command("verify_audit", "--workers", "2", stdout=out)
    assert "30 events verified" in out.getvalue()

    # and an edit in a later slice is named with the count of one walk
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        _raw_update(events[19].pk, "forged")
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
    result = verify_chain(workers=3)
    assert (result.checked, result.broken.event_id) == (30, events[19].pk)


def test_can_read_trail_in_one_query_answers_as_has_perm(auditor, it_security, employee, superuser, groups):
    # given: readers through their groups, one through a permission of their own, people without
    from django.contrib.auth.models import Permission

    from accounts.tests.factories import UserFactory
    from audit.selectors import VIEW_PERMISSION, can_read_trail

    direct = UserFactory(email="direct@example.com")
    direct.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    gone = UserFactory(email="gone@example.com", groups=["auditor"], is_active=False)
    people = [auditor, it_security, employee, superuser, direct, gone]

    # then: the same answers as has_perm, one query each (none for an active superuser)
    from django.test.utils import CaptureQueriesContext

    for person in people:
        fresh = type(person).objects.get(pk=person.pk)
        with CaptureQueriesContext(connection) as queries:
            answer = can_read_trail(fresh)
        assert answer == type(person).objects.get(pk=person.pk).has_perm(VIEW_PERMISSION), person.email
        assert len(queries) == (0 if person.is_superuser or not person.is_active else 1)
    assert [can_read_trail(p) for p in people] == [True, True, False, True, True, False]


def test_the_api_list_in_three_queries(token_client, auditor, employee, django_assert_num_queries):
    # given: events with data, a request id and an ip, and an auditor's token (its first use noted)
    from audit import context
    from audit.api import AuditEventSerializer

    ip, rid = context.client_ip.set("10.0.0.1"), context.request_id.set("r1")
    make_events(employee, 1)
    context.client_ip.reset(ip), context.request_id.reset(rid)
    audit.record(actor=employee, action="test.happened", target=employee, data={"n": 1})
    audit.record(actor=None, action="test.happened", target_type="x.y", target_id=7, data={"n": 2})
    client = token_client(auditor, scope="read")
    client.get("/api/v1/audit-events/")

    # when: the token (with groups and two-factor), the permission, the rows
    with django_assert_num_queries(3):
        body = client.get("/api/v1/audit-events/?action=test.").json()

    # then: every declared field of each event
    assert [list(row) for row in body["results"]] == [list(AuditEventSerializer.Meta.fields)] * 3
    assert body["results"][-1]["ip"] == "10.0.0.1" and body["results"][-1]["data"] == {"n": 0}


def test_the_api_list_shows_the_next_event_and_only_to_readers(token_client, auditor, employee):
    # given an auditor's page of the trail
    reader = token_client(auditor, scope="read")
    other = token_client(employee)
    audit.record(actor=employee, action="test.first", target=employee)
    first = reader.get("/api/v1/audit-events/")
    assert first.json()["results"][0]["action"] == "test.first"

    # when another event is recorded
    audit.record(actor=employee, action="test.second", target=employee)

    # then the next call shows it; someone who may not read the trail is refused
    assert reader.get("/api/v1/audit-events/").json()["results"][0]["action"] == "test.second"
    assert other.get("/api/v1/audit-events/").status_code == 403
