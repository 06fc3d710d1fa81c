"""Sign in through a real OpenID Connect provider (oidc-provider on loopback) in real Chromium."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp

from accounts.models import Department, Membership, User
from audit.models import AuditEvent
from sso.models import ClaimRule, SsoDomain
from sso.tests.idps import start_oidc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS = {
    "ada": {"email": "ada@corp.example", "email_verified": True, "name": "Ada Lovelace", "groups": ["mkt-reviewers"]},
    "bob": {"email": "bob@corp.example", "email_verified": True, "name": "Bob Builder", "groups": ["staff"]},
    "eve": {"email": "eve@elsewhere.example", "email_verified": True, "name": "Eve", "groups": []},
}


@pytest.fixture
def oidc(live_server):
    server = start_oidc(
        clients=[
            {
                "client_id": "socialgov",
                "client_secret": "test-secret-0123456789",
                "redirect_uris": [f"{live_server.url}/accounts/oidc/corp/login/callback/"],
            }
        ],
        accounts=ACCOUNTS,
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def corp(oidc):
    """The company's provider, its domain (SSO required, accounts created at first sign-in) and mapping."""
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="corp",
        name="Corp IdP",
        client_id="socialgov",
        secret="test-secret-0123456789",
        settings={"server_url": oidc.url, "scope": ["openid", "email", "profile", "groups"]},
    )
    marketing = Department.objects.create(name="Marketing", slug="marketing")
    SsoDomain.objects.create(domain="corp.example", app=app, sso_required=True, create_accounts=True)
    ClaimRule.objects.create(app=app, claim="groups", value="mkt-reviewers", department=marketing, role="reviewer")
    ClaimRule.objects.create(app=app, claim="groups", value="staff", department=marketing, role="member")
    return app


def start_sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/interaction/"))


def at_idp(page, login, *, mfa):
    page.fill("input[name=login]", login)
    if mfa:
        page.check("input[name=mfa]")
    page.click("button[type=submit]")


def test_first_sign_in_creates_the_account_with_the_mapped_department(page, live_server, corp):
    # when Ada, new to socialgov, signs in with her company address and her IdP asserts a second factor
    start_sign_in(page, live_server.url, "ada@corp.example")
    at_idp(page, "ada", mfa=True)

    # then she lands on her dashboard, as a reviewer of Marketing, without socialgov's own second factor
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "My work"
    assert "Marketing" in page.locator("main").inner_text()
    ada = User.objects.get(email="ada@corp.example")
    assert ada.full_name == "Ada Lovelace" and not ada.has_usable_password()
    assert list(Membership.objects.filter(user=ada).values_list("department__slug", "role")) == [
        ("marketing", "reviewer")
    ]
    assert SocialAccount.objects.filter(user=ada, provider="corp").exists()
    # and it is all on the record, with the provider
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["user.created_by_sso", "membership.set", "user.sso_signed_in"]
    signed_in = AuditEvent.objects.get(action="user.sso_signed_in")
    assert signed_in.data == {"provider": "Corp IdP", "protocol": "openid_connect", "second_factor": True}
    assert signed_in.actor_id == ada.pk


def test_a_reviewer_whose_idp_asserts_no_second_factor_is_asked_for_socialgovs(page, live_server, corp):
    start_sign_in(page, live_server.url, "ada@corp.example")
    at_idp(page, "ada", mfa=False)

    page.wait_for_url(re.compile(r"/accounts/(reauthenticate|2fa)/"))
    assert AuditEvent.objects.get(action="user.sso_signed_in").data["second_factor"] is False
    page.goto(f"{live_server.url}/")
    assert "/accounts/" in page.url  # still nothing but enrolment


def test_a_member_signs_in_again_to_the_same_account(page, live_server, corp):
    for _ in range(2):
        start_sign_in(page, live_server.url, "bob@corp.example")
        at_idp(page, "bob", mfa=False)
        page.wait_for_url(f"{live_server.url}/")
        page.context.clear_cookies()
    assert User.objects.filter(email="bob@corp.example").count() == 1
    assert AuditEvent.objects.filter(action="user.sso_signed_in").count() == 2
    assert AuditEvent.objects.filter(action="user.created_by_sso").count() == 1


def test_a_person_of_an_sso_required_domain_cannot_use_a_password(page, live_server, corp):
    from accounts.tests.factories import PASSWORD, UserFactory

    UserFactory(email="carol@corp.example")  # an account from before, with a password

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "carol@corp.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")

    # then the password is not even checked: she is sent to her provider
    page.wait_for_url(re.compile(r"/interaction/"))
    assert page.url.startswith(corp.settings["server_url"])


def _tampered(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query[name] = "tampered-" + query.get(name, "")[:8]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _refused(page, reason: str):
    assert page.locator("h1").inner_text() == "Sign-in refused"
    assert reason in page.locator(".sso-reason").inner_text()
    assert not User.objects.filter(email="ada@corp.example").exists()
    assert not Membership.objects.exists() and not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(action="sso.sign_in_refused").count() == 1


def _redirect_tampered(route, name: str, hops: int):
    """Follow the intercepted request's redirects (the browser's cookies go along) and hand the browser the
    ``hops``-th Location with its ``name`` parameter changed: what an attacker in the middle would do."""
    response = route.fetch(max_redirects=0)
    headers = dict(response.headers)
    location = headers["location"]
    for _ in range(hops - 1):
        location = urljoin(route.request.url, location)
        location = route.request.frame.page.context.request.get(location, max_redirects=0).headers["location"]
    headers["location"] = _tampered(urljoin(route.request.url, location), name)
    route.fulfill(status=303, headers=headers)


def test_a_callback_with_a_wrong_state_is_refused_and_creates_nothing(page, live_server, corp):
    # the IdP's answer comes back with another state than the one this sign-in started with
    page.route(
        re.compile(r".*/interaction/.*"),
        lambda route: (
            _redirect_tampered(route, "state", hops=2) if route.request.method == "POST" else route.continue_()
        ),
    )
    start_sign_in(page, live_server.url, "ada@corp.example")
    at_idp(page, "ada", mfa=True)

    page.wait_for_selector("h1:text('Sign-in refused')")
    _refused(page, "unknown state")


def test_an_id_token_with_a_wrong_nonce_is_refused_and_creates_nothing(page, live_server, corp):
    # the authorization request leaves the browser with another nonce than the one socialgov keeps
    page.route(
        re.compile(r".*/accounts/login/$"),
        lambda route: (
            _redirect_tampered(route, "nonce", hops=1) if route.request.method == "POST" else route.continue_()
        ),
    )
    start_sign_in(page, live_server.url, "ada@corp.example")
    at_idp(page, "ada", mfa=True)

    page.wait_for_selector("h1:text('Sign-in refused')")
    _refused(page, "nonce does not match")


def test_a_provider_cannot_sign_in_people_of_another_domain(page, live_server, corp):
    page.goto(f"{live_server.url}/accounts/oidc/corp/login/")
    page.click("main button[type=submit]")
    at_idp(page, "eve", mfa=True)

    page.wait_for_selector("h1:text('Sign-in refused')")
    assert "does not sign in people of that e-mail domain" in page.locator(".sso-reason").inner_text()
    assert not User.objects.filter(email="eve@elsewhere.example").exists()
