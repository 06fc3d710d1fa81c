"""The single sign-on pages' rows of the permission table (socialgov/tests/test_permissions.py reads them)."""

from __future__ import annotations

from socialgov.testing.permissions import Route, only

IT = {"it_security", "superuser"}

SSO_ROUTES: list[Route] = [
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
