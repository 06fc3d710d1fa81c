"""The records pages as compliance and IT security use them: the held post says so, a refused erasure says why,
downloads are what the services make, and the lists cost a fixed number of queries."""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from approvals.tests.factories import draft
from channels_registry.services import user_offboard
from records import services
from records.bundles import verify_bundle
from records.models import LegalHold, SubjectRequest
from records.subjects import subject_access_export

pytestmark = pytest.mark.django_db


def test_a_held_post_and_its_channel_show_the_hold(client, compliance, employee, channel):
    post = draft(employee, channel, "Kept for the case.")
    hold = services.hold_set(actor=compliance, channel=channel, reason="Case 2026-17: claims")
    client.force_login(employee)
    page = client.get(reverse("approvals:post_detail", args=[post.pk])).content.decode()
    assert f"Kept under legal hold #{hold.pk}" in page and "Case 2026-17" not in page  # the reason: record readers
    client.force_login(compliance)
    page = client.get(reverse("channels_registry:channel_detail", args=[channel.pk])).content.decode()
    assert f'Kept under legal hold <a href="/records/holds/{hold.pk}/">#{hold.pk}</a> (Case 2026-17: claims)' in page


def test_an_unheld_post_shows_no_hold(client, compliance, employee, channel):
    post = draft(employee, channel)
    services.hold_set(
        actor=compliance,
        person=employee,
        reason="Old case",
        date_to=dt.date(2000, 1, 1),
    )
    client.force_login(employee)
    assert b"legal hold" not in client.get(reverse("approvals:post_detail", args=[post.pk])).content


def test_compliance_sets_a_hold_on_the_page_and_a_bad_one_keeps_what_was_typed(client, compliance, channel):
    client.force_login(compliance)
    bad = client.post("/records/holds/", {"reason": "Case <b>7</b>"})
    assert bad.status_code == 200 and b"Name a channel, a department" in bad.content
    assert b"Case &lt;b&gt;7&lt;/b&gt;" in bad.content and not LegalHold.objects.exists()
    ok = client.post("/records/holds/", {"channel": channel.pk, "reason": "Case 7"})
    hold = LegalHold.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/records/holds/{hold.pk}/"
    detail = client.get(ok["Location"]).content.decode()
    assert "records.hold_set" in detail and "Case 7" in detail


def test_a_refused_erasure_says_why_on_the_page(client, compliance, it_security, employee):
    user_offboard(actor=it_security, user=employee)
    hold = services.hold_set(actor=compliance, person=employee, reason="Litigation")
    client.force_login(it_security)
    response = client.post("/records/requests/erase/", {"erase-person": employee.email}, follow=True)
    text = response.content.decode()
    assert f"is under legal hold #{hold.pk}" in text and "Nothing was erased" in text
    assert SubjectRequest.objects.get().state == "refused"


def test_the_export_downloads_the_person_s_data(client, compliance, employee):
    client.force_login(compliance)
    response = client.post("/records/requests/export/", {"export-person": str(employee.pk), "export-reference": "R1"})
    assert response["Content-Disposition"].startswith('attachment; filename="subject-access-')
    assert json.loads(response.content)["profile"]["email"] == employee.email
    nobody = client.post("/records/requests/export/", {"export-person": "nobody@example.com"})
    assert nobody.status_code == 200
    assert "No person you may see is called “nobody@example.com”." in nobody.content.decode()


def test_the_archive_page_downloads_a_bundle_that_verifies(client, auditor, employee, channel):
    draft(employee, channel)
    client.force_login(auditor)
    today = dt.date.today().isoformat()
    response = client.get(f"/records/archive/?channel={channel.pk}&date_from={today}&date_to={today}")
    assert response["Content-Type"] == "application/zip"
    assert verify_bundle(io.BytesIO(b"".join(response.streaming_content))).ok
    backwards = client.get(f"/records/archive/?channel={channel.pk}&date_from={today}&date_to=2000-01-01")
    assert backwards.status_code == 200 and b"End on or after the first day." in backwards.content


@pytest.mark.parametrize("rows", [2, 6])
def test_the_lists_cost_the_same_however_many_rows(
    client, compliance, it_security, channel, rows, django_assert_num_queries
):
    from accounts.tests.factories import UserFactory

    for i in range(rows):
        services.hold_set(actor=compliance, channel=channel, reason=f"Case {i}")
        subject_access_export(actor=compliance, person=UserFactory())
    client.force_login(it_security)
    client.get("/records/holds/")  # the layout's kept parts
    # the person with their groups and second factor, the list's capped count and its page (holds with their
    # channel, department and who set them; requests with who handled them); on the holds page the departments the
    # filter and the form offer
    with django_assert_num_queries(HOLDS_PAGE):
        assert client.get("/records/holds/").status_code == 200
    with django_assert_num_queries(REQUESTS_PAGE):
        assert client.get("/records/requests/").status_code == 200


HOLDS_PAGE = 5
REQUESTS_PAGE = 3
