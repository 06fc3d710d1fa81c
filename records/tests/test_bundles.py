"""Archive bundles: what they hold, that they verify, and that any change to them is found."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from accounts.tests.factories import UserFactory
from approvals import services as approvals
from approvals.tests.factories import approve_all, join, submitted
from audit import signing
from audit.models import AuditEvent
from core.errors import Forbidden, InvalidInput
from records.bundles import archive_export, verify_bundle

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def approved_post(employee, reviewer, communications, channel):
    post = submitted(employee, channel, "Our spring range is out. https://acme.example/spring")
    approvals.comment_add(actor=reviewer, post=post, body="Looks right.")
    return approve_all(post, reviewer, communications)


def _members(bundle_file) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle_file) as z:
        return {n: z.read(n) for n in z.namelist()}


def _rezip(members: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    out.seek(0)
    return out


def _export(actor, channel):
    return archive_export(actor=actor, channel=channel, date_from=TODAY - dt.timedelta(days=1), date_to=TODAY)


def test_a_bundle_holds_the_approved_revision_its_decisions_comments_and_verifies(auditor, approved_post, channel):
    # when
    export, bundle = _export(auditor, channel)
    members = _members(bundle)
    # then
    revisions = [json.loads(line) for line in members["revisions.jsonl"].splitlines()]
    assert [(r["post_id"], r["number"]) for r in revisions] == [(approved_post.pk, 1)]
    assert "spring range" in revisions[0]["body"]
    decisions = [json.loads(line) for line in members["decisions.jsonl"].splitlines()]
    assert [d["outcome"] for d in decisions] == ["approve", "approve"]
    assert json.loads(members["comments.jsonl"])["body"] == "Looks right."
    manifest = json.loads(members["manifest.json"])
    assert {f["name"]: f["lines"] for f in manifest["files"]} == {
        "posts.jsonl": 1,
        "revisions.jsonl": 1,
        "decisions.jsonl": 2,
        "comments.jsonl": 1,
        "publications.jsonl": 0,
        "drift_findings.jsonl": 0,
    }
    assert signing.verify(members["manifest.json"], members["manifest.sig"].decode().strip())
    bundle.seek(0)
    assert verify_bundle(bundle).ok
    event = AuditEvent.objects.get(action="records.archive_exported")
    assert event.data["counts"]["decisions"] == 2 and event.data["manifest_sha256"] == export.manifest_sha256


def test_a_bundle_holds_the_publication_reports_and_drift_findings_and_verifies(
    auditor, approved_post, channel, tmp_path
):
    # given: the post went out with another text than the one approved, reported with its receipt
    publisher = join(channel, UserFactory(email="publisher@example.com"))
    receipt = approved_post.receipts.get()
    report = approvals.publication_report(
        actor=publisher,
        post=approved_post,
        text="Our spring range is out now! https://acme.example/spring",
        url="https://x.com/acme/status/7",
        receipt=approvals.receipt_token(receipt),
    )
    # when
    export, bundle = _export(auditor, channel)
    members = _members(bundle)
    # then
    [publication] = [json.loads(line) for line in members["publications.jsonl"].splitlines()]
    assert publication == {
        "id": report.pk,
        "post_id": approved_post.pk,
        "channel_id": channel.pk,
        "reported_by_id": publisher.pk,
        "reported_by": "publisher@example.com",
        "source": "page",
        "text": "Our spring range is out now! https://acme.example/spring",
        "url": "https://x.com/acme/status/7",
        "links": report.links,
        "published_at": report.published_at.isoformat(),
        "receipt_id": receipt.pk,
        "receipt_content_hash": receipt.content_hash,
        "outcome": "recorded",
        "created_at": report.created_at.isoformat(),
    }
    findings = [json.loads(line) for line in members["drift_findings.jsonl"].splitlines()]
    assert [(f["post_id"], f["report_id"], f["kind"]) for f in findings] == [
        (approved_post.pk, report.pk, "text_changed")
    ]
    assert findings[0]["detail"] == report.findings.get().detail
    assert export.counts["publications"] == 1 and export.counts["drift_findings"] == 1
    bundle.seek(0)
    assert verify_bundle(bundle).ok
    # and the command agrees
    path = tmp_path / "bundle.zip"
    bundle.seek(0)
    path.write_bytes(bundle.read())
    out = io.StringIO()
    call_command("archive_verify", str(path), stdout=out)
    assert "Bundle verified: 6 file(s), 7 record(s)" in out.getvalue()


def test_a_revision_sent_back_is_not_in_the_archive(auditor, employee, reviewer, channel):
    post = submitted(employee, channel, "First try")
    approvals.stage_decide(
        actor=reviewer, stage_review=post.stage_reviews.get(state="open"), outcome="request_changes", comment="No."
    )
    _, bundle = _export(auditor, channel)
    assert _members(bundle)["revisions.jsonl"] == b""


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m.update({"revisions.jsonl": m["revisions.jsonl"].replace(b"spring", b"autumn")}), "changed"),
        (lambda m: m.pop("comments.jsonl"), "comments.jsonl is missing"),
        (lambda m: m.update({"extra.jsonl": b"{}\n"}), "added"),
        (lambda m: m.update({"manifest.json": m["manifest.json"].replace(b'"lines":1', b'"lines":9', 1)}), "signature"),
        (lambda m: m.update({"manifest.sig": b"AAAA"}), "signature"),
        (lambda m: m.pop("manifest.sig"), "manifest.sig is missing"),
    ],
    ids=["edited-line", "removed-file", "added-file", "edited-manifest", "forged-signature", "unsigned"],
)
def test_any_change_to_a_bundle_is_found(auditor, approved_post, channel, change, problem):
    _, bundle = _export(auditor, channel)
    members = _members(bundle)
    change(members)
    check = verify_bundle(_rezip(members))
    assert not check.ok
    assert any(problem in p for p in check.problems), check.problems


def test_the_command_verifies_and_refuses(auditor, approved_post, channel, tmp_path):
    _, bundle = _export(auditor, channel)
    good = tmp_path / "good.zip"
    good.write_bytes(bundle.read())
    out = io.StringIO()
    call_command("archive_verify", str(good), stdout=out)
    assert "Bundle verified: 6 file(s), 5 record(s)" in out.getvalue()
    members = _members(good)
    members["posts.jsonl"] = members["posts.jsonl"].replace(b"in_review", b"approved") + b"{}\n"
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_rezip(members).read())
    with pytest.raises(CommandError, match="posts.jsonl does not match its hash"):
        call_command("archive_verify", str(bad), stdout=io.StringIO())
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="not a ZIP"):
        call_command("archive_verify", str(junk), stdout=io.StringIO())


def test_another_key_does_not_verify_it(auditor, approved_post, channel, tmp_path):
    _, bundle = _export(auditor, channel)
    other = signing.load_private_key(signing.generate_pem().encode()).public_key()
    check = verify_bundle(bundle, public_key=other)
    assert not check.ok and any("signature" in p for p in check.problems)


def test_without_our_key_the_bundle_s_own_key_checks_integrity_only(auditor, approved_post, channel):
    _, bundle = _export(auditor, channel)
    with override_settings(AUDIT_SIGNING_KEY="", AUDIT_SIGNING_KEY_FILE=""):
        check = verify_bundle(bundle)
    assert check.ok and "not who made it" in check.notes[0]


def test_only_record_readers_export_and_the_range_is_checked(employee, manager, auditor, channel):
    for person in (employee, manager):
        with pytest.raises(Forbidden):
            _export(person, channel)
    with pytest.raises(InvalidInput) as backwards:
        archive_export(actor=auditor, channel=channel, date_from=TODAY, date_to=TODAY - dt.timedelta(days=3))
    assert "date_to" in backwards.value.fields
    assert not AuditEvent.objects.filter(action="records.archive_exported").exists()


def test_posts_outside_the_range_are_left_out(auditor, approved_post, channel):
    _, bundle = archive_export(
        actor=auditor, channel=channel, date_from=TODAY - dt.timedelta(days=30), date_to=TODAY - dt.timedelta(days=2)
    )
    assert _members(bundle)["posts.jsonl"] == b""
