"""IT's SCIM page: make a token (shown once), revoke it, see the last requests and their results."""

import pytest

from audit.models import AuditEvent
from scim.models import ScimRequest, ScimToken
from scim.tests.conftest import ScimClient
from scim.tests.factories import user_body

pytestmark = pytest.mark.django_db


def test_it_makes_a_token_that_opens_scim_and_revokes_it(client, it_security):
    # given
    client.force_login(it_security)

    # when
    made = client.post("/provisioning/", {"name": "Okta production"}, follow=True)

    # then: the key once, the base URL, audited
    page = made.content.decode()
    token = ScimToken.objects.get()
    key = made.context["new_key"]
    assert key.startswith(f"scim_{token.prefix}_") and key in page
    assert "http://testserver/scim/v2/" in page
    assert key not in client.get("/provisioning/").content.decode()
    assert AuditEvent.objects.filter(action="scim.token_created").exists()
    client.logout()
    scim = ScimClient(client, key)
    assert scim.get("Users").status_code == 200

    # when revoked
    client.force_login(it_security)
    client.post(f"/provisioning/tokens/{token.pk}/revoke/")
    client.logout()

    # then
    assert scim.get("Users").status_code == 401
    assert AuditEvent.objects.filter(action="scim.token_revoked").exists()


def test_the_page_shows_the_last_requests_and_failures_only(client, it_security, scim, employee):
    scim.get(f"Users/{employee.pk}")
    scim.post("Users", user_body(employee.email))
    scim.get("Users", key="sg_not_a_scim_token")
    client.force_login(it_security)

    everything = client.get("/provisioning/").content.decode()
    failed = client.get("/provisioning/?result=failed").content.decode()

    assert f"GET /scim/v2/Users/{employee.pk}" in everything
    assert "uniqueness" in everything and "no valid token" in everything
    assert f"GET /scim/v2/Users/{employee.pk}" not in failed and "uniqueness" in failed
    assert ScimRequest.objects.count() == 3


def test_the_auditor_reads_the_page_without_forms(client, auditor):
    client.force_login(auditor)
    page = client.get("/provisioning/").content.decode()
    assert "New SCIM token" not in page
    assert client.post("/provisioning/", {"name": "x"}).status_code == 403


def test_old_requests_are_forgotten(scim, settings, time_machine):
    from scim.tasks import prune_scim_log

    time_machine.move_to("2026-01-01T00:00:00Z")
    scim.get("Users")
    time_machine.move_to("2026-01-31T00:00:01Z")
    scim.get("Groups")
    settings.SCIM_LOG_DAYS = 30

    assert prune_scim_log() == 1
    assert list(ScimRequest.objects.values_list("path", flat=True)) == ["/scim/v2/Groups"]
