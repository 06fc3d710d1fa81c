"""Approval receipts and drift: what was approved is signed; what went out is compared with it."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from approvals import receipts, services
from approvals.models import ApprovalReceipt, DriftFinding, PublicationReport
from approvals.tests.factories import approve_all, join, submitted
from audit import signing
from audit.hashing import canonical_json
from audit.models import AuditEvent
from channels_registry.choices import ChannelRole
from channels_registry.tests.factories import ChannelFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

BODY = "Our new product ships today. Details: https://acme.example/launch"


@pytest.fixture
def owner(channel):
    return join(channel, UserFactory(email="owner@example.com"), role=ChannelRole.OWNER)


@pytest.fixture
def publisher(channel):
    return join(channel, UserFactory(email="publisher@example.com"))


@pytest.fixture
def approved(employee, channel, reviewer, communications):
    return approve_all(
        submitted(employee, channel, body=BODY, links=["https://acme.example/specs"]), reviewer, communications
    )


def _token(post):
    return services.receipt_token(post.receipts.get())


def _kinds(report):
    return sorted(report.findings.values_list("kind", flat=True))


# --- Receipts --------------------------------------------------------------------------------------------------


def test_an_approved_revision_gets_a_receipt_that_verifies_offline_with_the_public_key(approved, channel):
    # given an approved post
    receipt = ApprovalReceipt.objects.get(post=approved)

    # then its receipt names the revision and channel and hashes what was approved
    assert receipt.revision_id == approved.current_revision_id
    assert receipt.payload["post"] == approved.pk and receipt.payload["channel"] == channel.pk
    assert receipt.content_hash == receipts.content_hash(
        channel_id=channel.pk, text=BODY, links=["https://acme.example/specs"], attachments=[]
    )
    assert receipt.algorithm == "ed25519" and receipt.key_id == signing.key_id()
    # and anyone with the public key can check it, without socialgov
    version, payload, signature = _token(approved).split(".")
    assert version == "v1"
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    signing.load_public_key(signing.public_key_pem()).verify(raw, data)  # raises when it does not verify
    assert json.loads(data)["content_hash"] == receipt.content_hash
    assert AuditEvent.objects.filter(action="post.receipt_issued", target_id=str(approved.pk)).count() == 1


def test_the_hash_ignores_white_space_and_link_order_but_not_words():
    first = receipts.content_hash(
        channel_id=1, text="Hello  world\n", links=["https://b.example", "https://a.example"], attachments=[]
    )
    same = receipts.content_hash(
        channel_id=1, text=" Hello world", links=["https://a.example", "https://b.example/"], attachments=[]
    )
    other_word = receipts.content_hash(
        channel_id=1, text="Hello there", links=["https://a.example", "https://b.example"], attachments=[]
    )
    other_channel = receipts.content_hash(
        channel_id=2, text="Hello world", links=["https://a.example", "https://b.example"], attachments=[]
    )
    assert first == same
    assert len({first, other_word, other_channel}) == 3


@override_settings(AUDIT_SIGNING_KEY="", AUDIT_SIGNING_KEY_FILE="", SECRET_KEY="new-" + "k" * 50)
def test_without_an_ed25519_key_receipts_are_hmac_signed_and_survive_a_key_rotation(approved):
    # given a receipt made under an HMAC key (no Ed25519 key configured)... the fixture approved it with Ed25519:
    # sign a fresh payload the way the service does
    payload, signature = receipts.sign({"post": approved.pk, "revision": 1})
    assert payload["alg"] == "hmac-sha256"
    token = receipts.token(payload, signature)
    assert receipts.verify(token).payload == payload
    # when the key rotates, the old one kept as a fallback, it still verifies; without the fallback it does not
    with override_settings(SECRET_KEY="newer-" + "k" * 50, SECRET_KEY_FALLBACKS=["new-" + "k" * 50]):
        assert receipts.verify(token).payload == payload
    with override_settings(SECRET_KEY="newer-" + "k" * 50, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(receipts.ReceiptInvalid):
            receipts.verify(token)


def test_the_receipt_endpoint_serves_the_receipt_and_404s_before_approval(
    api_client, approved, employee, channel, outsider
):
    api_client.force_authenticate(employee)
    body = api_client.get(f"/api/v1/posts/{approved.pk}/receipt/").json()
    assert body["token"] == _token(approved)
    assert body["algorithm"] == "ed25519"
    assert body["public_key_url"] == reverse("audit:public_key")
    draft = submitted(employee, channel, body="Not yet")
    response = api_client.get(f"/api/v1/posts/{draft.pk}/receipt/")
    assert response.status_code == 404 and "no approved revision" in response.json()["detail"]
    api_client.force_authenticate(outsider)
    assert api_client.get(f"/api/v1/posts/{approved.pk}/receipt/").status_code == 404


# --- Publication reports and drift ------------------------------------------------------------------------------


def test_a_report_matching_the_receipt_is_clean_and_publishes(approved, publisher):
    report = services.publication_report(
        actor=publisher,
        post=approved,
        text="Our new product ships today.\nDetails: https://acme.example/launch https://acme.example/specs",
        url="https://x.com/acme/status/1",
        receipt=_token(approved),
    )
    approved.refresh_from_db()
    assert approved.state == "published" and approved.published_url == "https://x.com/acme/status/1"
    assert report.outcome == "recorded" and _kinds(report) == []
    assert report.receipt == approved.receipts.get()


@pytest.mark.parametrize(
    ("text", "links", "kinds"),
    [
        (
            "Our new product ships TOMORROW. Details: https://acme.example/launch",
            ["https://acme.example/specs"],
            ["text_changed"],
        ),
        (
            "Our new product ships today. Details: https://evil.example/launch",
            ["https://acme.example/specs"],
            ["links_changed"],
        ),
        ("Buy now! https://evil.example", [], ["links_changed", "text_changed"]),
    ],
    ids=["text", "links", "both"],
)
def test_changed_text_or_links_are_findings_told_to_author_owners_and_communications(
    approved, publisher, owner, employee, communications, text, links, kinds, django_capture_on_commit_callbacks
):
    # when an integration reports a text or links other than the approved ones
    with django_capture_on_commit_callbacks(execute=True):
        report = services.publication_report(
            actor=publisher, post=approved, text=text, links=links, receipt=_token(approved)
        )

    # then the publication is recorded with a finding of each kind, audited
    assert _kinds(report) == kinds
    approved.refresh_from_db()
    assert approved.state == "published"
    finding = report.findings.order_by("id").first()
    assert finding.data["revision"] == 1
    assert AuditEvent.objects.filter(action="post.drift_found").count() == len(kinds)
    # and the author, the channel's owners and communications are told
    told = set(Notification.objects.filter(event="post.drift").values_list("recipient__email", flat=True))
    assert told == {employee.email, owner.email, communications.email}


def test_a_publication_before_approval_is_a_finding_and_the_review_goes_on(employee, channel, publisher):
    post = submitted(employee, channel, body=BODY)
    report = services.publication_report(actor=publisher, post=post, text=BODY, url="https://x.com/acme/status/2")
    assert _kinds(report) == ["before_approval", "no_receipt"]
    post.refresh_from_db()
    assert post.state == "in_review"
    assert "in review" in report.findings.get(kind="before_approval").detail


def test_a_publication_dated_before_the_approval_is_a_finding(approved, publisher):
    report = services.publication_report(
        actor=publisher, post=approved, published_at=approved.approved_at - timedelta(hours=1), receipt=_token(approved)
    )
    assert _kinds(report) == ["before_approval"]


def test_a_publication_during_a_lockdown_is_a_finding(approved, publisher, communications):
    services.lockdown_start(actor=communications, scope="all", reason="Crisis.")
    report = services.publication_report(actor=publisher, post=approved, receipt=_token(approved))
    assert _kinds(report) == ["during_lockdown"]


def test_a_publication_dated_before_a_lockdown_is_not_held_to_it(approved, publisher, communications):
    went_out = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(went_out + timedelta(minutes=5)):
        services.lockdown_start(actor=communications, scope="all", reason="Crisis.")
        report = services.publication_report(
            actor=publisher, post=approved, published_at=went_out, receipt=_token(approved)
        )
    assert _kinds(report) == []


def _reviewers(post):
    from approvals.models import Decision

    return [d.reviewer for d in Decision.objects.filter(stage_review__post=post).order_by("id")]


def test_a_report_without_receipt_is_a_finding(approved, publisher):
    report = services.publication_report(actor=publisher, post=approved)
    assert _kinds(report) == ["no_receipt"]


def test_a_receipt_that_does_not_verify_is_refused_and_kept(api_client, approved, publisher):
    # given a receipt whose payload was changed (another revision number), signature kept
    version, payload, signature = _token(approved).split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["revision"] = 7
    forged = base64.urlsafe_b64encode(canonical_json(data).encode()).rstrip(b"=").decode()
    api_client.force_authenticate(publisher)

    # when it is reported
    response = api_client.post(
        f"/api/v1/posts/{approved.pk}/published/",
        {"text": BODY, "receipt": f"{version}.{forged}.{signature}"},
        format="json",
    )

    # then it is refused with a clear message, the post unchanged, the report kept as a finding
    assert response.status_code == 400
    assert "does not verify" in response.json()["fields"]["receipt"][0]
    approved.refresh_from_db()
    assert approved.state == "approved"
    report = PublicationReport.objects.get(post=approved)
    assert report.outcome == "refused" and report.text == BODY
    assert _kinds(report) == ["receipt_invalid"]
    # garbage is refused the same way
    response = api_client.post(f"/api/v1/posts/{approved.pk}/published/", {"receipt": "nonsense"}, format="json")
    assert response.status_code == 400 and "not a socialgov receipt" in response.json()["fields"]["receipt"][0]


def test_another_posts_receipt_does_not_verify_for_this_one(
    approved, employee, channel, reviewer, communications, publisher
):
    other = approve_all(submitted(employee, channel, body="Another"), reviewer, communications)
    report = services.publication_report(actor=publisher, post=approved, receipt=_token(other))
    assert report.outcome == "refused"
    assert f"for post {other.pk}, not post {approved.pk}" in report.findings.get().detail


def test_a_report_for_another_channel_is_refused_and_kept(api_client, approved, publisher, department):
    # given another channel of the company
    elsewhere = ChannelFactory(department=department, display_name="Acme on Mastodon")
    api_client.force_authenticate(publisher)

    # when the integration says it went out there
    response = api_client.post(
        f"/api/v1/posts/{approved.pk}/published/",
        {"text": BODY, "receipt": _token(approved), "channel": elsewhere.pk},
        format="json",
    )

    # then it is refused (409), nothing published, and the report is kept as an "another channel" finding
    assert response.status_code == 409 and response.json()["code"] == "other_channel"
    assert "Acme on Mastodon" in response.json()["detail"]
    approved.refresh_from_db()
    assert approved.state == "approved"
    finding = DriftFinding.objects.get()
    assert finding.kind == "other_channel" and finding.channel == elsewhere
    # a channel that does not exist is a field error
    response = api_client.post(f"/api/v1/posts/{approved.pk}/published/", {"channel": 999999}, format="json")
    assert response.status_code == 400 and response.json()["fields"]["channel"] == ["No such channel."]


def test_a_second_report_answers_409(approved, publisher):
    services.publication_report(actor=publisher, post=approved, receipt=_token(approved))
    from core.errors import Conflict

    with pytest.raises(Conflict):
        services.publication_report(actor=publisher, post=approved, receipt=_token(approved))


def test_findings_show_on_the_post_page_and_the_out_of_policy_list(
    client, approved, publisher, communications, employee, outsider
):
    services.publication_report(actor=publisher, post=approved, text="<script>alert(1)</script> changed")
    client.force_login(employee)
    page = client.get(reverse("approvals:post_detail", args=[approved.pk])).content.decode()
    assert "Out of policy" in page and "Text changed after approval" in page
    client.force_login(communications)
    listing = client.get(reverse("approvals:drift_list") + "?kind=text_changed").content.decode()
    assert f"Post {approved.pk}" in listing and "Text changed after approval" in listing
    assert "<script>alert(1)</script>" not in listing
    # outside the post's scope the finding is not listed
    client.force_login(outsider)
    assert f"Post {approved.pk}" not in client.get(reverse("approvals:drift_list")).content.decode()


def test_the_out_of_policy_list_costs_the_same_queries_for_many_rows(
    client, approved, publisher, communications, django_assert_num_queries
):
    services.publication_report(actor=publisher, post=approved, text="changed")
    client.force_login(communications)
    client.get(reverse("approvals:drift_list"))
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(reverse("approvals:drift_list")).status_code == 200
    for n in range(3):
        post = approve_all(submitted(approved.author, approved.channel, body=f"Post {n}"), *_reviewers(approved))
        services.publication_report(actor=publisher, post=post, text="changed", published_at=timezone.now())
    client.get(reverse("approvals:drift_list"))  # the reader's scope read again after the writes
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(reverse("approvals:drift_list")).status_code == 200


# 1 the session's user and groups (the posts' scope: the reader's delegators kept, core.objects), 2 the
# count, 3 the departments of the filter, 4 the page of findings with their channel, platform, post and entry
LIST_QUERIES = 4


def test_an_edited_post_back_in_review_has_no_receipt_until_approved_again(
    api_client, approved, employee, reviewer, communications
):
    services.post_update(actor=employee, post=approved, body="Our new product ships next week.")
    api_client.force_authenticate(employee)
    assert api_client.get(f"/api/v1/posts/{approved.pk}/receipt/").status_code == 404
    approve_all(approved, reviewer, communications)
    body = api_client.get(f"/api/v1/posts/{approved.pk}/receipt/").json()
    assert body["revision"] == 2
    assert ApprovalReceipt.objects.filter(post=approved).count() == 2
