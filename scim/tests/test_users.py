"""SCIM Users: create, read, filter, replace, patch (Okta's and Entra ID's shapes), deactivate, delete."""

import pytest

from accounts.models import User
from accounts.services import token_create
from audit.models import AuditEvent
from scim.models import ScimRequest
from scim.tests.factories import USER_SCHEMA, user_body

pytestmark = pytest.mark.django_db
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def test_create_then_get_and_filter_by_user_name(scim):
    # when
    created = scim.post("Users", user_body(externalId="00u1"))

    # then
    assert created.status_code == 201, created.body
    assert created["Content-Type"] == "application/scim+json"
    user = User.objects.get(email="ada@example.com")
    assert user.full_name == "Ada Lovelace" and user.is_active
    assert created.body["id"] == str(user.pk) and created["Location"].endswith(f"/scim/v2/Users/{user.pk}")
    got = scim.get(f"Users/{user.pk}")
    assert got.body["userName"] == "ada@example.com" and got.body["externalId"] == "00u1"
    found = scim.get('Users?filter=userName eq "ADA@example.com"')
    assert found.body["totalResults"] == 1 and found.body["Resources"][0]["id"] == str(user.pk)
    assert "user.created" in AuditEvent.objects.values_list("action", flat=True)


def test_people_made_in_socialgov_are_found_by_their_address(scim, employee):
    found = scim.get(f'Users?filter=userName eq "{employee.email}"')
    assert found.body["totalResults"] == 1
    assert found.body["Resources"][0]["emails"][0]["value"] == employee.email


def test_a_duplicate_user_name_is_409_uniqueness(scim, employee):
    response = scim.post("Users", user_body(employee.email))
    assert response.status_code == 409
    assert response.body["schemas"] == [ERROR] and response.body["scimType"] == "uniqueness"


@pytest.mark.parametrize(
    ("raw", "scim_type"),
    [("{not json", "invalidSyntax"), ("[1, 2]", "invalidSyntax"), ('{"schemas": ["x"], "userName": 3}', None)],
)
def test_malformed_bodies_are_400_in_scim_format(scim, raw, scim_type):
    response = scim.post("Users", raw=raw)
    assert response.status_code == 400, response.body
    assert response.body["schemas"] == [ERROR]
    if scim_type:
        assert response.body["scimType"] == scim_type


def test_an_unknown_path_is_400_invalid_path(scim, employee):
    response = scim.patch(f"Users/{employee.pk}", [{"op": "replace", "path": "nosuchattr", "value": "x"}])
    assert response.status_code == 400 and response.body["scimType"] == "invalidPath"


@pytest.mark.parametrize(
    "expression",
    [
        "userName eq",
        'userName eq "a" or',
        "((((((((((((userName pr",
        'password eq "x"',
        'meta.created gt "2020-01-01T00:00:00Z"',
        "'; DROP TABLE accounts_user; --",
        'userName eq "' + "a" * 5000 + '"',
        " or ".join(['userName eq "x"'] * 300),
    ],
)
def test_hostile_filters_are_400(scim, employee, expression):
    response = (
        scim.get("Users", key=None)
        if False
        else scim.client.get("/scim/v2/Users", {"filter": expression}, HTTP_AUTHORIZATION=f"Bearer {scim.key}")
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["scimType"] == "invalidFilter"


def test_an_api_token_or_none_is_401(scim, employee):
    _, api_key = token_create(actor=employee, name="mine", scope="write")
    for key in (api_key, "", "scim_nope_nope", "garbage"):
        response = scim.get("Users", key=key)
        assert response.status_code == 401 and response.body["schemas"] == [ERROR]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_scim_token_is_401(scim, scim_token, it_security):
    from scim.services import scim_token_revoke

    scim_token_revoke(actor=it_security, token=scim_token[0])
    assert scim.get("Users").status_code == 401


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "Replace", "path": "active", "value": "False"}],  # Entra ID: capitalised, a string boolean
        [{"op": "replace", "value": {"active": False}}],  # Okta: no path
    ],
)
def test_deactivation_offboards_and_the_same_patch_twice_changes_nothing(scim, employee, operations):
    # when
    first = scim.patch(f"Users/{employee.pk}", operations)
    events = AuditEvent.objects.count()
    second = scim.patch(f"Users/{employee.pk}", operations)

    # then
    assert first.status_code == 200 and first.body["active"] is False
    employee.refresh_from_db()
    assert not employee.is_active
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "user.offboarded" in actions and "user.deactivated" in actions
    assert second.status_code == 200 and AuditEvent.objects.count() == events


def test_reactivation_restores_sign_in_not_the_ended_memberships(scim, employee):
    from accounts.tests.factories import UserFactory
    from channels_registry.models import ChannelMembership
    from channels_registry.tests.factories import channel_with_custodians

    channel_with_custodians(employee, UserFactory(), department=employee.memberships.get().department)
    scim.patch(f"Users/{employee.pk}", [{"op": "replace", "path": "active", "value": False}])

    # when
    response = scim.patch(f"Users/{employee.pk}", [{"op": "Replace", "path": "active", "value": "True"}])

    # then
    assert response.status_code == 200 and response.body["active"] is True
    employee.refresh_from_db()
    assert employee.is_active
    assert not ChannelMembership.objects.filter(user=employee, ended_at__isnull=True).exists()
    assert "user.reactivated" in AuditEvent.objects.values_list("action", flat=True)


def test_entra_work_email_path_changes_the_sign_in_address(scim):
    user_id = scim.post("Users", user_body()).body["id"]

    # when
    response = scim.patch(
        f"Users/{user_id}", [{"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ada@new.example.com"}]
    )

    # then
    assert response.status_code == 200, response.body
    assert User.objects.get(pk=user_id).email == "ada@new.example.com"
    assert response.body["emails"][0]["value"] == "ada@new.example.com"


def test_put_replaces_the_name(scim):
    user_id = scim.post("Users", user_body()).body["id"]
    body = user_body(displayName="Countess of Lovelace")

    response = scim.put(f"Users/{user_id}", body)

    assert response.status_code == 200, response.body
    assert User.objects.get(pk=user_id).full_name == "Countess of Lovelace"


def test_delete_offboards_and_hides(scim, employee):
    response = scim.delete(f"Users/{employee.pk}")

    assert response.status_code == 204
    employee.refresh_from_db()
    assert not employee.is_active
    assert scim.get(f"Users/{employee.pk}").status_code == 404
    assert scim.delete(f"Users/{employee.pk}").status_code == 404
    assert "user.offboarded" in AuditEvent.objects.values_list("action", flat=True)


def test_every_request_is_logged_with_its_result(scim, employee):
    scim.get(f"Users/{employee.pk}")
    scim.post("Users", user_body(employee.email))
    log = list(ScimRequest.objects.order_by("pk").values_list("method", "status", "scim_type"))
    assert log == [("GET", 200, ""), ("POST", 409, "uniqueness")]


def test_discovery(scim):
    config = scim.get("ServiceProviderConfig").body
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    assert {r["id"] for r in scim.get("ResourceTypes").body["Resources"]} == {"User", "Group"}
    schema = scim.get(f"Schemas/{USER_SCHEMA}").body
    assert {a["name"] for a in schema["attributes"]} == {
        "userName",
        "name",
        "displayName",
        "active",
        "emails",
        "groups",
    }
    assert scim.post("ServiceProviderConfig", {}).status_code == 405
    assert scim.get("Nope").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_providers_racing_the_same_user_name_make_one_person(it_security):
    """Two requests at once on PostgreSQL: one 201, one 409, one person."""
    import threading

    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")

    from scim.services import scim_token_create
    from scim.tests.conftest import ScimClient

    _, key = scim_token_create(actor=it_security, name="Okta")
    statuses = []
    barrier = threading.Barrier(2)

    def create():
        try:
            barrier.wait(timeout=10)
            statuses.append(ScimClient(Client(), key).post("Users", user_body("race@example.com")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [201, 409]
    assert User.objects.filter(email="race@example.com").count() == 1


def test_a_deleted_person_pushed_again_is_the_same_person_reactivated(scim):
    user_id = scim.post("Users", user_body()).body["id"]
    scim.delete(f"Users/{user_id}")

    again = scim.post("Users", user_body())

    assert again.status_code == 201, again.body
    assert again.body["id"] == user_id and again.body["active"] is True
    assert User.objects.get(pk=user_id).is_active


def test_a_person_without_an_address_is_400(scim):
    body = user_body("no-address")
    del body["emails"]
    response = scim.post("Users", body)
    assert response.status_code == 400 and response.body["scimType"] in ("invalidValue", "invalidSyntax")
