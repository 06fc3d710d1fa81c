"""The hostile-input walk over the SCIM endpoints: every text attribute of every write, the filter, the ids in
the URL, with each hostile value: a SCIM Error (400 / 409 / 404) or the value kept as given; never a 500."""

import pytest
from django.db import transaction

from scim.tests.factories import USER_SCHEMA, user_body
from socialgov.testing.hostile import HOSTILE

pytestmark = pytest.mark.django_db
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
USER_TEXT = ["userName", "displayName", "externalId", "name.givenName", "name.familyName", "name.formatted", "emails"]
GROUP_TEXT = ["displayName", "externalId", "members"]


def _set(body: dict, attribute: str, value: str) -> dict:
    if attribute == "emails":
        body["emails"] = [{"value": value, "type": "work", "primary": True}]
    elif attribute == "members":
        body["members"] = [{"value": value}]
    elif "." in attribute:
        parent, child = attribute.split(".")
        body.setdefault(parent, {})[child] = value
    else:
        body[attribute] = value
    return body


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _assert_answered(response, stored: str | None = None):
    assert response.status_code in (200, 201, 204, 400, 404, 409), (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response.body["schemas"] == [ERROR]


def _attempt(send):
    """Each attempt is rolled back, as the pages' walk does."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            send()
            raise Undo
    except Undo:
        pass


@pytest.mark.parametrize("kind", HOSTILE)
def test_users(scim, employee, kind):
    value = HOSTILE[kind]
    for attribute in USER_TEXT:

        def send(attribute=attribute):
            created = scim.post("Users", _set(user_body("new@example.com"), attribute, value))
            _assert_answered(created)
            if created.status_code == 201 and attribute not in ("emails",):
                shown = scim.get(f"Users/{created.body['id']}").body
                assert value in _strings(shown) or kind == "megabyte"
            _assert_answered(scim.put(f"Users/{employee.pk}", _set(user_body(employee.email), attribute, value)))
            path = 'emails[type eq "work"].value' if attribute == "emails" else attribute
            _assert_answered(scim.patch(f"Users/{employee.pk}", [{"op": "replace", "path": path, "value": value}]))

        _attempt(send)
    _assert_answered(scim.patch(f"Users/{employee.pk}", [{"op": "replace", "path": value[:2000], "value": "x"}]))
    _assert_answered(scim.patch(f"Users/{employee.pk}", [{"op": value[:2000], "path": "active", "value": False}]))


@pytest.mark.parametrize("kind", HOSTILE)
def test_groups(scim, department, employee, kind):
    value = HOSTILE[kind]
    for attribute in GROUP_TEXT:

        def send(attribute=attribute):
            body = {"schemas": [GROUP_SCHEMA], "displayName": "Legal"}
            _assert_answered(scim.post("Groups", _set(body, attribute, value)))
            body = {"schemas": [GROUP_SCHEMA], "displayName": "Marketing"}
            _assert_answered(scim.put(f"Groups/{department.pk}", _set(body, attribute, value)))
            operation = {"op": "add", "path": attribute, "value": value}
            if attribute == "members":
                operation["value"] = [{"value": value}]
            _assert_answered(scim.patch(f"Groups/{department.pk}", [operation]))
            for role_group in (f"role-{department.pk}-reviewer", "role-communications"):
                name = scim.get(f"Groups/{role_group}").body["displayName"]
                body = {"schemas": [GROUP_SCHEMA], "displayName": name}
                _assert_answered(scim.put(f"Groups/{role_group}", _set(body, attribute, value)))
                _assert_answered(scim.patch(f"Groups/{role_group}", [operation]))

        _attempt(send)


@pytest.mark.parametrize("kind", HOSTILE)
def test_filters_and_ids(scim, kind):
    value = HOSTILE[kind]
    for endpoint in ("Users", "Groups"):
        for expression in (
            value,
            f'userName eq "{value}"',
            f'displayName co "{value}"',
            f'members[value eq "{value}"]',
            f'id eq "{value}"',
        ):
            response = scim.client.get(
                f"/scim/v2/{endpoint}", {"filter": expression[:5000]}, HTTP_AUTHORIZATION=f"Bearer {scim.key}"
            )
            assert response.status_code in (200, 400), response.content[:300]
        for param in ("startIndex", "count", "attributes", "excludedAttributes"):
            response = scim.client.get(
                f"/scim/v2/{endpoint}", {param: value[:5000]}, HTTP_AUTHORIZATION=f"Bearer {scim.key}"
            )
            assert response.status_code in (200, 400), (param, response.content[:300])
    from urllib.parse import quote

    for endpoint in ("Users", "Groups", "Groups/role-", "Groups/role-1-", "Schemas", "ResourceTypes"):
        response = scim.get(
            f"{endpoint}{'' if endpoint.endswith('-') else '/'}{quote(value[:2000].replace(chr(0), ''))}"
        )
        assert response.status_code == 404, response.content[:300]


def test_ids_too_large_for_the_database_are_404(scim):
    huge = "9" * 30
    for path in (f"Users/{huge}", f"Groups/{huge}", f"Groups/role-{huge}-reviewer"):
        assert scim.get(path).status_code == 404, path
    for endpoint in ("Users", "Groups"):
        response = scim.get(f'{endpoint}?filter=id eq "{huge}"')
        assert response.status_code in (200, 400), response.content[:300]
    response = scim.get(f'Groups?filter=members[value eq "{huge}"]')
    assert response.status_code in (200, 400), response.content[:300]
    for group in ("role-communications", "1"):
        response = scim.patch(f"Groups/{group}", [{"op": "add", "path": "members", "value": [{"value": huge}]}])
        assert response.status_code in (400, 404), response.content[:300]


def test_bodies_that_are_not_scim(scim, employee):
    for raw in (
        "",
        "null",
        '"text"',
        "1e999999",
        '{"schemas": 5}',
        '{"Operations": "x"}',
        '{"Operations": [1]}',
        "\x00",
    ):
        _assert_answered(scim.post("Users", raw=raw))
        _assert_answered(scim.call("patch", f"Users/{employee.pk}", raw=raw))
        _assert_answered(scim.put(f"Users/{employee.pk}", raw=raw))
    deep = '{"schemas": [' * 5000 + "]}" * 5000
    _assert_answered(scim.post("Users", raw=deep))
    too_big = '{"schemas": ["' + USER_SCHEMA + '"], "userName": "' + "a" * 3_000_000 + '"}'
    response = scim.post("Users", raw=too_big)
    assert response.status_code == 413 and response.body["schemas"] == [ERROR]
