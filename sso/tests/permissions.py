"""The single sign-on pages' rows of the permission table, and the objects their URLs point at."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp

from socialgov.testing.permissions import Route, only
from sso.models import ClaimRule, SsoDomain

IT = {"it_security", "superuser"}

ROUTES: list[Route] = [
    Route("sso:providers", "get", lambda o: "/sso/", only(IT)),
    Route("sso:provider_new", "get", lambda o: "/sso/new/", only(IT)),
    Route(
        "sso:provider_new",
        "post",
        lambda o: "/sso/new/",
        only(IT, ok=302),
        data={
            "protocol": "openid_connect",
            "name": "Okta",
            "slug": "okta",
            "issuer": "https://example.okta.com",
            "client_id": "abc",
            "secret": "s3cret",
            "scope": "openid email profile",
            "mfa_amr": "mfa",
        },
    ),
    Route("sso:provider", "get", lambda o: f"/sso/{o['app'].pk}/", only(IT)),
    Route("sso:provider_edit", "get", lambda o: f"/sso/{o['app'].pk}/edit/", only(IT)),
    Route(
        "sso:provider_edit",
        "post",
        lambda o: f"/sso/{o['app'].pk}/edit/",
        only(IT, ok=302),
        data={
            "protocol": "openid_connect",
            "name": "Corp",
            "slug": "corp",
            "issuer": "https://idp.corp.example",
            "client_id": "socialgov",
            "scope": "openid email profile groups",
        },
    ),
    Route("sso:provider_test", "post", lambda o: f"/sso/{o['app'].pk}/test/", only(IT, ok=302)),
    Route("sso:provider_delete", "post", lambda o: f"/sso/{o['app'].pk}/delete/", only(IT, ok=302)),
    Route(
        "sso:domain_add",
        "post",
        lambda o: f"/sso/{o['app'].pk}/domains/",
        only(IT, ok=302),
        data={"domain": "new.example", "sso_required": "on"},
    ),
    Route(
        "sso:domain_remove",
        "post",
        lambda o: f"/sso/{o['app'].pk}/domains/{o['domain'].pk}/remove/",
        only(IT, ok=302),
    ),
    Route(
        "sso:rule_add",
        "post",
        lambda o: f"/sso/{o['app'].pk}/mapping/",
        only(IT, ok=302),
        data=lambda o: {"claim": "groups", "value": "sales", "department": o["department"].pk, "role": "member"},
    ),
    Route("sso:rule_remove", "post", lambda o: f"/sso/{o['app'].pk}/mapping/{o['rule'].pk}/remove/", only(IT, ok=302)),
]


@pytest.fixture
def objects(department):
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="corp",
        name="Corp",
        client_id="socialgov",
        secret="x",
        settings={"server_url": "http://127.0.0.1:9"},  # nothing listens there: the test answers at once
    )
    return {
        "app": app,
        "department": department,
        "domain": SsoDomain.objects.create(domain="corp.example", app=app),
        "rule": ClaimRule.objects.create(app=app, claim="groups", value="mkt", department=department, role="member"),
    }
