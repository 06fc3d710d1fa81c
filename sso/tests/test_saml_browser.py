"""Sign in through a real SAML 2.0 IdP (pysaml2's, on loopback) in real Chromium; tampered answers refused."""

from __future__ import annotations

import re

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp

from accounts.models import Department, Membership, User
from audit.models import AuditEvent
from sso.models import ClaimRule, SamlAssertion, SsoDomain
from sso.tests.idps import start_saml

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MFA_CONTEXT = "urn:socialgov:test:mfa"
ACCOUNTS = {"ada": {"email": "ada@saml.example", "name": "Ada Lovelace", "groups": ["legal-reviewers"]}}


@pytest.fixture
def saml_idp():
    server = start_saml({"port": 0, "accounts": ACCOUNTS})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def corp(saml_idp, it_security):
    from sso import services

    app = services.provider_save(
        actor=it_security,
        app=SocialApp(
            provider="saml",
            provider_id="corpsaml",
            client_id="corpsaml",
            name="Corp SAML",
            settings={
                "idp": {"entity_id": f"{saml_idp.url}/metadata", "metadata_url": f"{saml_idp.url}/metadata"},
                "attribute_mapping": {"email": ["email"], "name": ["displayName"]},
                "mfa_authn_contexts": [MFA_CONTEXT],
            },
        ),
    )
    legal = Department.objects.create(name="Legal", slug="legal")
    SsoDomain.objects.create(domain="saml.example", app=app, sso_required=True, create_accounts=True)
    ClaimRule.objects.create(app=app, claim="groups", value="legal-reviewers", department=legal, role="reviewer")
    return app


def sign_in(page, base, *, mfa=True, tamper=""):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "ada@saml.example")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/sso/redirect"))
    page.fill("input[name=login]", "ada")
    if mfa:
        page.check("input[name=mfa]")
    page.select_option("select[name=tamper]", tamper)
    page.click("button[type=submit]")
    page.click("button:text('Continue')")


def test_sign_in_through_saml_lands_on_the_dashboard_with_the_mapped_department(page, live_server, corp):
    sign_in(page, live_server.url, mfa=True)

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "My work"
    assert "Legal" in page.locator("main").inner_text()
    ada = User.objects.get(email="ada@saml.example")
    assert list(Membership.objects.filter(user=ada).values_list("department__slug", "role")) == [("legal", "reviewer")]
    signed_in = AuditEvent.objects.get(action="user.sso_signed_in")
    assert signed_in.data == {"provider": "Corp SAML", "protocol": "saml", "second_factor": True}
    assert SamlAssertion.objects.count() == 1


def _refused(page, reason: str):
    page.wait_for_selector("h1:text('Sign-in refused')")
    assert reason.lower() in page.locator("main").inner_text().lower()
    assert not User.objects.filter(email__endswith="@saml.example").exists()
    assert not Membership.objects.exists() and not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(action="sso.sign_in_refused").count() == 1


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [("signature", "signature"), ("audience", "audience"), ("expired", "expired")],
)
def test_a_tampered_response_is_refused_and_creates_nothing(page, live_server, corp, tamper, reason):
    sign_in(page, live_server.url, tamper=tamper)
    _refused(page, reason)


def test_a_replayed_response_is_refused(page, live_server, corp, saml_idp):
    sign_in(page, live_server.url)
    page.wait_for_url(f"{live_server.url}/")
    page.context.clear_cookies()
    sign_ins = AuditEvent.objects.filter(action="user.sso_signed_in").count()

    # when the same response is posted again (captured on the way, say)
    page.goto(f"{saml_idp.url}/replay")
    page.click("button:text('Continue')")

    # then it is refused: nobody is signed in by it, nothing is created
    page.wait_for_selector("h1:text('Sign-in refused')")
    assert "already used" in page.locator(".sso-reason").inner_text()
    assert AuditEvent.objects.filter(action="user.sso_signed_in").count() == sign_ins
    assert AuditEvent.objects.filter(action="sso.sign_in_refused").count() == 1
    assert User.objects.filter(email__endswith="@saml.example").count() == 1
    assert SocialAccount.objects.count() == 1 and SamlAssertion.objects.count() == 1
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
