"""The SCIM app's rows of the permission table, and the objects their URLs point at.

``/scim/v2/`` answers only a SCIM token: a signed-in browser session is not one, so every role gets 401 there (the
token's own cases are in test_users.py). IT's SCIM pages are IT security's."""

from __future__ import annotations

import pytest

from socialgov.testing.permissions import Route, only, page

NOBODY = page(ok=401, anon=401)


def _scim(name: str, method: str, path: str) -> Route:
    return Route(f"scim:{name}", method, lambda o, p=path: f"/scim/v2/{p}", NOBODY, api=True)


SCIM_API_ROUTES: list[Route] = [
    _scim("service_provider_config", "get", "ServiceProviderConfig"),
    _scim("resource_types", "get", "ResourceTypes"),
    _scim("resourcetype", "get", "ResourceTypes/User"),
    _scim("schemas", "get", "Schemas"),
    _scim("schema", "get", "Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
    _scim("users", "get", "Users"),
    _scim("users", "post", "Users"),
    *[_scim("user", method, "Users/1") for method in ("get", "put", "patch", "delete")],
    _scim("groups", "get", "Groups"),
    _scim("groups", "post", "Groups"),
    *[_scim("group", method, "Groups/1") for method in ("get", "put", "patch", "delete")],
    _scim("search", "post", ".search"),
    _scim("resource_search", "post", "Users/.search"),
    _scim("unknown", "get", "Nope"),
]

READERS = {"it_security", "auditor", "superuser"}
CHANGERS = {"it_security", "superuser"}

SCIM_PAGE_ROUTES: list[Route] = [
    Route("scim_pages:provisioning", "get", lambda o: "/provisioning/", only(READERS)),
    Route("scim_pages:provisioning", "get", lambda o: "/provisioning/?result=failed&page=2", only(READERS)),
    Route("scim_pages:provisioning", "post", lambda o: "/provisioning/", only(CHANGERS, ok=302), data={"name": "Okta"}),
    Route(
        "scim_pages:token_revoke",
        "post",
        lambda o: f"/provisioning/tokens/{o['scim_token'].pk}/revoke/",
        only(CHANGERS, ok=302),
    ),
]

ROUTES: list[Route] = [*SCIM_API_ROUTES, *SCIM_PAGE_ROUTES]


@pytest.fixture
def objects(superuser):
    from scim.services import scim_token_create

    return {"scim_token": scim_token_create(actor=superuser, name="Okta")[0]}
