"""scim2-tester (a checker of SCIM servers against RFC 7643 / 7644) against a live server on loopback: no failure
for anything ServiceProviderConfig declares."""

import pytest
from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from scim.services import scim_token_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_scim2_tester_finds_no_failure(live_server, it_security):
    # given
    _, key = scim_token_create(actor=it_security, name="scim2-tester")
    http = Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    client = SyncSCIMClient(http)
    listed = [g["id"] for g in http.get("/Groups").json()["Resources"]]
    assert {"role-it_security", "role-auditor", "role-communications", "role-compliance"} <= set(listed)

    # when: the role groups are listed beside the departments the checker pushes
    results = check_server(client)

    # then
    failures = [f"{r.title} [{r.resource_type}]: {r.reason}" for r in results if r.status == Status.ERROR]
    assert not failures, "\n".join(failures)
    assert sum(r.status == Status.SUCCESS for r in results) > 40
