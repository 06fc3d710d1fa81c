"""Passkeys in real Chromium: a virtual authenticator (the DevTools protocol's WebAuthn domain) stands in for a
phone or a security key. Enrol a passkey, sign out, sign in with it alone. WebAuthn needs a secure context:
http://localhost is one, and the relying party is the host the page comes from (localhost)."""

from __future__ import annotations

import pytest

from socialgov.tests.test_browser import browser, page  # noqa: F401  (the shared Chromium fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_passkey_enrolled_then_used_to_sign_in_without_a_password(page, live_server, groups):  # noqa: F811
    from allauth.mfa.models import Authenticator

    from accounts.tests.factories import PASSWORD, DepartmentFactory, UserFactory, add_member, enrol_totp, totp_code
    from audit.models import AuditEvent

    # given a reviewer (a decider: second factor required) enrolled with an authenticator app
    base = live_server.url.replace("127.0.0.1", "localhost")
    person = enrol_totp(add_member(UserFactory(email="passkey@example.com"), DepartmentFactory(slug="mkt"), "reviewer"))
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    # when they sign in with password and code, and add a passkey on their two-factor page
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", totp_code())
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/accounts/2fa/webauthn/add/")
    page.wait_for_url("**/accounts/reauthenticate/**")  # allauth asks to confirm before a new factor is added
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/webauthn/add/**")
    page.fill("input[name=name]", "Laptop")
    page.check("input[name=passwordless]")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=person, type="webauthn").count() == 1
    assert AuditEvent.objects.filter(action="user.authenticator_added", actor=person, data__type="webauthn").exists()

    # and sign out
    page.goto(f"{base}/accounts/logout/")
    page.click("main button[type=submit]")
    page.wait_for_url("**/")

    # then the passkey alone signs them in (it is their second factor too: no code asked, nothing to enrol)
    page.goto(f"{base}/accounts/login/")
    page.click("#passkey_login")
    page.wait_for_url(f"{base}/")
    assert page.locator("h1").inner_text() == "My work"
    assert page.locator(".nav-user").inner_text() == person.email
