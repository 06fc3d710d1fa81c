"""The records API: holds set and released through the services, with the errors the API promises."""

import pytest

from records.models import LegalHold

pytestmark = pytest.mark.django_db


def test_a_hold_set_and_released_over_the_api(token_client, compliance, channel):
    client = token_client(compliance)
    created = client.post("/api/v1/legal-holds/", {"channel": channel.pk, "reason": "Case 9"}, format="json")
    assert created.status_code == 201 and created.json()["scope"] == f"channel {channel.display_name}"
    pk = created.json()["id"]
    listed = client.get("/api/v1/legal-holds/?active=true").json()["results"]
    assert [h["id"] for h in listed] == [pk]
    released = client.post(f"/api/v1/legal-holds/{pk}/release/", {"reason": "Closed"}, format="json")
    assert released.status_code == 200 and released.json()["active"] is False
    again = client.post(f"/api/v1/legal-holds/{pk}/release/", {"reason": "Closed"}, format="json")
    assert again.status_code == 409 and "already released" in again.json()["detail"]


def test_a_hold_without_a_scope_is_a_400_with_the_field(token_client, compliance):
    response = token_client(compliance).post("/api/v1/legal-holds/", {"reason": "Case 9"}, format="json")
    assert response.status_code == 400 and "channel" in response.json()["fields"]
    assert not LegalHold.objects.exists()


def test_a_hold_on_oneself_is_refused(token_client, compliance):
    response = token_client(compliance).post(
        "/api/v1/legal-holds/", {"person": compliance.pk, "reason": "Case 9"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "separation_of_duties"


def test_a_read_token_does_not_set_holds(token_client, compliance, channel):
    response = token_client(compliance, scope="read").post(
        "/api/v1/legal-holds/", {"channel": channel.pk, "reason": "Case 9"}, format="json"
    )
    assert response.status_code == 403
