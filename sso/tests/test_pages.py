"""IT's single sign-on pages: what the pages do (the permission table and the hostile-input walk are in
test_permissions.py)."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp

from audit.models import AuditEvent
from sso.models import ClaimRule, SsoDomain

pytestmark = pytest.mark.django_db


def test_it_adds_a_saml_provider_binds_a_domain_and_maps_a_group(client, it_security, department):
    client.force_login(it_security)

    response = client.post(
        "/sso/new/",
        {
            "protocol": "saml",
            "name": "Entra ID",
            "slug": "entra",
            "idp_entity_id": "https://sts.windows.net/tenant/",
            "sso_url": "https://login.microsoftonline.com/tenant/saml2",
            "x509cert": "MIIC...",
            "email_attribute": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
            "mfa_authn_contexts": "urn:example:mfa\n",
        },
    )
    app = SocialApp.objects.get(provider="saml")
    assert response.status_code == 302 and response["Location"] == f"/sso/{app.pk}/"
    assert app.client_id == "entra" and app.settings["advanced"]["want_assertion_signed"] is True
    assert app.settings["mfa_authn_contexts"] == ["urn:example:mfa"]
    client.post(f"/sso/{app.pk}/domains/", {"domain": "Corp.Example", "sso_required": "on", "create_accounts": "on"})
    client.post(
        f"/sso/{app.pk}/mapping/", {"claim": "groups", "value": "mkt", "department": department.pk, "role": "reviewer"}
    )

    page = client.get(f"/sso/{app.pk}/").content.decode()
    assert "corp.example" in page and "/accounts/saml/entra/acs/" in page and "Reviewer" in page
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "sso.provider_created",
        "sso.domain_saved",
        "sso.mapping_added",
    ]


def test_an_oidc_provider_is_tested_against_its_discovery_document(client, it_security, settings):
    from sso.tests.idps import start_oidc

    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the test provider listens on loopback

    server = start_oidc(
        clients=[{"client_id": "c", "client_secret": "s" * 20, "redirect_uris": ["http://x/cb"]}], accounts={}
    )
    try:
        app = SocialApp.objects.create(
            provider="openid_connect", provider_id="t", name="T", client_id="c", settings={"server_url": server.url}
        )
        client.force_login(it_security)
        page = client.post(f"/sso/{app.pk}/test/", follow=True).content.decode()
    finally:
        server.stop()
    assert f"Discovery read: issuer {server.url}" in page


def test_a_provider_that_does_not_answer_is_reported_not_a_500(client, it_security, objects, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    client.force_login(it_security)
    page = client.post(f"/sso/{objects['app'].pk}/test/", follow=True).content.decode()
    assert "Could not read it" in page


def test_the_secret_is_kept_when_left_empty_and_never_audited(client, it_security, objects):
    client.force_login(it_security)
    client.post(
        f"/sso/{objects['app'].pk}/edit/",
        {
            "protocol": "openid_connect",
            "name": "Corp",
            "slug": "corp",
            "issuer": "https://idp.example",
            "client_id": "socialgov",
        },
    )
    objects["app"].refresh_from_db()
    assert objects["app"].secret == "x" and objects["app"].settings["server_url"] == "https://idp.example"
    assert "secret" not in AuditEvent.objects.get(action="sso.provider_changed").data["changed"]


def test_a_refused_domain_comes_back_with_what_was_typed_and_binds_nothing(client, it_security, objects):
    other = SocialApp.objects.create(provider="openid_connect", provider_id="other", name="Other", client_id="o")
    client.force_login(it_security)

    # the form refuses it (too long), then the service (bound to another provider): both keep the typing
    too_long = "a" * 250 + ".example"
    response = client.post(f"/sso/{other.pk}/domains/", {"domain": too_long, "create_accounts": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and 'class="errorlist' in page
    assert f'value="{too_long}"' in page
    assert 'name="create_accounts" id="id_create_accounts" checked' in page
    assert 'name="sso_required" id="id_sso_required" checked' not in page

    response = client.post(f"/sso/{other.pk}/domains/", {"domain": "Corp.Example", "sso_required": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and "corp.example is bound to another provider" in page
    assert 'value="Corp.Example"' in page
    assert 'name="sso_required" id="id_sso_required" checked' in page
    assert 'name="create_accounts" id="id_create_accounts" checked' not in page

    assert not SsoDomain.objects.filter(app=other).exists()
    assert not AuditEvent.objects.exists()


def test_a_refused_mapping_line_comes_back_with_what_was_typed_and_adds_nothing(
    client, it_security, objects, department
):
    client.force_login(it_security)
    typed = {"claim": "groups", "value": "<b>sales</b>", "department": department.pk, "role": "nobody"}

    response = client.post(f"/sso/{objects['app'].pk}/mapping/", typed)
    page = response.content.decode()
    assert response.status_code == 200 and 'class="errorlist' in page
    assert 'name="claim" value="groups"' in page and 'value="&lt;b&gt;sales&lt;/b&gt;"' in page
    assert f'<option value="{department.pk}" selected>' in page

    # the service's refusal (the line already exists) keeps it too
    response = client.post(
        f"/sso/{objects['app'].pk}/mapping/",
        {"claim": "groups", "value": "mkt", "department": department.pk, "role": "reviewer"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "This line is already in the mapping." in page
    assert 'name="value" value="mkt"' in page and '<option value="reviewer" selected>' in page

    assert ClaimRule.objects.filter(app=objects["app"]).count() == 1
    assert not AuditEvent.objects.exists()


def test_a_valid_domain_and_mapping_line_still_redirect_and_are_audited(client, it_security, objects, department):
    client.force_login(it_security)
    app = objects["app"]

    response = client.post(f"/sso/{app.pk}/domains/", {"domain": "sales.example", "sso_required": "on"})
    assert response.status_code == 302 and response["Location"] == f"/sso/{app.pk}/"
    response = client.post(
        f"/sso/{app.pk}/mapping/", {"claim": "groups", "value": "sales", "department": department.pk, "role": "member"}
    )
    assert response.status_code == 302 and response["Location"] == f"/sso/{app.pk}/"

    assert SsoDomain.objects.get(domain="sales.example").app == app
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "sso.domain_saved",
        "sso.mapping_added",
    ]
    page = client.get(f"/sso/{app.pk}/").content.decode()
    assert "sales.example now signs in through Corp." in page and "Mapping line added" in page


def test_a_provider_url_inside_the_network_is_refused_on_the_form(client, it_security, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    client.force_login(it_security)
    typed = {"protocol": "openid_connect", "name": "Okta", "slug": "okta", "client_id": "abc", "secret": "s3cret"}

    response = client.post("/sso/new/", {**typed, "issuer": "http://169.254.169.254/latest/meta-data"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "169.254.169.254 is a link-local address: socialgov sends nothing inside its own network" in page
    assert 'value="http://169.254.169.254/latest/meta-data"' in page and 'value="Okta"' in page

    saml = {"protocol": "saml", "name": "Entra", "slug": "entra", "idp_entity_id": "https://sts.example/"}
    page = client.post("/sso/new/", {**saml, "metadata_url": "http://10.1.2.3/metadata"}).content.decode()
    assert "10.1.2.3 is a private address" in page
    assert not SocialApp.objects.exists()

    settings.OUTBOUND_ALLOWED_NETWORKS = ["10.1.0.0/16"]  # an on-premises IdP IT names
    response = client.post("/sso/new/", {**saml, "metadata_url": "http://10.1.2.3/metadata"})
    assert response.status_code == 302 and SocialApp.objects.get().settings["idp"]["metadata_url"]


def test_the_provider_test_reaches_nothing_inside_the_network(client, it_security, objects, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # the stored issuer is 127.0.0.1: refused before any connection
    client.force_login(it_security)
    page = client.post(f"/sso/{objects['app'].pk}/test/", follow=True).content.decode()
    assert "Not reached: 127.0.0.1 is a loopback address" in page


def test_a_metadata_redirect_into_the_network_is_refused(client, it_security, settings):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the first hop is allowed, the redirect's target is not
    try:
        url = f"http://127.0.0.1:{server.server_port}/metadata"
        app = SocialApp.objects.create(
            provider="saml", provider_id="m", name="M", client_id="m", settings={"idp": {"metadata_url": url}}
        )
        client.force_login(it_security)
        page = client.post(f"/sso/{app.pk}/test/", follow=True).content.decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "Not reached: 169.254.169.254 is a link-local address" in page
