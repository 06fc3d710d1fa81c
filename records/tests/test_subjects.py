"""Data-subject requests: the export holds everything about the person; erasure leaves no trace of their name or
address in any text column of any table, and the audit trail still verifies; a legal hold stops it."""

import io
import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from accounts.services import token_create
from accounts.tests.factories import UserFactory, add_member
from approvals import services as approvals
from approvals.tests.factories import approve_all, submitted
from audit import services as audit
from audit.models import AuditEvent, AuditPersonal
from channels_registry.models import ChannelMembership
from channels_registry.services import user_offboard
from channels_registry.tests.factories import ChannelFactory, add_custodian
from core.errors import Conflict, Forbidden
from notifications.models import WebhookEndpoint
from records import services
from records.models import SubjectRequest
from records.subjects import subject_access_export, subject_erase

pytestmark = pytest.mark.django_db

NAME = "Zelda Quartermaine"
EMAIL = "zelda.quartermaine@example.com"


@pytest.fixture
def zelda(department):
    return add_member(UserFactory(email=EMAIL, full_name=NAME), department, "member")


@pytest.fixture
def her_world(zelda, employee, reviewer, manager, communications, superuser, department):
    """Zelda's traces everywhere: a post approved and commented, a colleague's comment naming her, a token, a
    channel she keeps (and is its recovery address), notifications and webhooks about her leaving (the manager's,
    the endpoint's), and the admin's log."""
    WebhookEndpoint.objects.create(name="SIEM", url="https://siem.example.com/hook")
    channel = ChannelFactory(department=department, recovery_contact=EMAIL)
    add_custodian(channel, zelda)
    ChannelMembership.objects.filter(channel=channel, user=zelda).update(role="contributor")
    ChannelMembership.objects.create(channel=channel, user=employee, role="contributor")
    post = submitted(zelda, channel, "Spring is here, says our team.")
    approvals.comment_add(actor=employee, post=post, body=f"Ask {NAME} ({EMAIL}) about the photo rights.")
    approvals.comment_add(actor=zelda, post=post, body="Rights are cleared.")
    approve_all(post, reviewer, communications)
    # she publishes it herself, with a changed text: a report of hers and a drift finding about her post
    ChannelMembership.objects.filter(channel=channel, user=zelda).update(role="publisher")
    report = approvals.publication_report(
        actor=zelda, post=post, text=f"Spring is here, says {NAME}.", url="https://x.com/acme/status/9"
    )
    token_create(actor=zelda, name="my laptop", scope="read")
    LogEntry.objects.create(
        user=superuser,
        content_type=ContentType.objects.get_for_model(zelda),
        object_id=str(zelda.pk),
        object_repr=str(zelda),
        action_flag=CHANGE,
        change_message="Changed name.",
    )
    return {"channel": channel, "post": post, "report": report}


def _texts_naming(*needles: str) -> list[tuple[str, str, str]]:
    """Every text value of every column of every table that holds one of ``needles`` (case-insensitive)."""
    needles = [n.lower() for n in needles]
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own tables
            columns = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, dict | list):
                        value = json.dumps(value, ensure_ascii=False)
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", "replace")
                    if isinstance(value, str) and any(n in value.lower() for n in needles):
                        hits.append((table, column, value[:120]))
    return hits


def test_the_export_holds_everything_about_the_person_and_is_logged(compliance, zelda, her_world):
    # when
    entry, document = subject_access_export(actor=compliance, person=zelda, reference="DSR-2026-004")
    data = json.loads(document)
    # then
    assert data["profile"]["email"] == EMAIL and data["profile"]["full_name"] == NAME
    assert [m["department__name"] for m in data["memberships"]] == ["Marketing"]
    assert data["posts"][0]["revisions"][0]["body"] == "Spring is here, says our team."
    assert [c["body"] for c in data["comments"]] == ["Rights are cleared."]
    assert [t["name"] for t in data["api_tokens"]] == ["my laptop"]
    assert {"post.created", "post.submitted", "post.commented", "token.created"} <= {
        e["action"] for e in data["audit_events"]
    }
    assert all(e["role"] in ("actor", "subject") for e in data["audit_events"])
    assert [(r["post_id"], r["url"]) for r in data["publication_reports"]] == [
        (her_world["post"].pk, "https://x.com/acme/status/9")
    ]
    assert NAME in data["publication_reports"][0]["text"]
    assert {f["kind"] for f in data["drift_findings"]} == {"text_changed", "no_receipt"}
    assert {f["report_id"] for f in data["drift_findings"]} == {her_world["report"].pk}
    assert data["channel_memberships"] and data["access_grants"]
    assert entry.state == "done" and entry.counts["comments"] == 1 and entry.handled_by == compliance
    event = AuditEvent.objects.get(action="records.subject_exported")
    assert event.data["person"] == zelda.pk and event.data["reference"] == "DSR-2026-004"


def test_no_one_answers_their_own_request_and_only_keepers_export(compliance, auditor, employee, zelda):
    with pytest.raises(Forbidden, match="concerns you"):
        subject_access_export(actor=compliance, person=compliance)
    for person in (auditor, employee):
        with pytest.raises(Forbidden):
            subject_access_export(actor=person, person=zelda)
    assert not SubjectRequest.objects.exists()


def test_after_erasure_no_text_column_names_the_person_and_the_trail_verifies(it_security, zelda, her_world):
    # given: she left, and everything so far is chained
    user_offboard(actor=it_security, user=zelda, reason="Left the company")
    audit.sequence()
    assert _texts_naming(NAME, EMAIL), "the set-up should have left her name about"
    # when
    entry = subject_erase(actor=it_security, person=zelda, reference="DSR-2026-005")
    audit.sequence()
    # then
    assert _texts_naming(NAME, EMAIL) == []
    result = audit.verify_chain()
    assert result.intact and result.erased > 0 and result.pending == 0
    out = io.StringIO()
    call_command("verify_audit", workers=1, stdout=out)
    assert "broken" not in out.getvalue().lower()
    assert entry.state == "done" and entry.counts["audit_rows"] > 0
    zelda.refresh_from_db()
    assert zelda.email == f"erased-{zelda.pk}@erased.invalid" and not zelda.has_usable_password()
    # her post and the decisions on it are still the company's record, naming a pseudonym
    her_world["post"].refresh_from_db()
    assert her_world["post"].author_id == zelda.pk and her_world["post"].state == "published"
    her_world["report"].refresh_from_db()
    assert her_world["report"].text == "Spring is here, says [erased]."
    assert AuditPersonal.objects.filter(person=zelda, erased_at__isnull=True).count() == 0


def test_erasure_of_a_person_under_a_legal_hold_is_refused_with_the_reason(compliance, it_security, zelda, her_world):
    # given
    user_offboard(actor=it_security, user=zelda, reason="Left the company")
    hold = services.hold_set(actor=compliance, person=zelda, reason="Litigation 2026-3")
    # when
    with pytest.raises(Conflict) as refused:
        subject_erase(actor=it_security, person=zelda, reference="DSR-2026-006")
    # then: nothing erased, the refusal on the log and the trail
    assert f"legal hold #{hold.pk}" in refused.value.message and "Nothing was erased" in refused.value.message
    zelda.refresh_from_db()
    assert zelda.email == EMAIL
    assert AuditPersonal.objects.filter(person=zelda, erased_at__isnull=False).count() == 0
    log = SubjectRequest.objects.get()
    assert log.state == "refused" and f"#{hold.pk}" in log.refusal
    assert AuditEvent.objects.filter(action="records.erasure_refused").count() == 1


def test_a_hold_on_her_channel_also_stops_the_erasure(compliance, it_security, zelda, her_world):
    user_offboard(actor=it_security, user=zelda)
    hold = services.hold_set(actor=compliance, channel=her_world["channel"], reason="Regulator's request")
    with pytest.raises(Conflict, match=f"#{hold.pk}"):
        subject_erase(actor=it_security, person=zelda)
    services.hold_release(actor=compliance, hold=hold, reason="Closed")
    assert subject_erase(actor=it_security, person=zelda).state == "done"


def test_erasure_needs_it_security_and_a_deactivated_person(compliance, it_security, zelda):
    with pytest.raises(Forbidden):
        subject_erase(actor=compliance, person=zelda)
    with pytest.raises(Conflict, match="Deactivate"):
        subject_erase(actor=it_security, person=zelda)
    with pytest.raises(Forbidden, match="concerns you"):
        subject_erase(actor=it_security, person=it_security)
